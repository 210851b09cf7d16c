/** The Store contract for writes that race: seqs stay gap-free, and a client_id is stored once. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Open, ids, range, seqs } from './world.js';

export function concurrencyContract(open: Open): void {
  describe('concurrency', () => {
    test('200 messages sent at once into one room get seqs 1 to N with no gap or duplicate', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const bob = await world.member('bob');
      const general = await world.room('general', [ada, bob]);
      const results = await Promise.all(
        range(1, 200).map((i) => world.send(general, i % 2 ? ada : bob, { content: `m${i}` })),
      );
      const messageSeqs = results.map((result) => result.message.seq).sort((a, b) => a - b);
      assert.deepEqual(messageSeqs, range(general.last_seq + 1, general.last_seq + 200));
      assert.ok(results.every((result) => !result.duplicate && result.event.seq === result.message.seq));
      const log = await world.log(general.id);
      assert.deepEqual(seqs(log), range(1, general.last_seq + 200));
      assert.equal(await world.lastSeq(general.id), general.last_seq + 200);
      const page = await world.store.history(general.id, { limit: 500 });
      assert.equal(new Set(page.messages.map((message) => message.content)).size, 200);
    });

    test('the same client_id sent many times at once is stored exactly once', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const general = await world.room('general', [ada]);
      const results = await Promise.all(
        range(1, 50).map((i) => world.send(general, ada, { content: `try ${i}`, clientId: 'retry-me' })),
      );
      const stored = results.filter((result) => !result.duplicate);
      assert.equal(stored.length, 1);
      assert.ok(results.every((result) => result.message.id === stored[0]!.message.id));
      assert.equal(await world.lastSeq(general.id), general.last_seq + 1);
      const page = await world.store.history(general.id, { limit: 100 });
      assert.deepEqual(ids(page.messages), [stored[0]!.message.id]);
    });
  });
}
