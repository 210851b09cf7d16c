/** What members change about themselves (password, notification default) and what admins do to a member’s tokens. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHub } from '@roundtable/testkit';

test('a password change needs the current one, signs out the other sessions, and keeps this one and API tokens', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada', 'person', { password: 'first password' });
  const signIn = async (password: string) => hub.api('', 'POST', '/api/v1/auth/login', { handle: 'ada', password });
  const here = (await signIn('first password')).body.token as string;
  const elsewhere = (await signIn('first password')).body.token as string;

  const wrong = await hub.api(here, 'POST', '/api/v1/me/password', {
    current_password: 'not it',
    new_password: 'second password',
  });
  assert.equal(wrong.status, 401);
  assert.equal(wrong.body.code, 'bad_credentials');
  const short = await hub.api(here, 'POST', '/api/v1/me/password', {
    current_password: 'first password',
    new_password: 'short',
  });
  assert.equal(short.body.code, 'invalid_request');

  const changed = await hub.api(here, 'POST', '/api/v1/me/password', {
    current_password: 'first password',
    new_password: 'second password',
  });
  assert.deepEqual([changed.status, changed.body], [200, { revoked_sessions: 1 }]);
  assert.equal((await hub.api(elsewhere, 'GET', '/api/v1/me')).status, 401, 'the other session is signed out');
  assert.equal((await hub.api(here, 'GET', '/api/v1/me')).status, 200, 'this session stays');
  assert.equal((await hub.api(ada.token, 'GET', '/api/v1/me')).status, 200, 'API tokens stay');
  assert.equal((await signIn('first password')).status, 401);
  assert.equal((await signIn('second password')).status, 200);
});

test('a member without a password sets one without giving a current one', async (t) => {
  const hub = await startHub(t);
  const cy = await hub.member('cy');
  const set = await hub.api(cy.token, 'POST', '/api/v1/me/password', { new_password: 'cy’s password' });
  assert.equal(set.status, 200);
  const login = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'cy', password: 'cy’s password' });
  assert.equal(login.status, 200);
});

test('new members get channels at "mentions" and direct rooms at "all"; a changed default applies to later joins', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const notifyIn = async (name: string | null) =>
    (await hub.api(ada.token, 'GET', '/api/v1/rooms')).body.rooms.find((room: { name: string | null; kind: string }) =>
      name === null ? room.kind === 'direct' : room.name === name,
    )?.notify;

  assert.equal((await hub.api(ada.token, 'GET', '/api/v1/me')).body.notify_default, 'mentions');
  assert.equal(await notifyIn('general'), 'mentions');
  await hub.api(hub.adminToken, 'POST', '/api/v1/rooms/direct', { members: ['ada'] });
  assert.equal(await notifyIn(null), 'all');

  const patched = await hub.api(ada.token, 'PATCH', '/api/v1/me', { notify_default: 'all' });
  assert.equal(patched.body.notify_default, 'all');
  await hub.api(hub.adminToken, 'POST', '/api/v1/rooms', { name: 'later', kind: 'public' });
  await hub.api(ada.token, 'POST', '/api/v1/rooms/later/join');
  assert.equal(await notifyIn('later'), 'all');
  assert.equal(await notifyIn('general'), 'mentions', 'rooms joined before keep their level');

  const refused = await hub.api(ada.token, 'PATCH', '/api/v1/me', { notify_default: 'loud' });
  assert.equal(refused.body.code, 'invalid_request');
});

test('an admin revokes every token of a member; others may not', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada', 'person', { password: 'ada’s password' });
  const session = (await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'ada', password: 'ada’s password' })).body
    .token as string;
  const bob = await hub.member('bob');

  const refused = await hub.api(bob.token, 'DELETE', '/api/v1/members/ada/tokens');
  assert.equal(refused.body.code, 'admin_only');
  const revoked = await hub.api(hub.adminToken, 'DELETE', '/api/v1/members/ada/tokens');
  assert.deepEqual([revoked.status, revoked.body], [200, { revoked: 2 }]);
  assert.equal((await hub.api(ada.token, 'GET', '/api/v1/me')).status, 401);
  assert.equal((await hub.api(session, 'GET', '/api/v1/me')).status, 401);
  assert.equal((await hub.api(bob.token, 'GET', '/api/v1/me')).status, 200);
});
