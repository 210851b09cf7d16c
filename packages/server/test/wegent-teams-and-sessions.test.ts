/**
 * Wegent's teams and sessions, driven as a Wegent client drives them: groups of members over
 * `/api/v1/groups` (read back through the SDK and MCP too), `@<group>` in a message, tasks limited to
 * a team and listed by `?team=`; password sign-in tokens that expire when idle or old, agent tokens
 * that do not unless made with an expiry, and a cap on one member's live connections.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RestClient } from '@roundtable/client';
import { RawClient, SkewClock, WegentClient, mcpClient, startHub, toolJson, type TestHub } from '@roundtable/testkit';

const DAY = 86_400_000;

/** A person with a password, signed in as a Wegent user is: the sign-in token. */
async function signedIn(hub: TestHub, handle: string): Promise<string> {
  await hub.member(handle, 'person', { password: 'correct horse' });
  const login = await hub.api('', 'POST', '/api/v1/auth/login', { handle, password: 'correct horse' });
  assert.equal(login.status, 200, JSON.stringify(login.body));
  return login.body.token as string;
}

async function teamWorld(t: TestContext) {
  const hub = await startHub(t);
  const alice = await signedIn(hub, 'alice');
  const [bob, coder, stranger, dave] = await Promise.all([
    hub.member('bob'),
    hub.member('coder', 'agent', { capabilities: ['code'] }),
    hub.member('stranger', 'agent', { capabilities: ['code'] }),
    hub.member('dave'),
  ]);
  return { hub, alice, bob, coder, stranger, dave };
}

