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

/** Another Streams over the same store and bus: another hub instance, or the hub after a restart. It holds no text in memory. */
function otherInstance(kit: Awaited<ReturnType<typeof streamsKit>>): Streams {
  return new Streams(kit.ctx, {
    send: (actor, params, status) => kit.messages.send(actor, params, status),
    messageFor: (actor, messageId) => kit.messages.messageFor(actor, messageId),
    finished: async () => {},
  });
}

test('streams left open when the hub stopped are ended as errors at the next start, with their last checkpoint’s text', async (t) => {
  const kit = await streamsKit(t);
  const { streams, messages, store, ada, scout } = kit;
  const { message } = await streams.startStream(scout, { room: 'lab', content: 'partial' });
  streams.streamDelta(scout, message.id, ' and saved');
  await streams.checkpoint();
  streams.streamDelta(scout, message.id, ' and lost');
  const restarted = otherInstance(kit);
  await restarted.start();
  restarted.stop();
  const ended = await store.messageById(message.id);
  assert.equal(ended?.status, 'error');
  assert.equal(ended?.content, 'partial and saved', 'what came after the last checkpoint is gone');
  assert.match(String(ended?.metadata.error), /interrupted/);
  assert.equal((await messages.getMessage(ada, message.id)).status, 'error');
});

test('a checkpoint saves the text and parts so far of every stream held, and logs nothing', async (t) => {
  const { streams, store, scout, room } = await streamsKit(t);
  const first = (await streams.startStream(scout, { room: 'lab', content: 'One' })).message;
  const second = (await streams.startStream(scout, { room: 'lab', content: 'Two' })).message;
  streams.streamDelta(scout, first.id, ', and more');
  const part = { type: 'tool_call' as const, id: 'call-1', name: 'grep', status: 'running' as const };
  streams.streamPart(scout, first.id, part);
  assert.equal((await store.messageById(first.id))?.content, 'One', 'deltas are not written one by one');
  const lastSeq = (await store.roomById(room.id))?.last_seq;

  await streams.checkpoint();
  const saved = await store.messageById(first.id);
  assert.deepEqual([saved?.status, saved?.content, saved?.parts], ['streaming', 'One, and more', [part]]);
  assert.equal((await store.messageById(second.id))?.content, 'Two', 'a stream with nothing new keeps its text');
  assert.equal((await store.roomById(room.id))?.last_seq, lastSeq, 'a checkpoint is no event');
  streams.streamDelta(scout, first.id, '!');
  streams.streamDelta(scout, second.id, '?');
  await streams.checkpoint();
  assert.deepEqual(
    [(await store.messageById(first.id))?.content, (await store.messageById(second.id))?.content],
    ['One, and more!', 'Two?'],
  );
});

test('streams whose holder stopped checkpointing are ended once by the instances racing to, with the saved text', async (t) => {
  const kit = await streamsKit(t, { streamIdleMs: 60_000 });
  const { streams, store, clock, published, scout, room } = kit;
  const done = (await streams.startStream(scout, { room: 'lab', content: 'A' })).message;
  const going = (await streams.startStream(scout, { room: 'lab', content: 'B' })).message;
  streams.streamDelta(scout, done.id, 'lpha');
  streams.streamDelta(scout, going.id, 'eta');
  await streams.checkpoint();
  streams.streamDelta(scout, done.id, ' never saved');
  const [second, third] = [otherInstance(kit), otherInstance(kit)];
  clock.advance(58_000);
  await Promise.all([second.sweep(), third.sweep()]);
  assert.equal((await store.messageById(done.id))?.status, 'streaming', 'not before its checkpoint is that old');

  // The holder stands for a dead instance: its checkpoints stopped, so the others end its streams.
  const tries: boolean[] = [];
  const finishStream = store.finishStream.bind(store);
  store.finishStream = async (...args) => {
    const result = await finishStream(...args);
    tries.push(result !== undefined);
    return result;
  };
  clock.advance(2_000);
  await Promise.all([second.sweep(), third.sweep()]);
  assert.deepEqual(tries.sort(), [false, false, true, true], 'both instances tried to end both streams');
  const ends = eventsOf(published, { kind: 'message.updated', room: room.id });
  assert.deepEqual(ends.map((event) => event.data.id).sort(), [done.id, going.id].sort(), 'one ending each');
  const ended = await store.messageById(done.id);
  assert.deepEqual([ended?.status, ended?.content], ['error', 'Alpha']);
  assert.match(String(ended?.metadata.error), /instance hosting this stream stopped/);

  // Were the holder alive after all, it could not overwrite them: its ending is refused, as is any
  // request once its next checkpoint has found the stream over.
  assert.equal((await refusal(streams.streamDone(scout, done.id, {}))).code, 'not_streaming');
  await streams.checkpoint();
  assert.equal((await refusal(() => streams.streamDelta(scout, going.id, 'late'))).code, 'not_streaming');
  assert.equal((await store.messageById(done.id))?.content, 'Alpha');
  assert.equal((await store.messageById(going.id))?.content, 'Beta');
  assert.equal(eventsOf(published, { kind: 'message.updated', room: room.id }).length, 2, 'and wrote no event');
});

test('a holder that keeps checkpointing keeps its stream past the idle time of its first checkpoint', async (t) => {
  const kit = await streamsKit(t, { streamIdleMs: 60_000 });
  const { streams, store, clock, scout } = kit;
  const { message } = await streams.startStream(scout, { room: 'lab', content: 'slow' });
  const other = otherInstance(kit);
  for (let minute = 0; minute < 3; minute++) {
    clock.advance(50_000);
    streams.streamDelta(scout, message.id, '.');
    await streams.checkpoint();
    await other.sweep();
  }
  assert.equal((await store.messageById(message.id))?.status, 'streaming');
  assert.equal((await streams.streamDone(scout, message.id, {})).content, 'slow...');
});

test('stopping queues a last checkpoint, so the text so far outlives a restart', async (t) => {
  const { streams, store, scout } = await streamsKit(t);
  const { message } = await streams.startStream(scout, { room: 'lab', content: 'all' });
  streams.streamDelta(scout, message.id, ' of it');
  streams.stop();
  const saved = await eventually(async () => {
    const stored = await store.messageById(message.id);
    return stored?.content === 'all of it' ? stored : undefined;
  });
  assert.equal(saved.status, 'streaming');
});

test('a stream with no delta for streamIdleMs is ended as timed out when the sweep runs', async (t) => {
  const { streams, store, clock, scout } = await streamsKit(t, { streamIdleMs: 60_000 });
  const quiet = (await streams.startStream(scout, { room: 'lab', content: 'still here?' })).message;
  const busy = (await streams.startStream(scout, { room: 'lab', content: 'busy' })).message;
  clock.advance(59_000);
  streams.streamDelta(scout, busy.id, '.');
  clock.advance(2_000);
  // The sweep runs on a timer; called here directly so no test waits on that timer.
  await streams.sweep();
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
