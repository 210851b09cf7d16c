/** Setup and invite links: one-time codes that set a password and sign in, once, before they expire, stored hashed. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { SkewClock, startHub, storeRows, type TestHub } from '@roundtable/testkit';

const HOUR = 60 * 60_000;

function redeem(hub: TestHub, code: string, purpose: 'setup' | 'invite', password = 'a long password') {
  return hub.api('', 'POST', '/api/v1/auth/code', { code, purpose, password });
}

test('the first start makes a setup code that sets the admin’s password and signs in, once', async (t) => {
  const hub = await startHub(t);
  const code = hub.setupCode!;
  assert.match(code, /^[A-Za-z0-9_-]{43}$/);
  const checked = await hub.api('', 'POST', '/api/v1/auth/code/check', { code, purpose: 'setup' });
  assert.equal(checked.body.member.handle, 'admin', 'a check names the member and spends nothing');
  assert.equal((await hub.api('', 'POST', '/api/v1/auth/code/check', { code, purpose: 'invite' })).status, 410);

  const used = await redeem(hub, code, 'setup', 'the admin password');
  assert.equal(used.status, 200);
  assert.equal(used.body.member.handle, 'admin');
  const me = await hub.api(used.body.token, 'GET', '/api/v1/me');
  assert.equal(me.body.member.handle, 'admin', 'the token it returns is a session of @admin');
  const login = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'admin', password: 'the admin password' });
  assert.equal(login.status, 200, 'the password it set signs in');

  const again = await redeem(hub, code, 'setup', 'another password');
  assert.equal(again.status, 410);
  assert.equal(again.body.code, 'link_expired');
  assert.match(again.body.message, /npx roundtable setup-link/);
  const spent = await hub.api('', 'POST', '/api/v1/auth/code/check', { code, purpose: 'setup' });
  assert.equal(spent.body.code, 'link_expired');
  const stillOld = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'admin', password: 'the admin password' });
  assert.equal(stillOld.status, 200, 'a spent code changes nothing');
});

test('a code is stored only as its hash, with its purpose and an expiry an hour after it was made', async (t) => {
  const hub = await startHub(t);
  const rows = (await storeRows(hub, 'one_time_codes')) as Array<Record<string, unknown>>;
  assert.equal(rows.length, 1);
  const [row] = rows;
  assert.equal(row!.hash, createHash('sha256').update(hub.setupCode!).digest('hex'));
  assert.ok(!JSON.stringify(rows).includes(hub.setupCode!), 'the code itself is nowhere in the table');
  assert.equal(row!.purpose, 'setup');
  assert.equal(row!.used_at, null);
  assert.equal(Date.parse(String(row!.expires_at)) - Date.parse(String(row!.created_at)), HOUR);
});

test('a setup code expires after an hour, and a newer one replaces the older', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock });
  clock.advance(HOUR + 1000);
  const late = await redeem(hub, hub.setupCode!, 'setup');
  assert.equal(late.body.code, 'link_expired');

  const older = await hub.hub.codes.setupCode();
  const newer = await hub.hub.codes.setupCode();
  assert.equal((await redeem(hub, older.code, 'setup')).body.code, 'link_expired', 'a newer link replaces it');
  assert.equal((await redeem(hub, newer.code, 'invite')).body.code, 'link_expired', 'a setup code is no invite');
  assert.equal((await redeem(hub, newer.code, 'setup')).status, 200);
  assert.equal((await redeem(hub, 'not-a-code', 'setup')).body.code, 'link_expired');
});

test('an admin invites a person, who sets a password through the link and is in #general', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock });
  const invited = await hub.api(hub.adminToken, 'POST', '/api/v1/invites', { handle: 'bea', display_name: 'Bea' });
  assert.equal(invited.status, 201);
  assert.equal(invited.body.member.handle, 'bea');
  const [row] = (await storeRows(hub, 'one_time_codes')).filter((stored: any) => stored.purpose === 'invite') as any[];
  assert.equal(Date.parse(row.expires_at) - Date.parse(row.created_at), 7 * 24 * HOUR);
  assert.equal(row.expires_at, invited.body.expires_at);

  const joined = await redeem(hub, invited.body.code, 'invite', 'bea’s password');
  assert.equal(joined.status, 200);
  assert.equal(joined.body.member.display_name, 'Bea');
  const rooms = await hub.api(joined.body.token, 'GET', '/api/v1/rooms');
  assert.deepEqual(
    rooms.body.rooms.map((room: { name: string }) => room.name),
    ['general'],
  );
  assert.equal((await redeem(hub, invited.body.code, 'invite')).body.code, 'link_expired');
  const login = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'bea', password: 'bea’s password' });
  assert.equal(login.status, 200);

  const late = await hub.api(hub.adminToken, 'POST', '/api/v1/invites', { handle: 'cy' });
  clock.advance(7 * 24 * HOUR + 1000);
  assert.equal((await redeem(hub, late.body.code, 'invite')).body.code, 'link_expired', 'an invite lasts 7 days');

  const bea = joined.body.token as string;
  const refused = await hub.api(bea, 'POST', '/api/v1/invites', { handle: 'dan' });
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'admin_only');
  const taken = await hub.api(hub.adminToken, 'POST', '/api/v1/invites', { handle: 'bea' });
  assert.equal(taken.body.code, 'handle_taken');
});

test('a disabled member’s invite link does not sign them in', async (t) => {
  const hub = await startHub(t);
  const invited = await hub.api(hub.adminToken, 'POST', '/api/v1/invites', { handle: 'eve' });
  await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/eve', { disabled: true });
  const refused = await redeem(hub, invited.body.code, 'invite');
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'member_disabled');
});