test('a team is made, read, changed and deleted over /api/v1/groups by its owner, and only by its owner or an admin', async (t) => {
  const { hub, alice, bob } = await teamWorld(t);
  const created = await hub.api(alice, 'POST', '/api/v1/groups', {
    handle: 'backend',
    display_name: 'Backend team',
    members: ['bob', 'coder', 'alice'],
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.deepEqual(
    { ...created.body.group, created_at: undefined, updated_at: undefined },
    {
      handle: 'backend',
      display_name: 'Backend team',
      members: ['alice', 'bob', 'coder'],
      owner: 'alice',
      created_at: undefined,
      updated_at: undefined,
    },
  );
  assert.deepEqual(
    (await hub.api(bob.token, 'GET', '/api/v1/groups')).body.groups.map((group: { handle: string }) => group.handle),
    ['backend'],
  );
  assert.deepEqual((await hub.api(bob.token, 'GET', '/api/v1/groups/backend')).body.group, created.body.group);

  // Slack's usergroups.users.update replaces the list; Mattermost's members endpoints add and remove.
  const grown = await hub.api(alice, 'PATCH', '/api/v1/groups/backend', { add: ['dave'], remove: ['alice'] });
  assert.deepEqual(grown.body.group.members, ['bob', 'coder', 'dave']);
  const replaced = await hub.api(alice, 'PATCH', '/api/v1/groups/backend', { members: ['coder'] });
  assert.deepEqual(replaced.body.group.members, ['coder']);
  assert.equal(replaced.body.group.display_name, 'Backend team');
  const both = await hub.api(alice, 'PATCH', '/api/v1/groups/backend', { members: ['bob'], add: ['dave'] });
  assert.equal(both.body.code, 'invalid_request');
  const unknown = await hub.api(alice, 'PATCH', '/api/v1/groups/backend', { add: ['nobody'] });
  assert.equal(unknown.body.code, 'member_not_found');
  assert.deepEqual(unknown.body.details, { members: ['nobody'] });

  const notOwner = await hub.api(bob.token, 'PATCH', '/api/v1/groups/backend', { add: ['bob'] });
  assert.equal(notOwner.status, 403);
  assert.equal(notOwner.body.code, 'forbidden');
  assert.equal((await hub.api(bob.token, 'DELETE', '/api/v1/groups/backend')).status, 403);
  const byAdmin = await hub.api(hub.adminToken, 'PATCH', '/api/v1/groups/backend', { add: ['bob'] });
  assert.deepEqual(byAdmin.body.group.members, ['bob', 'coder']);

  assert.equal((await hub.api(alice, 'DELETE', '/api/v1/groups/backend')).status, 204);
  const gone = await hub.api(bob.token, 'GET', '/api/v1/groups/backend');
  assert.equal(gone.status, 404);
  assert.equal(gone.body.code, 'group_not_found');
});

test('a team’s handle is taken from the members’ namespace, both ways', async (t) => {
  const { hub, alice } = await teamWorld(t);
  const asMember = await hub.api(alice, 'POST', '/api/v1/groups', { handle: 'bob', members: [] });
  assert.equal(asMember.status, 409);
  assert.equal(asMember.body.code, 'handle_taken');
  assert.equal((await hub.api(alice, 'POST', '/api/v1/groups', { handle: 'ops' })).status, 201);
  const asGroup = await hub.api(hub.adminToken, 'POST', '/api/v1/members', { handle: 'ops', kind: 'person' });
  assert.equal(asGroup.status, 409);
  assert.equal(asGroup.body.code, 'handle_taken');
  const reserved = await hub.api(alice, 'POST', '/api/v1/groups', { handle: 'all' });
  assert.equal(reserved.body.code, 'invalid_request');
});

test('@team in a message addresses the team’s members who are in the room, and wakes its agents only', async (t) => {
  const { hub, alice, coder, stranger } = await teamWorld(t);
  await hub.api(alice, 'POST', '/api/v1/groups', { handle: 'backend', members: ['bob', 'coder', 'dave'] });
  const room = (
    await hub.api(alice, 'POST', '/api/v1/rooms', {
      name: 'release',
      kind: 'private',
      members: ['bob', 'coder', 'stranger'],
    })
  ).body.room;
  const agent = await RawClient.ready(t, hub.url, coder.token);
  const bystander = await RawClient.ready(t, hub.url, stranger.token);
  const sent = await hub.api(alice, 'POST', `/api/v1/rooms/${room.id}/messages`, {
    content: '@backend the release is blocked',
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  assert.deepEqual(sent.body.message.mentions, ['bob', 'coder'], 'dave is in the team but not in the room');
  const woken = await agent.waitFor((frame) => frame.type === 'event' && frame.kind === 'message.created');
  assert.equal(woken.data.id, sent.body.message.id);
  // A message after it that wakes the bystander proves it was not woken by the first.
  const next = await hub.api(alice, 'POST', `/api/v1/rooms/${room.id}/messages`, { content: '@stranger and you' });
  const reached = await bystander.waitFor((frame) => frame.type === 'event' && frame.kind === 'message.created');
  assert.equal(reached.data.id, next.body.message.id, 'the agent outside the team was not woken by @backend');

  const receipts = await hub.api(alice, 'GET', `/api/v1/messages/${sent.body.message.id}/receipts`);
  assert.deepEqual(
    receipts.body.receipts.map((receipt: { member: string }) => receipt.member).sort(),
    ['bob', 'coder'],
    'the message keeps a receipt for each member it reached through the team',
  );
});

test('a task with a team goes only to the team’s members, and ?team= lists the team’s tasks', async (t) => {
  const { hub, alice, coder, stranger } = await teamWorld(t);
  await hub.api(alice, 'POST', '/api/v1/groups', { handle: 'backend', members: ['coder'] });
  const missing = await hub.api(alice, 'POST', '/api/v1/tasks', { title: 'x', team: 'nobody' });
  assert.equal(missing.status, 404);
  assert.equal(missing.body.code, 'group_not_found');
  const task = (
    await hub.api(alice, 'POST', '/api/v1/tasks', {
      title: 'Fix the build',
      room: 'general',
      capabilities: ['code'],
      team: 'backend',
    })
  ).body.task;
  assert.equal(task.team, 'backend');
  await hub.api(alice, 'POST', '/api/v1/tasks', { title: 'Anyone', room: 'general' });

  const outsider = await RawClient.ready(t, hub.url, stranger.token);
  const passed = await outsider.request('task.claim', {});
  assert.equal(passed.claim?.task.title, 'Anyone', 'outside the team, it passes over the team’s task, older and first');
  assert.deepEqual(await outsider.request('task.claim', {}), { claim: null });
  const member = await RawClient.ready(t, hub.url, coder.token);
  const { claim } = await member.request('task.claim', {});
  assert.equal(claim?.task.id, task.id);

  const listed = await hub.api(alice, 'GET', '/api/v1/tasks?team=backend');
  assert.deepEqual(
    listed.body.tasks.map((item: { id: string }) => item.id),
    [task.id],
  );
  assert.deepEqual((await hub.api(alice, 'GET', '/api/v1/tasks?team=frontend')).body.tasks, []);
});

test('the SDK and MCP read teams', async (t) => {
  const { hub, alice, coder } = await teamWorld(t);
  await hub.api(alice, 'POST', '/api/v1/groups', { handle: 'backend', members: ['coder'] });
  const sdk = new RestClient({ url: hub.url, token: alice });
  assert.deepEqual(
    (await sdk.groups()).map((group) => group.handle),
    ['backend'],
  );
  assert.deepEqual((await sdk.group('backend')).members, ['coder']);
  await assert.rejects(sdk.group('frontend'), (error: { code?: string }) => error.code === 'group_not_found');

  const mcp = await mcpClient(t, hub.url, coder.token);
  const all = toolJson(await mcp.callTool({ name: 'list_groups', arguments: {} }));
  assert.deepEqual(
    all.groups.map((group: { handle: string; members: string[] }) => [group.handle, group.members]),
    [['backend', ['coder']]],
  );
  const one = toolJson(await mcp.callTool({ name: 'list_groups', arguments: { group: 'backend' } }));
  assert.equal(one.groups[0].owner, 'alice');
});

test('a sign-in token expires when unused for SESSION_IDLE_TTL_MS; use renews it, written at most once a minute', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock });
  const token = await signedIn(hub, 'alice');
  const lastUsed = async () =>
    (await hub.api(token, 'GET', '/api/v1/tokens')).body.tokens.find(
      (item: { kind: string }) => item.kind === 'session',
    ).last_used_at as string;
  const first = await lastUsed();
  assert.equal(await lastUsed(), first, 'uses within a minute are not written');
  clock.advance(20 * DAY);
  assert.equal((await hub.api(token, 'GET', '/api/v1/me')).status, 200);
  const renewed = await lastUsed();
  assert.ok(renewed > first, 'a use after a minute renews the session');
  clock.advance(20 * DAY);
  assert.equal((await hub.api(token, 'GET', '/api/v1/me')).status, 200, '40 days old, but used 20 days ago');
  clock.advance(31 * DAY);
  const expired = await hub.api(token, 'GET', '/api/v1/me');
  assert.equal(expired.status, 401);
  assert.equal(expired.body.code, 'auth_failed');
  const socket = await RawClient.connect(t, hub.url, { token });
  assert.equal(await socket.waitForClose(), 4401);
});

test('a sign-in token ends at SESSION_MAX_TTL_MS however much it is used, and a live connection is closed then', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock, env: { SESSION_MAX_TTL_MS: String(10 * DAY) } });
  const token = await signedIn(hub, 'alice');
  const socket = await RawClient.ready(t, hub.url, token);
  for (let day = 0; day < 9; day += 3) {
    clock.advance(3 * DAY);
    await hub.hub.accounts.lifetimes.sweep();
    assert.equal((await hub.api(token, 'GET', '/api/v1/me')).status, 200);
  }
  assert.equal(socket.closeCode, undefined, 'the live connection kept its session renewed');
  clock.advance(2 * DAY);
  await hub.hub.accounts.lifetimes.sweep();
  assert.equal(await socket.waitForClose(), 4401);
  assert.equal((await hub.api(token, 'GET', '/api/v1/me')).body.code, 'auth_failed');
});

