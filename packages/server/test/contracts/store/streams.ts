/** The Store contract for streams: checkpoints of the text so far, the streams nobody holds, and the one ending. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MessagePart } from '@roundtable/protocol';
import { type Open, sorted } from './world.js';

export function streamsContract(open: Open): void {
  describe('streams', () => {
    test('a checkpoint saves the text of the streams given it, only while they stream, and says which it saved', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const alpha = await world.member('alpha', 'agent');
      const general = await world.room('general', [ada, alpha]);
      const started: MessagePart[] = [{ type: 'tool_call', id: 'c0', name: 'plan', status: 'ok' }];
      const texted = await world.sent(general, alpha, { status: 'streaming', content: 'He', parts: started });
      const parted = await world.sent(general, alpha, { status: 'streaming', content: 'Lo' });
      const quiet = await world.sent(general, alpha, { status: 'streaming', content: 'Still' });
      const finished = await world.sent(general, alpha, { status: 'streaming', content: 'Done' });
      await world.store.updateMessage(finished.id, { status: 'complete' }, () => world.draft('message.updated', alpha));
      const deleted = await world.sent(general, alpha, { status: 'streaming', content: 'Gone' });
      await world.store.updateMessage(deleted.id, { content: '', deleted_at: world.now() }, () =>
        world.draft('message.deleted', ada),
      );
      const lastSeq = await world.lastSeq(general.id);

      const parts: MessagePart[] = [{ type: 'tool_call', id: 'c1', name: 'grep', status: 'running' }];
      const saved = await world.store.checkpointStreams(world.now(), [
        { messageId: texted.id, text: { content: 'Hello' } },
        { messageId: parted.id, text: { content: 'Lo and behold', parts } },
        { messageId: quiet.id },
        { messageId: finished.id, text: { content: 'overwritten?' } },
        { messageId: deleted.id, text: { content: 'back?' } },
        { messageId: 'msg_missing' },
      ]);
      assert.deepEqual(sorted(saved), sorted([texted.id, parted.id, quiet.id]));
      assert.deepEqual(await world.store.messageById(texted.id), { ...texted, content: 'Hello' }, 'parts kept');
      assert.deepEqual(await world.store.messageById(parted.id), { ...parted, content: 'Lo and behold', parts });
      assert.deepEqual(await world.store.messageById(quiet.id), quiet, 'only its time was saved');
      assert.equal((await world.store.messageById(finished.id))?.content, 'Done');
      assert.equal((await world.store.messageById(deleted.id))?.content, '');
      assert.equal(await world.lastSeq(general.id), lastSeq, 'a checkpoint appends nothing to the log');
      assert.deepEqual(await world.store.checkpointStreams(world.now(), []), []);
    });

    test('orphaned streams are those not checkpointed since a time (or, never checkpointed, started before it)', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const alpha = await world.member('alpha', 'agent');
      const beta = await world.member('beta', 'agent');
      const general = await world.room('general', [ada, alpha, beta]);
      const checkpointed = await world.sent(general, alpha, { status: 'streaming', mentions: [beta], wake: [beta] });
      const neverSaved = await world.sent(general, beta, { status: 'streaming' });
      const alive = await world.sent(general, alpha, { status: 'streaming' });
      const finished = await world.sent(general, alpha, { status: 'streaming' });
      await world.store.updateMessage(finished.id, { status: 'error' }, () => world.draft('message.updated', alpha));
      const deleted = await world.sent(general, alpha, { status: 'streaming' });
      await world.store.updateMessage(deleted.id, { deleted_at: world.now() }, () =>
        world.draft('message.deleted', ada),
      );
      await world.store.checkpointStreams(world.now(), [{ messageId: checkpointed.id, text: { content: 'so far' } }]);
      const before = world.now();
      await world.store.checkpointStreams(world.now(), [{ messageId: alive.id }]);
      const young = await world.sent(general, alpha, { status: 'streaming' });

      const orphans = await world.store.orphanedStreams(before, 10);
      assert.deepEqual(orphans, [
        { message: { ...checkpointed, content: 'so far' }, senderId: alpha.id, wake: [beta.id], quiet: false },
        { message: neverSaved, senderId: beta.id, wake: [], quiet: false },
      ]);
      assert.deepEqual(
        (await world.store.orphanedStreams(before, 1)).map((orphan) => orphan.message.id),
        [checkpointed.id],
        'oldest first, up to the limit',
      );
      const later = (await world.store.orphanedStreams(world.now(), 10)).map((orphan) => orphan.message.id);
      assert.deepEqual(later, [checkpointed.id, neverSaved.id, alive.id, young.id]);
    });

    test('a stream ends once: of endings made at once or later, only the first writes and logs', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const alpha = await world.member('alpha', 'agent');
      const general = await world.room('general', [ada, alpha]);
      const message = await world.sent(general, alpha, { status: 'streaming', content: 'so far' });
      const end = (status: 'complete' | 'error', content: string) =>
        world.store.finishStream(message.id, { status, content, metadata: { by: content } }, (ended) =>
          world.draft('message.updated', alpha, { id: ended.id, status: ended.status }),
        );

      const results = await Promise.all([end('error', 'first'), end('complete', 'second'), end('error', 'third')]);
      const won = results.filter((result) => result !== undefined);
      assert.equal(won.length, 1, 'exactly one ending wrote');
      const stored = await world.store.messageById(message.id);
      assert.deepEqual(stored, won[0]!.message);
      assert.notEqual(stored?.status, 'streaming');
      assert.equal(won[0]!.event.seq, message.seq + 1);
      assert.deepEqual(
        (await world.log(general.id)).filter((event) => event.kind === 'message.updated').length,
        1,
        'one ending in the log',
      );
      assert.equal(await end('complete', 'late'), undefined);
      assert.deepEqual(await world.store.checkpointStreams(world.now(), [{ messageId: message.id }]), []);
      assert.deepEqual(await world.store.messageById(message.id), stored, 'nothing later changed it');

      const deleted = await world.sent(general, alpha, { status: 'streaming' });
      await world.store.updateMessage(deleted.id, { content: '', deleted_at: world.now() }, () =>
        world.draft('message.deleted', ada),
      );
      assert.equal(
        await world.store.finishStream(deleted.id, { status: 'error', content: 'back?' }, () =>
          world.draft('message.updated', alpha),
        ),
        undefined,
        'a deleted stream is not ended again',
      );
      assert.equal(
        await world.store.finishStream('msg_missing', { status: 'error' }, () => world.draft('message.updated', alpha)),
        undefined,
      );
    });
  });
}
