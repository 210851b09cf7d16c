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
      markRead: (actor, roomId, seq) => rooms.markRead(actor, roomId, seq),
      withStreamContent: (message) => wired.streams.withStreamContent(message),
      delivered: (member, messages) => wired.receipts.deliveredMessages(member, messages),
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

test('the inbox holds what is addressed to the member, oldest first, and reading it moves the cursors', async (t) => {
  const { inbox, messages, clock, ada, bob, scout, direct } = await inboxKit(t);
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
  assert.deepEqual(contents(await inbox.read(ada, { limit: 10, markRead: false })), ['@ada look at this', 'psst']);
  assert.deepEqual(contents(await inbox.read(scout, { limit: 10, markRead: false })), ['@scout build it']);

  const first = await inbox.read(ada, { limit: 1, markRead: true });
  assert.deepEqual([contents(first), first.has_more], [['@ada look at this'], true]);
  const second = await inbox.read(ada, { limit: 1, markRead: true });
  assert.deepEqual([contents(second), second.has_more], [['psst'], false], 'the cursor stopped before what was left');
  assert.deepEqual(contents(await inbox.read(ada, { limit: 10, markRead: true })), []);
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
  assert.deepEqual((await inbox.read(ada, { limit: 10, markRead: false })).messages, [], 'it was marked read');
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
