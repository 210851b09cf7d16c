import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { BusMessage } from '../../src/core/ports.js';
import { Streams } from '../../src/core/streams.js';
import { addMember, addRoom, coreContext, eventsOf, messaging, refusal, type KitOptions } from './kit.js';

async function streamsKit(t: TestContext, options: KitOptions = {}) {
  const kit = await coreContext(t, options);
  const ada = await addMember(kit.ctx, 'ada');
  const scout = await addMember(kit.ctx, 'scout', 'agent');
  const critic = await addMember(kit.ctx, 'critic', 'agent');
  const room = await addRoom(kit.ctx, 'lab', 'public', [ada, scout, critic]);
  return { ...kit, ...messaging(kit.ctx), ada, scout, critic, room };
}

function signals(published: BusMessage[]): Array<Extract<BusMessage, { kind: 'signal' }>> {
  return published.filter((m): m is Extract<BusMessage, { kind: 'signal' }> => m.kind === 'signal');
}

test('a stream’s deltas are held until done, which stores the joined text; a reader mid-stream sees the text so far', async (t) => {
  const { streams, messages, store, published, ada, scout, critic, room } = await streamsKit(t);
  const { message } = await streams.startStream(scout, { room: 'lab', content: '', targets: ['critic'] });
  assert.equal(message.status, 'streaming');
  streams.streamDelta(scout, message.id, 'Hello, ');
  streams.streamDelta(scout, message.id, 'world');

  const midway = await messages.getMessage(ada, message.id);
  assert.deepEqual([midway.content, midway.metadata.stream_deltas], ['Hello, world', 2]);
  assert.equal((await store.messageById(message.id))?.content, '', 'deltas are not written one by one');
  const deltas = signals(published).map((s) => ({ ...s, frame: JSON.parse(s.frame) }));
  assert.deepEqual(
    deltas.filter((s) => s.room === room.id).map((s) => [s.frame.index, s.frame.delta, s.agentsToo]),
    [
      [0, 'Hello, ', false],
      [1, 'world', false],
    ],
    'the room’s people get every delta',
  );
  assert.deepEqual(
    new Set(deltas.filter((s) => s.members !== null).map((s) => s.members![0])),
    new Set([critic.id, scout.id]),
    'agents get them only when addressed (and the sender its own)',
  );

  const done = await streams.streamDone(scout, message.id, {});
  assert.deepEqual([done.status, done.content], ['complete', 'Hello, world']);
  assert.equal((await store.messageById(message.id))?.content, 'Hello, world');
  const updated = eventsOf(published, { kind: 'message.updated', room: room.id });
  assert.equal(updated.length, 1);
  assert.deepEqual(new Set(updated[0]!.agents), new Set([critic.id, scout.id]));
  assert.equal((await refusal(() => streams.streamDelta(scout, message.id, 'late'))).code, 'not_streaming');
});

test('only the sender writes to a stream; a person in the room may cancel it, another agent may not', async (t) => {
  const { streams, published, ada, scout, critic, room } = await streamsKit(t);
  const { message } = await streams.startStream(scout, { room: 'lab', content: 'Thinking' });
  assert.equal((await refusal(() => streams.streamDelta(critic, message.id, 'mine now'))).code, 'forbidden');
  assert.equal((await refusal(() => streams.streamDelta(ada, message.id, 'mine now'))).code, 'forbidden');
  streams.streamDelta(scout, message.id, '…');
  assert.equal((await refusal(streams.cancelStream(critic, message.id))).code, 'forbidden');

  const cancelled = await streams.cancelStream(ada, message.id);
  assert.deepEqual(
    [cancelled.status, cancelled.content, cancelled.metadata.cancelled_by],
    ['cancelled', 'Thinking…', 'ada'],
  );
  assert.equal(eventsOf(published, { kind: 'message.updated', room: room.id })[0]?.actor, 'ada');
  assert.equal((await refusal(streams.cancelStream(ada, message.id))).code, 'not_streaming');
  assert.equal((await refusal(streams.streamDone(scout, message.id, {}))).code, 'not_streaming');
});

test('streams left open when the hub stopped are ended as errors at the next start, keeping what was stored', async (t) => {
  const { ctx, streams, messages, store, ada, scout } = await streamsKit(t);
  const { message } = await streams.startStream(scout, { room: 'lab', content: 'partial' });
  streams.streamDelta(scout, message.id, ' and lost');
  // Another Streams over the same store stands for the hub after a restart: it holds no text in memory.
  const restarted = new Streams(ctx, {
    send: (actor, params, status) => messages.send(actor, params, status),
    messageFor: (actor, messageId) => messages.messageFor(actor, messageId),
    finished: async () => {},
  });
  await restarted.start();
  restarted.stop();
  const ended = await store.messageById(message.id);
  assert.equal(ended?.status, 'error');
  assert.equal(ended?.content, 'partial', 'the deltas held by the stopped instance are gone');
  assert.match(String(ended?.metadata.error), /interrupted/);
  assert.equal((await messages.getMessage(ada, message.id)).status, 'error');
});

test('a stream with no delta for streamIdleMs is ended as timed out when the sweep runs', async (t) => {
  const { streams, store, clock, scout } = await streamsKit(t, { streamIdleMs: 60_000 });
  const quiet = (await streams.startStream(scout, { room: 'lab', content: 'still here?' })).message;
  const busy = (await streams.startStream(scout, { room: 'lab', content: 'busy' })).message;
  clock.advance(59_000);
  streams.streamDelta(scout, busy.id, '.');
  clock.advance(2_000);
  // The sweep is private and runs on a timer; called here directly so no test waits on that timer.
  streams.sweep();
  const ended = await eventually(async () => {
    const message = await store.messageById(quiet.id);
    return message?.status === 'error' ? message : undefined;
  });
  assert.match(String(ended.metadata.error), /timed out/);
  assert.equal((await store.messageById(busy.id))?.status, 'streaming', 'a delta keeps a stream alive');
});

/** Polls without sleeping: each turn waits for the store's next commit tick, never for a clock. */
async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
  for (let turn = 0; turn < 20; turn++) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('the condition never held');
}
