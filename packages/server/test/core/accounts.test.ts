import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Accounts } from '../../src/core/accounts.js';
import { Presence } from '../../src/core/presence.js';
import { Rooms } from '../../src/core/rooms.js';
import { addMember, coreContext, eventsOf, type KitOptions, noReceipts, refusal } from './kit.js';

async function accountsKit(t: TestContext, options: KitOptions = {}) {
  const kit = await coreContext(t, { system: false, ...options });
  const presence = new Presence(kit.ctx);
  const rooms = new Rooms(kit.ctx, (memberId) => presence.presenceOf(memberId), noReceipts);
  return { ...kit, rooms, accounts: new Accounts(kit.ctx, rooms, presence) };
}

test('two instances starting together on one empty store: one sets the hub up, the other takes its system member', async (t) => {
  const { ctx, rooms, accounts } = await accountsKit(t);
  const other = new Accounts(ctx, rooms, new Presence(ctx));
  const started = await Promise.all([accounts.start(), other.start()]);
  assert.equal(started.filter((one) => one.adminToken !== undefined).length, 1, 'one first admin, one token');
  assert.equal(ctx.system.handle, 'system');
  const { member } = await other.authenticate(started.find((one) => one.adminToken)!.adminToken);
  assert.equal(member.handle, 'admin');
});

test('start on an empty store creates the system member, the first admin (its token shown once) and the default room', async (t) => {
  const { ctx, store, accounts, published } = await accountsKit(t);
  const { adminToken } = await accounts.start();
  assert.ok(adminToken?.startsWith('rt_'), 'the first admin token is returned');
  assert.deepEqual([ctx.system.handle, ctx.system.kind], ['system', 'system']);

  const { member: admin } = await accounts.authenticate(adminToken);
  assert.deepEqual([admin.handle, admin.role, admin.kind], ['admin', 'admin', 'person']);
  const general = await store.roomByName('general');
  assert.equal(general?.kind, 'public');
  assert.deepEqual(
    (await store.roomMembers(general!.id)).map((m) => m.member_id),
    [admin.id],
  );
  assert.deepEqual(
    eventsOf(published, { kind: 'member.joined' }).map((e) => e.data.member),
    ['admin'],
  );

  // A restart over the same store finds the system member and hands out no second admin token.
  const again = await accounts.start();
  assert.equal(again.adminToken, undefined);
  assert.equal(await store.countMembers(), 2);
});

test('a revoked token is refused with auth_failed, and every instance is told to close its sessions', async (t) => {
  const { accounts, published } = await accountsKit(t);
  await accounts.start();
  const { member, token: sessionToken } = await accounts.register({ handle: 'ada', password: 'correct horse' });
  const ada = (await accounts.authenticate(sessionToken)).member;
  assert.equal(ada.id, member.id);
  const { token, record } = await accounts.createToken(ada, { name: 'laptop' });
  assert.equal((await accounts.authenticate(token)).tokenId, record.id);

  const bob = (await accounts.authenticate((await accounts.register({ handle: 'bob', password: 'pw-of-bob' })).token))
    .member;
  assert.equal((await refusal(accounts.revokeToken(bob, record.id))).code, 'token_not_found', 'not bob’s token');

  await accounts.revokeToken(ada, record.id);
  assert.equal((await refusal(accounts.authenticate(token))).code, 'auth_failed');
  assert.equal((await refusal(accounts.authenticate(undefined))).code, 'auth_required');
  assert.ok(
    published.some((m) => m.kind === 'control' && m.action === 'token.revoked' && m.tokenId === record.id),
    'the revocation is published on the bus',
  );
  assert.equal((await accounts.authenticate(sessionToken)).member.id, ada.id, 'her other token still works');
});

test('five failed sign-ins from one address make the sixth wait a second, and a second later one more is let through', async (t) => {
  const { accounts, clock } = await accountsKit(t);
  await accounts.start();
  await accounts.register({ handle: 'ada', password: 'the-real-one' });
  for (let i = 0; i < 5; i++) {
    assert.equal((await refusal(accounts.login('ada', `guess-${i}`, '10.0.0.1'))).code, 'bad_credentials');
  }
  const slowed = await refusal(accounts.login('ada', 'the-real-one', '10.0.0.1'));
  assert.deepEqual([slowed.code, slowed.retryAfterMs], ['rate_limited', 1_000], 'even the right password waits');
  // Another address has its own allowance for this account.
  assert.equal((await refusal(accounts.login('ada', 'guess', '10.0.0.2'))).code, 'bad_credentials');

  clock.advance(1_000);
  assert.equal((await refusal(accounts.login('ada', 'guess-6', '10.0.0.1'))).code, 'bad_credentials');
  assert.equal((await refusal(accounts.login('ada', 'guess-7', '10.0.0.1'))).code, 'rate_limited');
  clock.advance(1_000);
  const signedIn = await accounts.login('ADA', 'the-real-one', '10.0.0.1');
  assert.equal(signedIn.member.handle, 'ada', 'handles sign in case-insensitively');
  assert.equal((await accounts.authenticate(signedIn.token)).member.handle, 'ada');
});

test('only an admin grants capabilities or roles, and the system member cannot be changed', async (t) => {
  const { ctx, accounts, published } = await accountsKit(t);
  await accounts.start();
  const admin = await ctx.memberByHandle('admin');
  const bot = await addMember(ctx, 'bot', 'agent');
  const ada = await addMember(ctx, 'ada');

  assert.equal((await refusal(accounts.updateMember(bot, 'bot', { capabilities: ['build'] }))).code, 'forbidden');
  assert.equal((await refusal(accounts.updateMember(ada, 'ada', { role: 'admin' }))).code, 'admin_only');
  assert.equal((await refusal(accounts.updateMember(ada, 'bot', { description: 'mine' }))).code, 'admin_only');
  const described = await accounts.updateMember(ada, 'ada', { description: 'writes the docs' });
  assert.equal(described.description, 'writes the docs', 'anyone describes themselves');

  const granted = await accounts.updateMember(admin, 'bot', { capabilities: ['build'] });
  assert.deepEqual(granted.capabilities, ['build']);
  assert.deepEqual((await ctx.member(bot.id)).capabilities, ['build'], 'the cached member is the new one');
  assert.ok(published.some((m) => m.kind === 'control' && m.action === 'member.updated' && m.memberId === bot.id));
  assert.equal((await refusal(accounts.updateMember(admin, 'system', { description: 'x' }))).code, 'forbidden');
});

test('a hosted agent’s token replaces the one of its previous start, and registration can be closed', async (t) => {
  const { accounts } = await accountsKit(t, { openRegistration: false });
  await accounts.start();
  const first = await accounts.hostedAgentToken({ handle: 'helper' });
  const second = await accounts.hostedAgentToken({ handle: 'helper' });
  assert.equal(second.memberId, first.memberId, 'the same agent member');
  assert.equal((await refusal(accounts.authenticate(first.token))).code, 'auth_failed');
  assert.equal((await accounts.authenticate(second.token)).member.kind, 'agent');
  assert.equal((await refusal(accounts.hostedAgentToken({ handle: 'admin' }))).code, 'handle_taken');
  assert.equal(
    (await refusal(accounts.register({ handle: 'eve', password: 'let-me-in' }))).code,
    'registration_closed',
  );
});
