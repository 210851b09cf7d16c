import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CloseCode } from '@roundtable/protocol';
import { Accounts } from '../../src/core/accounts.js';
import { FanOut } from '../../src/core/fanout.js';
import { Presence } from '../../src/core/presence.js';
import { Rooms } from '../../src/core/rooms.js';
import { RENEW_EVERY_MS } from '../../src/core/token-lifetimes.js';
import { addMember, coreContext, noReceipts, RecordingConnection, refusal, type KitOptions } from './kit.js';

const DAY = 86_400_000;

async function lifetimesKit(t: TestContext, options: KitOptions = {}) {
  const kit = await coreContext(t, options);
  const presence = new Presence(kit.ctx);
  const rooms = new Rooms(kit.ctx, (memberId) => presence.presenceOf(memberId), noReceipts);
  const accounts = new Accounts(kit.ctx, rooms, presence);
  const fanout = new FanOut(kit.ctx, presence, {
    sessionEnded: () => {},
    cancelStream: async () => {},
    messageUpdated: () => {},
    delivered: () => {},
    attached: () => {},
  });
  t.after(() => fanout.stop(CloseCode.GoingAway, 'test over'));
  return { ...kit, accounts, fanout, ada: await addMember(kit.ctx, 'ada') };
}

test('a sign-in session idles out, and each use past a minute renews it with one write', async (t) => {
  const { ctx, clock, accounts, ada } = await lifetimesKit(t, { sessionIdleTtlMs: 10 * DAY });
  const { token } = await accounts.signIn(ada);
  const stored = async () => (await ctx.store.listTokens(ada.id))[0]!;
  const made = await stored();
  assert.equal(made.expires_at, new Date(clock.now() + 90 * DAY).toISOString(), 'the default absolute lifetime');
  clock.advance(RENEW_EVERY_MS - 1);
  await accounts.authenticate(token);
  assert.equal((await stored()).last_used_at, made.last_used_at, 'within a minute: not written');
  clock.advance(1);
  await accounts.authenticate(token);
  assert.equal((await stored()).last_used_at, ctx.now());
  clock.advance(10 * DAY - 1);
  assert.equal((await accounts.authenticate(token)).member.id, ada.id);
  clock.advance(10 * DAY);
  assert.equal((await refusal(accounts.authenticate(token))).code, 'auth_failed');
});

test('a session ends at its absolute lifetime; tokens without one never do, unless made with expires_at', async (t) => {
  const { clock, accounts, ada } = await lifetimesKit(t, { sessionMaxTtlMs: 3 * DAY, sessionIdleTtlMs: 2 * DAY });
  const { token: session } = await accounts.signIn(ada);
  const { token: forever } = await accounts.createToken(ada, { name: 'cli' });
  const inAWeek = new Date(clock.now() + 7 * DAY).toISOString();
  const { token: dated, record } = await accounts.createToken(ada, { name: 'ci', expires_at: inAWeek });
  assert.deepEqual([record.expires_at, record.last_used_at], [inAWeek, null]);
  const past = await refusal(
    accounts.createToken(ada, { name: 'late', expires_at: new Date(clock.now()).toISOString() }),
  );
  assert.equal(past.code, 'invalid_request');
  for (let day = 0; day < 2; day++) {
    clock.advance(DAY);
    await accounts.authenticate(session);
  }
  clock.advance(DAY);
  assert.equal((await refusal(accounts.authenticate(session))).code, 'auth_failed', 'used daily, but 3 days old');
  clock.advance(4 * DAY - 1);
  await accounts.authenticate(dated);
  clock.advance(1);
  assert.equal((await refusal(accounts.authenticate(dated))).code, 'auth_failed');
  clock.advance(1000 * DAY);
  assert.equal((await accounts.authenticate(forever)).life?.expiresAt, null);
});

test('the sweep renews the sessions of live connections and closes those whose token ended', async (t) => {
  const { ctx, clock, accounts, fanout, ada } = await lifetimesKit(t, { sessionMaxTtlMs: 5 * DAY });
  const bob = await addMember(ctx, 'bob');
  const { token: adaToken } = await accounts.signIn(ada);
  const { token: bobToken } = await accounts.createToken(bob, { name: 'agent' });
  const adaLine = new RecordingConnection();
  const bobLine = new RecordingConnection();
  await fanout.attach(adaLine, await accounts.authenticate(adaToken));
  await fanout.attach(bobLine, await accounts.authenticate(bobToken));
  clock.advance(4 * DAY);
  await accounts.lifetimes.sweep();
  assert.equal((await ctx.store.listTokens(ada.id))[0]!.last_used_at, ctx.now(), 'the live connection is use');
  assert.equal((await ctx.store.listTokens(bob.id))[0]!.last_used_at, null, 'a token that never idles is left alone');
  clock.advance(DAY);
  await accounts.lifetimes.sweep();
  assert.deepEqual(adaLine.closed, { code: CloseCode.Unauthorized, reason: 'token expired' });
  assert.equal(bobLine.closed, undefined);
});

test('past the connection cap a member’s oldest connections are told and closed; a cap of 0 is none', async (t) => {
  const { fanout, ada } = await lifetimesKit(t, { maxConnectionsPerMember: 2 });
  const lines = [new RecordingConnection(), new RecordingConnection(), new RecordingConnection()];
  for (const line of lines) await fanout.attach(line, { member: ada, tokenId: null });
  assert.equal(lines[0]!.closed?.code, CloseCode.ConnectionLimit);
  assert.equal(JSON.parse(lines[0]!.frames.at(-1)!).code, 'too_many_connections');
  assert.deepEqual(
    lines.slice(1).map((line) => line.closed),
    [undefined, undefined],
  );

  const open = await lifetimesKit(t, { maxConnectionsPerMember: 0 });
  const many = Array.from({ length: 30 }, () => new RecordingConnection());
  for (const line of many) await open.fanout.attach(line, { member: open.ada, tokenId: null });
  assert.ok(
    many.every((line) => line.closed === undefined),
    'no cap',
  );
});