test('agent and API tokens never expire unless made with expires_at', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock });
  const agent = await hub.member('coder', 'agent');
  const dated = await hub.api(agent.token, 'POST', '/api/v1/tokens', {
    name: 'ci',
    expires_at: new Date(clock.now() + 7 * DAY).toISOString(),
  });
  assert.equal(dated.status, 201, JSON.stringify(dated.body));
  assert.equal(dated.body.record.last_used_at, null);
  const past = await hub.api(agent.token, 'POST', '/api/v1/tokens', {
    name: 'late',
    expires_at: '2020-01-01T00:00:00Z',
  });
  assert.equal(past.body.code, 'invalid_request');
  clock.advance(6 * DAY);
  assert.equal((await hub.api(dated.body.token, 'GET', '/api/v1/me')).status, 200);
  clock.advance(2 * DAY);
  assert.equal((await hub.api(dated.body.token, 'GET', '/api/v1/me')).body.code, 'auth_failed');
  clock.advance(400 * DAY);
  assert.equal((await hub.api(agent.token, 'GET', '/api/v1/me')).status, 200, 'its first token has no expiry');
});

test('past MAX_CONNECTIONS_PER_MEMBER the member’s oldest connection is told and closed with 4429', async (t) => {
  const hub = await startHub(t, { env: { MAX_CONNECTIONS_PER_MEMBER: '2' } });
  const alice = await hub.member('alice');
  const bob = await hub.member('bob');
  const oldest = await RawClient.ready(t, hub.url, alice.token);
  const middle = await RawClient.ready(t, hub.url, alice.token);
  const others = await RawClient.ready(t, hub.url, bob.token);
  const newest = await RawClient.ready(t, hub.url, alice.token);
  assert.equal(await oldest.waitForClose(), 4429);
  const told = oldest.frames.find((frame) => frame.type === 'error');
  assert.equal(told?.code, 'too_many_connections');
  const sent = await newest.request('send', { room: 'general', content: 'still here' });
  await middle.waitFor((frame) => frame.type === 'event' && frame.data?.id === sent.message.id);
  await others.waitFor((frame) => frame.type === 'event' && frame.data?.id === sent.message.id);
  assert.equal(middle.closeCode, undefined);
  assert.equal(others.closeCode, undefined, 'another member’s connections do not count');

  // A Wegent socket is told in its own words: an `error` event, then the same close.
  const channel = await WegentClient.open(t, hub.url, bob.token, '/api/v1/users/me/events');
  await RawClient.ready(t, hub.url, bob.token);
  await RawClient.ready(t, hub.url, bob.token);
  assert.equal(await channel.raw.waitForClose(), 4429);
  assert.deepEqual(
    channel.events('error').map((error) => error.code),
    ['too_many_connections'],
  );
});
