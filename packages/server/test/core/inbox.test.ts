import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { HubContext } from '../../src/core/context.js';
import { Inbox } from '../../src/core/inbox.js';
import type { StoredEvent } from '../../src/core/ports.js';
import { Rooms } from '../../src/core/rooms.js';
import { addMember, addRoom, coreContext, messaging, noReceipts, refusal } from './kit.js';

/**
 * FanOut's watchEvents, by hand: every event published on the bus, as FanOut delivers it on a
 * single instance (the local bus keeps each room's order).
 */
function eventWatchers(ctx: HubContext) {
  const watchers = new Set<(event: StoredEvent) => void>();
  ctx.bus.subscribe((message) => {
    if (message.kind === 'event') for (const watcher of watchers) watcher(message.event);
  });
  return {
    watchers,
    watchEvents: (watcher: (event: StoredEvent) => void) => {
      watchers.add(watcher);
      return () => watchers.delete(watcher);
    },
  };
}

async function inboxKit(t: TestContext) {
  const kit = await coreContext(t);
  const wired = messaging(kit.ctx);
  const rooms = new Rooms(kit.ctx, () => 'offline', noReceipts);
  const { watchers, watchEvents } = eventWatchers(kit.ctx);
  const makeInbox = () =>
    new Inbox(kit.ctx, {
      watchEvents,
      withStreamContent: (message) => wired.streams.withStreamContent(message),
      delivered: (member, messages) => wired.receipts.deliveredMessages(member, messages),
      acknowledged: (member, roomId, from, seq) => wired.receipts.read(roomId, member.id, from, seq),
    });
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const scout = await addMember(kit.ctx, 'scout', 'agent');
  const lab = await addRoom(kit.ctx, 'lab', 'public', [ada, bob, scout]);
  const direct = await addRoom(kit.ctx, null, 'direct', [bob, ada]);
  return { ...kit, ...wired, rooms, inbox: makeInbox(), makeInbox, watchers, ada, bob, scout, lab, direct };
}

const waitOptions = (timeoutMs: number, cancelled = new AbortController().signal) => ({
  timeoutMs,
  limit: 10,
  cancelled,
  stopping: new AbortController().signal,
});

test('the inbox holds what is addressed to the member, oldest first, and taking from it moves its own cursors', async (t) => {
  const { inbox, messages, clock, ctx, ada, bob, scout, direct } = await inboxKit(t);
  const send = async (sender: typeof ada, room: string, content: string) => {
    clock.advance(1_000);
    await messages.send(sender, { room, content });
  };
  await send(bob, 'lab', 'chatter');
  await send(bob, 'lab', '@ada look at this');
  await send(ada, 'lab', '@ada a note to myself');
  await send(bob, direct.id, 'psst');
  await send(bob, 'lab', '@scout build it');

  const contents = (page: { messages: Array<{ content: string }> }) => page.messages.map((m) => m.content);
  assert.deepEqual(contents(await inbox.read(ada, { limit: 10 })), ['@ada look at this', 'psst']);
  assert.deepEqual(contents(await inbox.read(scout, { limit: 10 })), ['@scout build it']);

  const cursorsBefore = (await ctx.store.listRoomsOf(ada.id)).map((room) => room.read_seq);
  const first = await inbox.take(ada, 1);
  assert.deepEqual([contents(first), first.has_more], [['@ada look at this'], true]);
  const second = await inbox.take(ada, 1);
  assert.deepEqual([contents(second), second.has_more], [['psst'], false], 'the cursor stopped before what was left');
  assert.deepEqual(contents(await inbox.take(ada, 10)), []);
  const readCursors = (await ctx.store.listRoomsOf(ada.id)).map((room) => room.read_seq);
  assert.deepEqual(readCursors, cursorsBefore, 'no read cursor moved');
});

