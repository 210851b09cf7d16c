/**
 * Who may do what: tokens missing, unknown, revoked or late, disabled members, wrong credentials,
 * other people's things, admin actions, denylists, closed registration, impersonation.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloseCode } from '@roundtable/protocol';
import { RawClient, startHub } from '@roundtable/testkit';
import { assertStillServing, call, expectErrorFrame, expectRestError, lastSeq, scene } from './helpers.js';

test('a missing or unknown token gets auth_required or auth_failed, and a WebSocket with a bad token is closed with 4401', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const before = await lastSeq(hub);

  expectRestError(await call(hub, undefined, 'GET', '/api/v1/me'), 'auth_required');
  expectRestError(await call(hub, 'rt_not_a_real_token_at_all', 'GET', '/api/v1/me'), 'auth_failed');

  const badHeader = await RawClient.connect(t, hub.url, { token: 'rt_not_a_real_token_at_all' });
  expectErrorFrame(await badHeader.waitFor((f) => f.type === 'error'), 'auth_failed');
  assert.equal(await badHeader.waitForClose(), CloseCode.Unauthorized);

  const badQuery = await RawClient.connect(t, hub.url, { query: 'token=rt_not_a_real_token_at_all' });
  expectErrorFrame(await badQuery.waitFor((f) => f.type === 'error'), 'auth_failed');
  assert.equal(await badQuery.waitForClose(), CloseCode.Unauthorized);

  const badFrame = await RawClient.connect(t, hub.url);
  badFrame.sendRaw(JSON.stringify({ type: 'auth', id: 'a1', token: 'rt_not_a_real_token_at_all' }));
  expectErrorFrame(await badFrame.waitFor((f) => f.type === 'error'), 'auth_failed');
  assert.equal(await badFrame.waitForClose(), CloseCode.Unauthorized);

  // Before the auth frame a request is refused but the connection waits for it.
  const early = await RawClient.connect(t, hub.url);
  expectErrorFrame(await early.requestError('send', { room: 'general', content: 'too early' }), 'auth_required');
  assert.equal(early.closeCode, undefined);
  const ack = await early.request('auth', { token: ada.token });
  assert.equal(typeof ack.session_id, 'string');
  await early.waitFor((f) => f.type === 'ready');

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(early, b);
  await assertStillServing(b, a);
});

test('a revoked token closes its live connection with 4401 and is refused afterwards; other tokens keep working', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const created = await call(hub, bob.token, 'POST', '/api/v1/tokens', { name: 'laptop' });
  assert.equal(created.status, 201);
  const laptop = await RawClient.ready(t, hub.url, created.body.token);

  const revoked = await call(hub, bob.token, 'DELETE', `/api/v1/tokens/${created.body.record.id}`);
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  assert.equal(await laptop.waitForClose(), CloseCode.Unauthorized);

  expectRestError(await call(hub, created.body.token, 'GET', '/api/v1/me'), 'auth_failed');
  const retry = await RawClient.connect(t, hub.url, { token: created.body.token });
  expectErrorFrame(await retry.waitFor((f) => f.type === 'error'), 'auth_failed');
  assert.equal(await retry.waitForClose(), CloseCode.Unauthorized);

  assert.equal(b.closeCode, undefined, "bob's other connection is untouched");
  await assertStillServing(a, b);
  await assertStillServing(b, a);
});

test('a disabled member is disconnected with 4403 and refused by WebSocket, REST and sign-in', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const disabled = await call(hub, hub.adminToken, 'PATCH', '/api/v1/members/bob', { disabled: true });
  assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
  assert.equal(await b.waitForClose(), CloseCode.Forbidden);

  const retry = await RawClient.connect(t, hub.url, { token: bob.token });
  expectErrorFrame(await retry.waitFor((f) => f.type === 'error'), 'member_disabled');
  assert.equal(await retry.waitForClose(), CloseCode.Forbidden);
  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/me'), 'member_disabled');
  expectRestError(
    await call(hub, undefined, 'POST', '/api/v1/auth/login', { handle: 'bob', password: 'bob-password-1' }),
    'member_disabled',
  );

  const carol = await RawClient.ready(t, hub.url, (await hub.member('carol')).token);
  await assertStillServing(a, carol);
});

test('a connection that does not authenticate within AUTH_TIMEOUT_MS gets auth_timeout and 4408', async (t) => {
  const { hub, a, b } = await scene(t, { AUTH_TIMEOUT_MS: '300' });
  const silent = await RawClient.connect(t, hub.url);
  expectErrorFrame(await silent.waitFor((f) => f.type === 'error', 3_000), 'auth_timeout');
  assert.equal(await silent.waitForClose(), CloseCode.AuthTimeout);
  assert.equal(a.closeCode, undefined, 'a connection that authenticated with a header is not timed out');
  await assertStillServing(a, b);
});

test('a wrong handle or a wrong password gets bad_credentials without saying which', async (t) => {
  const { hub } = await scene(t);
  const wrongPassword = await call(hub, undefined, 'POST', '/api/v1/auth/login', {
    handle: 'ada',
    password: 'not-her-password',
  });
  const wrongHandle = await call(hub, undefined, 'POST', '/api/v1/auth/login', {
    handle: 'nobody',
    password: 'ada-password-1',
  });
  expectRestError(wrongPassword, 'bad_credentials');
  expectRestError(wrongHandle, 'bad_credentials');
  assert.deepEqual(wrongPassword.body, wrongHandle.body);
  const right = await call(hub, undefined, 'POST', '/api/v1/auth/login', { handle: 'ada', password: 'ada-password-1' });
  assert.equal(right.status, 200);
});

test('a second auth frame gets already_authenticated and the connection keeps its identity', async (t) => {
  const { bob, a, b } = await scene(t);
  expectErrorFrame(await a.requestError('auth', { token: bob.token }), 'already_authenticated');
  const { message } = await a.request('send', { room: 'general', content: 'still ada' });
  assert.equal(message.sender, 'ada');
  await b.waitFor((f) => f.type === 'event' && f.data.id === message.id);
});

test('changing what is not yours is forbidden, and admin actions are admin_only', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const { message } = await a.request('send', { room: 'general', content: 'my words' });
  const before = await lastSeq(hub);

  expectErrorFrame(await b.requestError('edit', { message: message.id, content: 'your words' }), 'forbidden');
  expectErrorFrame(await b.requestError('delete', { message: message.id }), 'forbidden');
  expectRestError(
    await call(hub, bob.token, 'PATCH', `/api/v1/messages/${message.id}`, { content: 'your words' }),
    'forbidden',
  );
  const direct = (await b.request('room.direct', { members: ['ada'] })).room;
  expectErrorFrame(await b.requestError('room.leave', { room: direct.id }), 'forbidden');

  expectRestError(
    await call(hub, bob.token, 'POST', '/api/v1/members', { handle: 'mallory', kind: 'agent' }),
    'admin_only',
  );
  expectRestError(await call(hub, bob.token, 'PUT', '/api/v1/denylist/ada', {}), 'admin_only');
  expectRestError(await call(hub, bob.token, 'PATCH', '/api/v1/members/ada', { disabled: true }), 'admin_only');
  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/tokens?all=true'), 'admin_only');

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  const stored = await call(hub, bob.token, 'GET', `/api/v1/messages/${message.id}`);
  assert.equal(stored.body.message.content, 'my words');
  await assertStillServing(b, a);
});

test('a denylisted member may not post or react, and others may', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const { message } = await a.request('send', { room: 'general', content: 'react to me' });
  const listed = await call(hub, hub.adminToken, 'PUT', '/api/v1/denylist/bob', { reason: 'spam' });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const before = await lastSeq(hub);

  expectErrorFrame(await b.requestError('send', { room: 'general', content: 'spam' }), 'denylisted');
  expectErrorFrame(await b.requestError('react', { message: message.id, emoji: 'thumbsup' }), 'denylisted');
  expectRestError(
    await call(hub, bob.token, 'POST', '/api/v1/rooms/general/messages', { content: 'spam' }),
    'denylisted',
  );
  expectRestError(
    await call(hub, bob.token, 'POST', '/send-message', { sender: 'bob', message: 'spam' }),
    'denylisted',
  );

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('registration gets registration_closed when OPEN_REGISTRATION=false, and creates nobody', async (t) => {
  const hub = await startHub(t, { env: { OPEN_REGISTRATION: 'false' } });
  expectRestError(
    await call(hub, undefined, 'POST', '/api/v1/auth/register', { handle: 'zoe', password: 'zoe-password-1' }),
    'registration_closed',
  );
  expectRestError(await call(hub, hub.adminToken, 'GET', '/api/v1/members/zoe'), 'member_not_found');
});

test('a setup or invite code used twice gets link_expired, and the second use changes no password', async (t) => {
  const hub = await startHub(t);
  const body = { code: hub.setupCode, purpose: 'setup', password: 'first-password' };
  assert.equal((await call(hub, undefined, 'POST', '/api/v1/auth/code', body)).status, 200);
  expectRestError(
    await call(hub, undefined, 'POST', '/api/v1/auth/code', { ...body, password: 'second-password' }),
    'link_expired',
  );
  const login = await call(hub, undefined, 'POST', '/api/v1/auth/login', {
    handle: 'admin',
    password: 'first-password',
  });
  assert.equal(login.status, 200);
});

test('a sender that is not the token owner gets sender_mismatch on /send-message, and /ws/{agent} closes with 4403', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const before = await lastSeq(hub);
  expectRestError(
    await call(hub, bob.token, 'POST', '/send-message', { sender: 'ada', message: 'I am ada' }),
    'sender_mismatch',
  );

  const impostor = await RawClient.connect(t, hub.url, { token: bob.token, path: '/ws/ada' });
  expectErrorFrame(await impostor.waitFor((f) => f.type === 'error'), 'sender_mismatch');
  assert.equal(await impostor.waitForClose(), CloseCode.Forbidden);

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
});
