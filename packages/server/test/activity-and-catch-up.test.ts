/**
 * Activity status and catching up through the transports: a lapsing status after an agent's
 * connection dies, the snapshot a late joiner asks for, statuses across two instances, and
 * `since_last_spoke` over REST, MCP and the SDK.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundtableClient } from '@roundtable/client';
import {
  mcpClient,
  POSTGRES_URL,
  RawClient,
  REDIS_URL,
  serviceSkip,
  startCluster,
  startHub,
  toolJson,
} from '@roundtable/testkit';

const skipCluster = (await serviceSkip('PostgreSQL', POSTGRES_URL)) ?? (await serviceSkip('Redis', REDIS_URL));

test('a killed agent’s status lapses by itself, and a person who connects meanwhile is given it', async (t) => {
  const hub = await startHub(t, { env: { ACTIVITY_TTL_MS: '1500' } });
  const [ada, bob, codex] = await Promise.all([hub.member('ada'), hub.member('bob'), hub.member('codex', 'agent')]);
  const watcher = await RawClient.ready(t, hub.url, ada.token);
  const agent = await RawClient.ready(t, hub.url, codex.token);
  const set = await agent.request('activity', { room: 'general', state: 'tool', tool: 'search_files' });
  assert.equal(set.activity.ttl_ms, 1500);
  const shown = await watcher.waitFor((f) => f.type === 'activity' && f.member === 'codex');
  assert.deepEqual([shown.state, shown.tool, shown.thread_id], ['tool', 'search_files', null]);

  const late = await RawClient.ready(t, hub.url, bob.token);
  const snapshot = await late.request('activity.list', {});
  assert.deepEqual(
    snapshot.activity.map((a) => [a.member, a.state, a.tool]),
    [['codex', 'tool', 'search_files']],
    'a late joiner asks for what holds now',
  );
  assert.ok(snapshot.activity[0]!.ttl_ms <= 1500, 'with the time it has left');

  agent.close();
  const lapsed = await watcher.waitFor((f) => f.type === 'activity' && f.member === 'codex' && f.state === 'idle');
  assert.equal(lapsed.ttl_ms, 0);
  assert.deepEqual((await watcher.request('activity.list', { room: 'general' })).activity, []);
  assert.equal(agent.frames.filter((f) => f.type === 'activity').length, 0, 'agents are not sent statuses');
});

test('a status set through one instance is shown and listed on another', { skip: skipCluster }, async (t) => {
  const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL });
  const [a, b] = cluster.instances as [any, any];
  const [ada, codex] = await Promise.all([cluster.member('ada'), cluster.member('codex', 'agent')]);
  const watcher = await RawClient.ready(t, b.url, ada);
  const agent = await RawClient.ready(t, a.url, codex);
  await agent.request('activity', { room: 'general', state: 'thinking' });
  await watcher.waitFor((f) => f.type === 'activity' && f.member === 'codex' && f.state === 'thinking');
  const listed = await watcher.request('activity.list', { room: 'general' });
  assert.deepEqual(
    listed.activity.map((x) => [x.member, x.state]),
    [['codex', 'thinking']],
  );
  await agent.request('activity', { room: 'general', state: 'idle' });
  await watcher.waitFor((f) => f.type === 'activity' && f.member === 'codex' && f.state === 'idle');
  assert.deepEqual((await watcher.request('activity.list', {})).activity, []);
});

test('since_last_spoke gives the same window over REST, MCP and the SDK, and refuses non-members', async (t) => {
  const hub = await startHub(t);
  const [ada, bob, codex] = await Promise.all([hub.member('ada'), hub.member('bob'), hub.member('codex', 'agent')]);
  const person = await RawClient.ready(t, hub.url, ada.token);
  const { room } = await person.request('room.create', { name: 'ops', kind: 'private', members: ['codex'] });
  const agent = await RawClient.ready(t, hub.url, codex.token);
  await person.request('send', { room: 'ops', content: 'before it spoke' });
  const said = await agent.request('send', { room: 'ops', content: 'on it' });
  for (const content of ['one', 'two', 'three']) await person.request('send', { room: 'ops', content });

  const rest = await hub.api(codex.token, 'GET', `/api/v1/rooms/${room.id}/since-last-spoke?limit=2`);
  assert.equal(rest.status, 200);
  assert.deepEqual(
    rest.body.messages.map((m: { content: string }) => m.content),
    ['two', 'three'],
  );
  assert.equal(rest.body.has_more, true);
  assert.equal(rest.body.last_spoke.message, said.message.id);

  const mcp = await mcpClient(t, hub.url, codex.token);
  const viaMcp = toolJson(await mcp.callTool({ name: 'since_last_spoke', arguments: { room: 'ops' } }));
  assert.deepEqual(
    viaMcp.messages.map((m: { content: string }) => m.content),
    ['one', 'two', 'three'],
  );
  assert.equal(viaMcp.has_more, false);

  const sdk = new RoundtableClient({ url: hub.url, token: codex.token });
  t.after(() => sdk.close());
  await sdk.connect();
  const viaSdk = await sdk.sinceLastSpoke('ops');
  assert.deepEqual(
    viaSdk.messages.map((m) => m.content),
    ['one', 'two', 'three'],
  );

  const refused = await hub.api(bob.token, 'GET', `/api/v1/rooms/${room.id}/since-last-spoke`);
  assert.equal(refused.status, 404, 'a private room does not show itself to a non-member');
  const outsider = await mcpClient(t, hub.url, bob.token);
  const viaOutsider = await outsider.callTool({ name: 'since_last_spoke', arguments: { room: 'general' } });
  assert.equal(viaOutsider.isError, undefined, 'bob is in general');
  const notIn = await outsider.callTool({ name: 'since_last_spoke', arguments: { room: room.id } });
  assert.equal(notIn.isError, true);
  assert.match(JSON.stringify(notIn.content), /room_not_found/);
});