test('a page after a message skips what comes before it; an ack up to a message empties the inbox to there', async (t) => {
  const { inbox, messages, clock, ctx, ada, bob, direct } = await inboxKit(t);
  const sent: string[] = [];
  for (const [room, content] of [
    ['lab', '@ada one'],
    [direct.id, 'two'],
    ['lab', 'chatter'],
    ['lab', '@ada three'],
    [direct.id, 'four'],
  ] as const) {
    clock.advance(1_000);
    sent.push((await messages.send(bob, { room, content })).message.id);
  }
  const contents = (page: { messages: Array<{ content: string }> }) => page.messages.map((m) => m.content);
  const cursorsBefore = (await ctx.store.listRoomsOf(ada.id)).map((room) => room.read_seq);
  const key = await inbox.keyOfMessage(ada, sent[1]!);
  assert.deepEqual(contents(await inbox.read(ada, { limit: 10, after: key })), ['@ada three', 'four']);
  assert.deepEqual(contents(await inbox.read(ada, { limit: 10, roomId: direct.id })), ['two', 'four']);
  assert.deepEqual(contents(await inbox.read(ada, { limit: 10 })), ['@ada one', 'two', '@ada three', 'four']);

  assert.deepEqual(await inbox.ack(ada, sent[3]!), { up_to: sent[3], acknowledged: 3 });
  assert.deepEqual(contents(await inbox.read(ada, { limit: 10 })), ['four'], 'what came later in another room stays');
  assert.deepEqual(await inbox.ack(ada, sent[3]!), { up_to: sent[3], acknowledged: 0 }, 'an ack again moves nothing');
  assert.equal((await refusal(inbox.keyOfMessage(ada, 'msg_nope'))).code, 'message_not_found');
  const readCursors = (await ctx.store.listRoomsOf(ada.id)).map((room) => room.read_seq);
  assert.deepEqual(readCursors, cursorsBefore, 'no read cursor moved');
});

test('a message in a room the member is not in names no place in its inbox', async (t) => {
  const { inbox, messages, ctx, ada, bob } = await inboxKit(t);
  const secret = await addRoom(ctx, 'secret', 'private', [bob]);
  const hidden = (await messages.send(bob, { room: secret.id, content: 'only bob' })).message;
  assert.equal((await refusal(inbox.ack(ada, hidden.id))).code, 'message_not_found');
  assert.equal((await refusal(inbox.keyOfMessage(ada, hidden.id))).code, 'message_not_found');
});

test('a wait returns when a message addressed to the member arrives, and not before', async (t) => {
  const { inbox, messages, watchers, ada, bob } = await inboxKit(t);
  await messages.send(bob, { room: 'lab', content: 'read already' });
  let settled = false;
  const waiting = inbox.waitForAddressed(ada, waitOptions(60_000)).finally(() => (settled = true));
  for (let turn = 0; watchers.size === 0; turn++) {
    assert.ok(turn < 100, 'the wait started watching');
    await new Promise((resolve) => setImmediate(resolve));
  }
  await messages.send(bob, { room: 'lab', content: 'just chatter' });
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(settled, false, 'chatter does not end the wait');

  await messages.send(bob, { room: 'lab', content: '@ada your turn' });
  const page = await waiting;
  assert.deepEqual([page.messages.map((m) => m.content), page.timed_out], [['@ada your turn'], false]);
  assert.equal(watchers.size, 0, 'the wait stopped watching');
  assert.deepEqual((await inbox.read(ada, { limit: 10 })).messages, [], 'it left the inbox');
});

/**
 * The wait's deadline is an AbortSignal.timeout, whose timer does not hold the process open (in the
 * hub, the listening sockets do): without this the test process could end mid-wait.
 */
async function keepingAlive<T>(work: Promise<T>): Promise<T> {
  const alive = setInterval(() => {}, 60_000);
  try {
    return await work;
  } finally {
    clearInterval(alive);
  }
}

