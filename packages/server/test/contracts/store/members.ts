/** The Store contract for members, their tokens, and the denylist. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MemberRecord } from '../../../src/core/ports.js';
import { type Open, hubError, sorted } from './world.js';

export function membersContract(open: Open): void {
  describe('members', () => {
    test('creates a member and finds it by id, by handle and among several handles', async (t) => {
      const world = await open(t);
      const input = world.newMember('ada', 'person', {
        description: 'maths',
        capabilities: ['review'],
        password_hash: 'scrypt$x',
      });
      const ada = await world.store.createMember(input);
      assert.deepEqual(ada, { ...input, notify_default: 'mentions', disabled: false });
      const bob = await world.member('bob', 'agent', { owner_id: ada.id });

      assert.deepEqual(await world.store.memberById(ada.id), ada);
      assert.deepEqual(await world.store.memberByHandle('bob'), bob);
      const found = await world.store.membersByHandles(['bob', 'ada', 'nobody']);
      assert.deepEqual(
        found.sort((a, b) => a.handle.localeCompare(b.handle)),
        [ada, bob],
      );
      assert.deepEqual(await world.store.membersByHandles([]), []);
      assert.equal(await world.store.memberById('m_nobody'), undefined);
      assert.equal(await world.store.memberByHandle('nobody'), undefined);
    });

    test('refuses a second member with a taken handle with handle_taken, and keeps the first', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      await assert.rejects(
        world.store.createMember(world.newMember('ada', 'agent', { id: 'm_other' })),
        hubError('handle_taken'),
      );
      assert.deepEqual(await world.store.memberByHandle('ada'), ada);
      assert.equal(await world.store.memberById('m_other'), undefined);
      assert.equal(await world.store.countMembers(), 1);
    });

    test('updates a member with a patch and leaves the other fields as they were', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada', 'person', { description: 'maths' });
      const patched = await world.store.updateMember(ada.id, {
        display_name: 'Ada L.',
        role: 'admin',
        disabled: true,
        password_hash: 'scrypt$new',
        capabilities: ['python', 'review'],
        notify_default: 'muted',
      });
      const expected: MemberRecord = {
        ...ada,
        display_name: 'Ada L.',
        role: 'admin',
        disabled: true,
        password_hash: 'scrypt$new',
        capabilities: ['python', 'review'],
        notify_default: 'muted',
      };
      assert.deepEqual(patched, expected);
      assert.deepEqual(await world.store.memberById(ada.id), expected);

      const enabled = await world.store.updateMember(ada.id, { disabled: false, description: 'poetry' });
      assert.deepEqual(enabled, { ...expected, disabled: false, description: 'poetry' });
      assert.deepEqual(await world.store.updateMember(ada.id, {}), {
        ...expected,
        disabled: false,
        description: 'poetry',
      });
      assert.equal(await world.store.updateMember('m_nobody', { display_name: 'x' }), undefined);
    });

    test('lists members by kind and counts them', async (t) => {
      const world = await open(t);
      assert.equal(await world.store.countMembers(), 0);
      await world.member('ada');
      await world.member('bob');
      await world.member('alpha', 'agent');
      await world.member('system', 'system');
      assert.deepEqual(sorted((await world.store.listMembers({})).map((m) => m.handle)), [
        'ada',
        'alpha',
        'bob',
        'system',
      ]);
      assert.deepEqual(sorted((await world.store.listMembers({ kind: 'person' })).map((m) => m.handle)), [
        'ada',
        'bob',
      ]);
      assert.deepEqual(
        (await world.store.listMembers({ kind: 'agent' })).map((m) => m.handle),
        ['alpha'],
      );
      assert.equal(await world.store.countMembers(), 4);
    });
  });

  describe('tokens and denylist', () => {
    test('stores a token and finds it by hash and by id, never returning the hash', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const input = {
        id: 't_1',
        member_id: ada.id,
        name: 'laptop',
        kind: 'api' as const,
        created_at: world.now(),
        revoked_at: null,
        expires_at: null,
        last_used_at: null,
      };
      const created = await world.store.createToken({ ...input, hash: 'hash-1' });
      assert.deepEqual(created, input);
      assert.equal('hash' in created, false);
      const byHash = await world.store.tokenByHash('hash-1');
      assert.deepEqual(byHash, input);
      assert.equal(byHash && 'hash' in byHash, false);
      assert.deepEqual(await world.store.tokenById('t_1'), input);
      assert.equal(await world.store.tokenByHash('hash-2'), undefined);
      assert.equal(await world.store.tokenById('t_2'), undefined);
    });

    test('lists the tokens of one member, or of everyone', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const bob = await world.member('bob');
      const token = (id: string, member: MemberRecord, kind: 'api' | 'session') => ({
        id,
        member_id: member.id,
        name: id,
        kind,
        created_at: world.now(),
        revoked_at: null,
        expires_at: null,
        last_used_at: null,
        hash: `hash-${id}`,
      });
      await world.store.createToken(token('t_a1', ada, 'api'));
      await world.store.createToken(token('t_b1', bob, 'session'));
      await world.store.createToken(token('t_a2', ada, 'session'));
      assert.deepEqual(sorted((await world.store.listTokens(ada.id)).map((x) => x.id)), ['t_a1', 't_a2']);
      assert.deepEqual(
        (await world.store.listTokens(bob.id)).map((x) => x.id),
        ['t_b1'],
      );
      assert.deepEqual(sorted((await world.store.listTokens()).map((x) => x.id)), ['t_a1', 't_a2', 't_b1']);
      assert.deepEqual(await world.store.listTokens('m_nobody'), []);
    });

    test('revoking a token sets revoked_at, and revoking it again keeps the first time', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      await world.store.createToken({
        id: 't_1',
        member_id: ada.id,
        name: 'cli',
        kind: 'api',
        created_at: world.now(),
        revoked_at: null,
        expires_at: null,
        last_used_at: null,
        hash: 'hash-1',
      });
      const first = world.now();
      const revoked = await world.store.revokeToken('t_1', first);
      assert.equal(revoked?.revoked_at, first);
      const again = await world.store.revokeToken('t_1', world.now());
      assert.equal(again?.revoked_at, first);
      assert.equal((await world.store.tokenByHash('hash-1'))?.revoked_at, first);
      assert.equal((await world.store.listTokens(ada.id))[0]?.revoked_at, first);
      assert.equal(await world.store.revokeToken('t_missing', world.now()), undefined);
    });

    test('a one-time code is used once, only for its purpose and before it expires; a newer one replaces the unused', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const bob = await world.member('bob');
      const code = (hash: string, member_id: string, purpose: 'setup' | 'invite', expires_at: string) => ({
        hash,
        member_id,
        purpose,
        created_at: '2030-01-01T00:00:00.000Z',
        expires_at,
      });
      const later = '2030-01-01T01:00:00.000Z';
      await world.store.createOneTimeCode(code('h1', ada.id, 'setup', later));
      await world.store.createOneTimeCode(code('h2', bob.id, 'setup', later));
      await world.store.createOneTimeCode(code('h3', ada.id, 'invite', later));
      assert.deepEqual(await world.store.oneTimeCodeByHash('h3'), {
        ...code('h3', ada.id, 'invite', later),
        used_at: null,
      });
      assert.equal(await world.store.oneTimeCodeByHash('nothing'), undefined);
      assert.equal(await world.store.useOneTimeCode('h1', 'invite', '2030-01-01T00:30:00.000Z'), undefined);
      assert.equal(await world.store.useOneTimeCode('h1', 'setup', later), undefined, 'expired at its expiry');
      assert.equal(await world.store.useOneTimeCode('h1', 'setup', '2030-01-01T00:30:00.000Z'), ada.id);
      assert.equal(await world.store.useOneTimeCode('h1', 'setup', '2030-01-01T00:31:00.000Z'), undefined, 'once');
      assert.equal((await world.store.oneTimeCodeByHash('h1'))?.used_at, '2030-01-01T00:30:00.000Z');

      await world.store.createOneTimeCode(code('h4', bob.id, 'setup', later));
      assert.equal(await world.store.useOneTimeCode('h2', 'setup', '2030-01-01T00:30:00.000Z'), undefined, 'replaced');
      assert.equal(
        await world.store.useOneTimeCode('h3', 'invite', '2030-01-01T00:30:00.000Z'),
        ada.id,
        'other purpose kept',
      );
      assert.equal(await world.store.useOneTimeCode('h4', 'setup', '2030-01-01T00:30:00.000Z'), bob.id);
      assert.equal(await world.store.useOneTimeCode('nothing', 'setup', '2030-01-01T00:30:00.000Z'), undefined);
    });

    test('adds a denylist entry, replaces its reason when added again, and removes it once', async (t) => {
      const world = await open(t);
      const first = { handle: 'spammer', reason: 'spam', created_by: 'ada', created_at: world.now() };
      assert.deepEqual(await world.store.addDenylist(first), first);
      assert.deepEqual(await world.store.listDenylist(), [first]);

      const returned = await world.store.addDenylist({
        handle: 'spammer',
        reason: 'worse spam',
        created_by: 'bob',
        created_at: world.now(),
      });
      const listed = await world.store.listDenylist();
      assert.equal(listed.length, 1);
      assert.equal(listed[0]!.reason, 'worse spam');
      assert.deepEqual(returned, listed[0], 'addDenylist returns the entry as it is stored');

      const other = { handle: 'troll', reason: '', created_by: 'ada', created_at: world.now() };
      await world.store.addDenylist(other);
      assert.deepEqual(sorted((await world.store.listDenylist()).map((entry) => entry.handle)), ['spammer', 'troll']);
      assert.equal(await world.store.removeDenylist('spammer'), true);
      assert.equal(await world.store.removeDenylist('spammer'), false);
      assert.deepEqual(await world.store.listDenylist(), [other]);
    });
  });
}
