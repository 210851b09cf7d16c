import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, startHub, storeRows } from './helpers.js';

test('people register and sign in with a password and get a session token', async (t) => {
  const hub = await startHub(t);
  const registered = await hub.api('', 'POST', '/api/v1/auth/register', {
    handle: 'ada',
    password: 'correct horse',
    display_name: 'Ada L.',
  });
  assert.equal(registered.status, 201);
  assert.match(registered.body.token, /^rt_/);
  assert.equal(registered.body.member.display_name, 'Ada L.');
  const wrong = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'ada', password: 'wrong horse' });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.code, 'bad_credentials');
  const unknown = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'nobody', password: 'wrong horse' });
  assert.equal(unknown.body.code, 'bad_credentials', 'an unknown handle looks the same as a wrong password');
  const login = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'ada', password: 'correct horse' });
  assert.equal(login.status, 200);
  assert.notEqual(login.body.token, registered.body.token);
  const me = await hub.api(login.body.token, 'GET', '/api/v1/me');
  assert.equal(me.body.member.handle, 'ada');
  const rooms = await hub.api(login.body.token, 'GET', '/api/v1/rooms');
  assert.deepEqual(
    rooms.body.rooms.map((r: any) => r.name),
    ['general'],
    'new members join the default room',
  );
  const logout = await hub.api(login.body.token, 'POST', '/api/v1/auth/logout');
  assert.equal(logout.status, 204);
  assert.equal((await hub.api(login.body.token, 'GET', '/api/v1/me')).body.code, 'auth_failed');
  assert.equal((await hub.api(registered.body.token, 'GET', '/api/v1/me')).status, 200, 'other sessions stay valid');
  const taken = await hub.api('', 'POST', '/api/v1/auth/register', { handle: 'ada', password: 'another one' });
  assert.equal(taken.body.code, 'handle_taken');
});

test('tokens are stored hashed, shown once, revocable, and never logged', async (t) => {
  const logLines: string[] = [];
  const hub = await startHub(t, { logLines });
  const ada = await hub.member('ada');
  const created = await hub.api(ada.token, 'POST', '/api/v1/tokens', { name: 'laptop' });
  assert.equal(created.status, 201);
  const token = created.body.token as string;
  const list = await hub.api(ada.token, 'GET', '/api/v1/tokens');
  assert.ok(list.body.tokens.some((entry: any) => entry.name === 'laptop'));
  assert.ok(!JSON.stringify(list.body).includes(token), 'listing never shows a token');

  const rows = await storeRows(hub, 'tokens');
  assert.ok(rows.length >= 3, 'the tokens table was read');
  assert.ok(!JSON.stringify(rows).includes(token), 'the database holds no token in clear');

  // A query token is the browsers' way in; it must not reach the logs either.
  const viaQuery = await RawClient.connect(t, hub.url, { query: `token=${token}` });
  await viaQuery.waitFor((f) => f.type === 'ready');
  await hub.api(token, 'GET', `/api/v1/me?token=${token}`);
  const revoked = await hub.api(ada.token, 'DELETE', `/api/v1/tokens/${created.body.record.id}`);
  assert.equal(revoked.status, 200);
  assert.equal(await viaQuery.waitForClose(), 4401, 'live connections of a revoked token are closed');
  assert.equal((await hub.api(token, 'GET', '/api/v1/me')).body.code, 'auth_failed');
  assert.ok(logLines.length > 0, 'the hub logged something');
  for (const secret of [token, ada.token, hub.adminToken]) {
    assert.ok(!logLines.join('\n').includes(secret), 'no log line contains a token');
  }
  const other = await hub.member('bob');
  const notYours = await hub.api(other.token, 'DELETE', `/api/v1/tokens/${created.body.record.id}`);
  assert.equal(notYours.body.code, 'token_not_found');
});

test('admins create agents, disable members and keep a denylist', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const asAda = await hub.api(ada.token, 'POST', '/api/v1/members', { handle: 'bot', kind: 'agent' });
  assert.equal(asAda.body.code, 'admin_only');
  const bot = await hub.member('bot', 'agent', { description: 'reviews code', capabilities: ['review'] });
  const agents = await hub.api(ada.token, 'GET', '/agents');
  assert.deepEqual(
    agents.body.agents.map((a: any) => [a.handle, a.capabilities]),
    [['bot', ['review']]],
  );

  const botSocket = await RawClient.ready(t, hub.url, bot.token);
  const disabled = await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/bot', { disabled: true });
  assert.equal(disabled.body.member.disabled, true);
  assert.equal(await botSocket.waitForClose(), 4403);
  assert.equal((await hub.api(bot.token, 'GET', '/api/v1/me')).body.code, 'member_disabled');
  await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/bot', { disabled: false });
  assert.equal((await hub.api(bot.token, 'GET', '/api/v1/me')).status, 200);

  const before = await hub.api(ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'fine words' });
  const deny = await hub.api(hub.adminToken, 'PUT', '/api/v1/denylist/ada', { reason: 'spam' });
  assert.equal(deny.status, 200);
  const rewrite = await hub.api(ada.token, 'PATCH', `/api/v1/messages/${before.body.message.id}`, { content: 'spam' });
  assert.equal(rewrite.body.code, 'denylisted', 'a denylisted member cannot rewrite old messages either');
  const blocked = await hub.api(ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'spam' });
  assert.equal(blocked.body.code, 'denylisted');
  const list = await hub.api(hub.adminToken, 'GET', '/api/v1/denylist');
  assert.deepEqual(
    list.body.denylist.map((entry: any) => entry.handle),
    ['ada'],
  );
  await hub.api(hub.adminToken, 'DELETE', '/api/v1/denylist/ada');
  const allowed = await hub.api(ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'sorry' });
  assert.equal(allowed.status, 201);
  const history = await hub.api(ada.token, 'GET', '/api/v1/rooms/general/messages');
  assert.deepEqual(
    history.body.messages.map((m: any) => m.content),
    ['fine words', 'sorry'],
    'the denied message was not stored and the old one not rewritten',
  );
});
