/** The Store contract for word search over messages and notes. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Open, type World, ids } from './world.js';

export function memoryContract(open: Open): void {
  describe('memory search', () => {
    const search = (world: World, roomIds: string[], words: string[], limit = 10) =>
      world.store.searchMessages({ roomIds, terms: words, limit, now: world.now() });

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
