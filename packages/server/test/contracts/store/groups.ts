/** The Store contract for groups of members, the handles they share with members, and tokens' use. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { GroupRecord } from '../../../src/core/ports.js';
import { type Open, type World, hubError } from './world.js';

function groupRecord(world: World, handle: string, ownerId: string): GroupRecord {
  const at = world.now();
  return { id: `g_${handle}`, handle, display_name: handle, owner_id: ownerId, created_at: at, updated_at: at };
}

export function groupsContract(open: Open): void {
  describe('groups', () => {
    test('stores a group with its members sorted by handle, and finds it by handle, among handles and in the list', async (t) => {
      const world = await open(t);
      const [ada, bob, cid] = [
        await world.member('ada'),
        await world.member('bob'),
        await world.member('cid', 'agent'),
      ];
      const record = groupRecord(world, 'backend', ada.id);
      const created = await world.store.createGroup(record, [cid.id, bob.id, ada.id]);
      assert.deepEqual(created.record, record);
      assert.deepEqual(created.group, {
        handle: 'backend',
        display_name: 'backend',
        members: ['ada', 'bob', 'cid'],
        owner: 'ada',
        created_at: record.created_at,
        updated_at: record.updated_at,
      });
      assert.deepEqual(created.memberIds, [ada.id, bob.id, cid.id]);
      assert.deepEqual(await world.store.groupByHandle('backend'), created);
      await world.store.createGroup(groupRecord(world, 'alpha', bob.id), []);
      assert.deepEqual(
        (await world.store.listGroups()).map((stored) => [stored.group.handle, stored.group.members]),
        [
          ['alpha', []],
          ['backend', ['ada', 'bob', 'cid']],
        ],
      );
      assert.deepEqual(
        (await world.store.groupsByHandles(['backend', 'ada', 'nobody'])).map((stored) => stored.group.handle),
        ['backend'],
      );
      assert.deepEqual(await world.store.groupsByHandles([]), []);
      assert.equal(await world.store.groupByHandle('ada'), undefined);
    });

    test('a handle belongs to one member or one group: each refuses the other’s with handle_taken', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      await world.store.createGroup(groupRecord(world, 'backend', ada.id), []);
      await assert.rejects(world.store.createGroup(groupRecord(world, 'ada', ada.id), []), hubError('handle_taken'));
      await assert.rejects(
        world.store.createGroup({ ...groupRecord(world, 'backend', ada.id), id: 'g_other' }, []),
        hubError('handle_taken'),
      );
      await assert.rejects(world.member('backend'), hubError('handle_taken'));
      assert.equal(await world.store.memberByHandle('backend'), undefined);
      assert.equal(await world.store.groupByHandle('ada'), undefined);
    });

    test('a group gains and loses members, or takes a whole new list; deleted, its handle is free', async (t) => {
      const world = await open(t);
      const [ada, bob, cid] = [await world.member('ada'), await world.member('bob'), await world.member('cid')];
      const { record } = await world.store.createGroup(groupRecord(world, 'backend', ada.id), [ada.id]);
      const at = world.now();
      const grown = await world.store.updateGroup(record.id, { add: [bob.id, ada.id], remove: [], updated_at: at });
      assert.deepEqual(grown?.group.members, ['ada', 'bob']);
      assert.equal(grown?.group.updated_at, at);
      const renamed = await world.store.updateGroup(record.id, {
        display_name: 'Back end',
        add: [cid.id],
        remove: [ada.id],
        updated_at: world.now(),
      });
      assert.deepEqual(renamed?.group.members, ['bob', 'cid']);
      assert.equal(renamed?.group.display_name, 'Back end');
      const replaced = await world.store.updateGroup(record.id, {
        add: [],
        remove: [],
        replace: [ada.id],
        updated_at: world.now(),
      });
      assert.deepEqual(replaced?.group.members, ['ada']);
      assert.equal(replaced?.group.display_name, 'Back end', 'a change without a name keeps it');
      assert.equal(
        await world.store.updateGroup('g_nobody', { add: [], remove: [], updated_at: world.now() }),
        undefined,
      );
      assert.equal(await world.store.deleteGroup(record.id), true);
      assert.equal(await world.store.deleteGroup(record.id), false);
      assert.equal(await world.store.groupByHandle('backend'), undefined);
      assert.equal((await world.member('backend')).handle, 'backend');
    });

    test('a use is recorded on live sign-in sessions only, and a token’s expiry is kept as made', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const made = world.now();
      const token = (id: string, expires_at: string | null, last_used_at: string | null) => ({
        id,
        member_id: ada.id,
        name: id,
        kind: 'session' as const,
        created_at: made,
        revoked_at: null,
        expires_at,
        last_used_at,
        hash: `hash-${id}`,
      });
      await world.store.createToken(token('t_session', '2031-01-01T00:00:00.000Z', made));
      await world.store.createToken(token('t_revoked', null, made));
      await world.store.createToken(token('t_api', null, null));
      await world.store.revokeToken('t_revoked', world.now());
      const used = world.now();
      await world.store.touchTokens(['t_session', 't_revoked', 't_api'], used);
      await world.store.touchTokens([], world.now());
      const session = await world.store.tokenByHash('hash-t_session');
      assert.equal(session?.last_used_at, used);
      assert.equal(session?.expires_at, '2031-01-01T00:00:00.000Z');
      assert.equal((await world.store.tokenById('t_revoked'))?.last_used_at, made, 'a revoked token stays as it was');
      assert.equal((await world.store.tokenById('t_api'))?.last_used_at, null, 'a token that never idles out stays so');
    });
  });
}