test('a wait with nothing addressed times out empty', async (t) => {
  const { inbox, ada } = await inboxKit(t);
  const page = await keepingAlive(inbox.waitForAddressed(ada, waitOptions(20)));
  assert.deepEqual(page, { messages: [], has_more: false, timed_out: true });
});

test('a member has at most four waits at once on one hub, and another hub’s inbox counts its own', async (t) => {
  const { inbox, makeInbox, ada, bob } = await inboxKit(t);
  const caller = new AbortController();
  const waits = Array.from({ length: 4 }, () => inbox.waitForAddressed(ada, waitOptions(60_000, caller.signal)));
  const fifth = await refusal(inbox.waitForAddressed(ada, waitOptions(60_000, caller.signal)));
  assert.equal(fifth.code, 'rate_limited');
  const otherHub = makeInbox().waitForAddressed(ada, waitOptions(60_000, caller.signal));
  const bobs = inbox.waitForAddressed(bob, waitOptions(60_000, caller.signal));

  caller.abort();
  for (const page of await Promise.all([...waits, otherHub, bobs])) {
    assert.deepEqual(page, { messages: [], has_more: true, timed_out: true });
  }
  const again = await keepingAlive(inbox.waitForAddressed(ada, waitOptions(20)));
  assert.equal(again.timed_out, true, 'the ended waits no longer count');
});

test('a member’s watch marks each event of its rooms addressed or not, and follows its joins', async (t) => {
  const { ctx, inbox, messages, rooms, ada, bob } = await inboxKit(t);
  const seen: Array<[string, boolean]> = [];
  const joins: string[] = [];
  const stop = await inbox.watchMember(ada, {
    event: (event, addressed) =>
      seen.push([event.kind === 'message.created' ? String(event.data.content) : event.kind, addressed]),
    membership: (event) => joins.push(event.room),
  });
  await messages.send(bob, { room: 'lab', content: 'hello room' });
  await messages.send(bob, { room: 'lab', content: '@ada hello you' });
  const later = await rooms.createRoom(bob, { name: 'later', kind: 'private', members: ['ada'] });
  await messages.send(bob, { room: 'later', content: 'in a room joined meanwhile' });
  const elsewhere = await addRoom(ctx, 'elsewhere', 'public', [bob]);
  await messages.send(bob, { room: elsewhere.id, content: 'not her room' });
  stop();
  await messages.send(bob, { room: 'lab', content: '@ada after the watch' });

  assert.deepEqual(joins, [later.id]);
  assert.deepEqual(seen, [
    ['hello room', false],
    ['@ada hello you', true],
    ['in a room joined meanwhile', false],
  ]);
});

test('a wait ends with shutting_down when the hub stops, even while its caller is still there', async (t) => {
  const { inbox, ada } = await inboxKit(t);
  const stopping = new AbortController();
  const waiting = refusal(
    inbox.waitForAddressed(ada, {
      timeoutMs: 60_000,
      limit: 10,
      cancelled: new AbortController().signal,
      stopping: stopping.signal,
    }),
  );
  stopping.abort();
  assert.equal((await waiting).code, 'shutting_down');
});

test('an ack empties the inbox to its bound in one call, past more events than one scan reads', async (t) => {
  const { inbox, messages, clock, ada, bob } = await inboxKit(t);
  const send = async (content: string) => {
    clock.advance(100);
    return (await messages.send(bob, { room: 'lab', content })).message.id;
  };
  await send('@ada early');
  // More chatter than one scan of a room reads (5,000 events) lies between the two mentions.
  for (let i = 0; i < 5_100; i++) await send(`chatter ${i}`);
  const bound = await send('@ada late');
  await send('@ada after the bound');
  assert.deepEqual(await inbox.ack(ada, bound), { up_to: bound, acknowledged: 2 });
  const left = await inbox.read(ada, { limit: 10 });
  assert.deepEqual(
    left.messages.map((message) => message.content),
    ['@ada after the bound'],
  );
});
