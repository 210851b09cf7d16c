/** The Store contract for readiness, dump and restore, and what close() keeps. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Open, type StoreFactory, World, range, sorted } from './world.js';

export function lifecycleContract(open: Open, makeStore: StoreFactory): void {
  describe('lifecycle', () => {
    test('is ready while open', async (t) => {
      const { store } = await makeStore(t);
      assert.equal(await store.ready(), true);
    });

    test('a dump restores into an empty store as the same rows, and a one-room dump holds only that room', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const alpha = await world.member('alpha', 'agent', { capabilities: ['review'] });
      await world.store.createToken({
        id: 't_dump',
        member_id: ada.id,
        hash: 'h'.repeat(64),
        name: 'laptop',
        kind: 'api',
        created_at: '2030-01-01T00:00:00.000Z',
        revoked_at: null,
        expires_at: null,
        last_used_at: null,
      });
      await world.store.addDenylist({
        handle: 'spam',
        reason: 'x',
        created_by: 'ada',
        created_at: '2030-01-01T00:00:00.000Z',
      });
      const lab = await world.room('lab', [ada, alpha]);
      const other = await world.room('other', [ada]);
      const root = await world.sent(lab, ada, { mentions: [alpha], wake: [alpha] });
      await world.sent(lab, alpha, {
        threadId: root.id,
        parts: [{ type: 'tool_call', id: 'c', name: 'n', status: 'ok' }],
      });
      await world.sent(other, ada, { content: 'elsewhere' });
      await world.store.addReaction(root.id, 'ada', '👍', world.draft('reaction.added', ada));
      const note = {
        id: 'note_dump',
        member_id: alpha.id,
        room_id: lab.id,
        content: 'lab notes',
        created_at: world.now(),
      };
      await world.store.insertNote(note);
      await world.store.insertNote({ ...note, id: 'note_other', room_id: other.id });

      const collect = async (source: AsyncIterable<unknown>) => {
        const out = [];
        for await (const record of source) out.push(record);
        return out;
      };
      const all = await collect(world.store.dump());
      assert.ok(all.length > 10);
      const fresh = (await makeStore(t)).store;
      const written = await fresh.restore(
        (async function* () {
          yield* all as never[];
        })(),
      );
      assert.equal(written, all.length, 'every row was written');
      assert.deepEqual(await collect(fresh.dump()), all, 'the restored store dumps the same rows');
      assert.equal(
        await fresh.restore(
          (async function* () {
            yield* all as never[];
          })(),
        ),
        0,
        'restoring again writes nothing',
      );
      const found = await fresh.searchMessages({
        roomIds: [other.id],
        terms: ['elsewhere'],
        limit: 5,
        now: world.now(),
      });
      assert.equal(found.length, 1, 'restored messages are searchable');
      assert.equal((await fresh.searchNotes(alpha.id, { terms: ['lab'], limit: 5, now: world.now() })).length, 2);
      const history = await fresh.history(lab.id, { limit: 50 });
      assert.deepEqual(
        history.messages.map((m) => m.id),
        (await world.store.history(lab.id, { limit: 50 })).messages.map((m) => m.id),
      );

      const oneRoom = (await collect(world.store.dump(lab.id))) as Array<{
        table: string;
        row: Record<string, unknown>;
      }>;
      assert.ok(!oneRoom.some((record) => record.table === 'tokens' || record.table === 'denylist'));
      assert.deepEqual([...new Set(oneRoom.filter((r) => r.table === 'rooms').map((r) => r.row.id))], [lab.id]);
      assert.deepEqual(
        oneRoom.filter((r) => r.table === 'notes').map((r) => r.row.id),
        ['note_dump'],
        'a one-room dump holds the notes about that room',
      );
      assert.ok(
        oneRoom.filter((r) => r.table === 'messages').every((r) => r.row.room_id === lab.id),
        'only the room’s messages',
      );
      assert.deepEqual(
        oneRoom
          .filter((r) => r.table === 'members')
          .map((r) => r.row.handle)
          .sort(),
        ['ada', 'alpha'],
        'with its members',
      );
    });

    test('close() commits the writes already started, so that a reopened store has them', async (t) => {
      const { store, reopen } = await makeStore(t);
      const world = new World(store);
      const ada = await world.member('ada');
      const general = await world.room('general', [ada]);
      const writes = [
        world.member('bob'),
        world.member('carol', 'agent'),
        store.addDenylist({ handle: 'spammer', reason: '', created_by: 'ada', created_at: world.now() }),
        ...range(1, 5).map((i) => world.send(general, ada, { content: `m${i}` })),
      ];
      await store.close();
      await Promise.all(writes);
      if (!reopen) return;

      const again = await reopen();
      assert.deepEqual(sorted((await again.listMembers({})).map((member) => member.handle)), ['ada', 'bob', 'carol']);
      assert.deepEqual(
        (await again.listDenylist()).map((entry) => entry.handle),
        ['spammer'],
      );
      const page = await again.history(general.id, { limit: 10 });
      assert.deepEqual(sorted(page.messages.map((message) => message.content)), ['m1', 'm2', 'm3', 'm4', 'm5']);
      assert.equal((await again.roomById(general.id))?.last_seq, general.last_seq + 5);
    });
  });
}
