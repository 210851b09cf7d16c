/** The Store contract for word search over messages and notes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessageSearch } from '../../../src/core/ports.js';
import { type Open, type World, ids } from './world.js';

export function memoryContract(open: Open): void {
  describe('memory search', () => {
    const search = (
      world: World,
      roomIds: string[],
      words: string[],
      limit = 10,
      filters: Partial<MessageSearch> = {},
    ) => world.store.searchMessages({ roomIds, terms: words, limit, now: world.now(), ...filters });

    test('finds complete messages of the given rooms by any of their words, the better match first', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const bob = await world.member('bob');
      const general = await world.room('general', [ada, bob]);
      const secret = await world.room('secret', [bob]);
      const both = await world.sent(general, ada, { content: 'The deploy of build 142 failed on the parser' });
      const one = await world.sent(general, bob, { content: 'Deploy again tomorrow' });
      await world.sent(general, bob, { content: 'Lunch at noon?' });
      await world.sent(general, bob, { content: 'deploy notes streaming', status: 'streaming' });
      const gone = await world.sent(general, ada, { content: 'deploy 142 gone' });
      await world.store.updateMessage(gone.id, { deleted_at: world.now(), content: '' }, () =>
        world.draft('message.deleted', ada),
      );
      await world.sent(secret, bob, { content: 'deploy 142 in the secret room' });

      const hits = await search(world, [general.id], ['deploy', '142']);
      assert.deepEqual(ids(hits.map((hit) => hit.message)), [both.id, one.id]);
      assert.ok(hits[0]!.score > hits[1]!.score && hits[1]!.score > 0, 'scores are positive, best first');
      assert.equal(hits[0]!.message.content, 'The deploy of build 142 failed on the parser');
      assert.deepEqual(await search(world, [general.id], ['nothing']), []);
      assert.deepEqual(await search(world, [], ['deploy']), [], 'no rooms, nothing found');
      assert.deepEqual(await search(world, [general.id], []), [], 'no words, nothing found');
      assert.equal((await search(world, [general.id, secret.id], ['deploy'])).length, 3);
      assert.equal((await search(world, [general.id], ['deploy'], 1)).length, 1, 'the limit holds');
    });

    test('between equal matches the younger ranks first, and an edit is found by its new words only', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const general = await world.room('general', [ada]);
      const old = await world.sent(general, ada, { content: 'parser crash in build' });
      world.skipDays(90);
      const recent = await world.sent(general, ada, { content: 'parser crash in build' });
      const hits = await search(world, [general.id], ['parser']);
      assert.deepEqual(ids(hits.map((hit) => hit.message)), [recent.id, old.id]);
      assert.ok(hits[0]!.score > hits[1]!.score * 3, 'ninety days older scores about four times less');

      await world.store.updateMessage(old.id, { content: 'tokenizer crash', edited_at: world.now() }, () =>
        world.draft('message.updated', ada),
      );
      assert.deepEqual(ids((await search(world, [general.id], ['tokenizer'])).map((hit) => hit.message)), [old.id]);
      assert.deepEqual(ids((await search(world, [general.id], ['parser'])).map((hit) => hit.message)), [recent.id]);
    });

    test('words that look like search operators are searched as words', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const general = await world.room('general', [ada]);
      const message = await world.sent(general, ada, { content: 'NOT AND OR NEAR are plain words here' });
      for (const word of ['not', 'and', 'or', 'near']) {
        assert.deepEqual(ids((await search(world, [general.id], [word])).map((hit) => hit.message)), [message.id]);
      }
    });

    test('filters narrow a search by sender, time and thread', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const bob = await world.member('bob');
      const general = await world.room('general', [ada, bob]);
      const early = await world.sent(general, ada, { content: 'release plan draft' });
      const middle = world.now();
      const root = await world.sent(general, bob, { content: 'release checklist' });
      const reply = await world.sent(general, ada, { content: 'release notes in the thread', threadId: root.id });
      const late = world.now();
      const last = await world.sent(general, bob, { content: 'release done' });
      const find = async (filters: Partial<MessageSearch>) =>
        ids((await search(world, [general.id], ['release'], 10, filters)).map((hit) => hit.message)).sort();

      assert.deepEqual(await find({ sender: 'ada' }), [early.id, reply.id].sort());
      assert.deepEqual(await find({ sender: 'nobody' }), []);
      assert.deepEqual(await find({ afterTime: middle }), [root.id, reply.id, last.id].sort(), 'after is inclusive');
      assert.deepEqual(await find({ beforeTime: middle }), [early.id]);
      assert.deepEqual(await find({ afterTime: middle, beforeTime: late }), [root.id, reply.id].sort());
      assert.deepEqual(await find({ inThread: true }), [reply.id]);
      assert.deepEqual(await find({ inThread: false }), [early.id, root.id, last.id].sort());
      assert.deepEqual(await find({ sender: 'bob', inThread: false, afterTime: late }), [last.id]);
    });

    test('newest first orders by time whatever the score, and pages by offset without repeats', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const general = await world.room('general', [ada]);
      const sent: string[] = [];
      for (const content of ['deploy deploy deploy', 'deploy once', 'a deploy', 'deploy deploy', 'deploy at last']) {
        sent.push((await world.sent(general, ada, { content })).id);
      }
      const newest = await search(world, [general.id], ['deploy'], 10, { order: 'newest' });
      assert.deepEqual(ids(newest.map((hit) => hit.message)), [...sent].reverse());

      for (const order of ['newest', 'relevance'] as const) {
        const all = ids((await search(world, [general.id], ['deploy'], 10, { order })).map((hit) => hit.message));
        const pages: string[] = [];
        for (let offset = 0; offset < 6; offset += 2) {
          const page = await search(world, [general.id], ['deploy'], 2, { order, offset });
          pages.push(...ids(page.map((hit) => hit.message)));
        }
        assert.deepEqual(pages, all, `${order}: the pages together are the whole list, in order`);
      }
    });

    test('notes are found by their words, only among their own member’s', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const bob = await world.member('bob');
      const note = await world.store.insertNote({
        id: 'note_1',
        member_id: ada.id,
        room_id: null,
        content: 'The staging database password rotates on Mondays',
        created_at: world.now(),
      });
      await world.store.insertNote({
        id: 'note_2',
        member_id: bob.id,
        room_id: null,
        content: 'Bob also knows the staging database',
        created_at: world.now(),
      });
      const query = { terms: ['staging', 'mondays'], limit: 10, now: world.now() };
      const hits = await world.store.searchNotes(ada.id, query);
      assert.deepEqual(
        hits.map((hit) => hit.note),
        [note],
      );
      assert.ok(hits[0]!.score > 0);
      assert.equal((await world.store.searchNotes(bob.id, query)).length, 1);
      assert.deepEqual(await world.store.searchNotes(ada.id, { ...query, terms: ['lunch'] }), []);
    });
  });
}
