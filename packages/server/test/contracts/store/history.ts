/** The Store contract for reading messages back: a room’s history by page, recent messages across rooms, thread agents. */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import type { Message } from '@roundtable/protocol';
import { type Open, ids, sorted } from './world.js';

export function historyContract(open: Open): void {
  describe('history', () => {
    /** Ten messages by ada and bob, with a member.joined event after the fifth so that message seqs have a gap. */
    async function tenMessages(t: TestContext) {
      const world = await open(t);
      const ada = await world.member('ada');
      const bob = await world.member('bob');
      const carol = await world.member('carol');
      const general = await world.room('general', [ada, bob]);
      const messages: Message[] = [];
      for (let i = 0; i < 10; i++) {
        if (i === 5)
          await world.store.addMembership(world.membership(general.id, carol), world.joined(carol, carol.id));
        messages.push(await world.sent(general, i % 2 === 0 ? ada : bob, { content: `m${i}` }));
      }
      assert.equal(messages[5]!.seq, messages[4]!.seq + 2);
      return { world, general, messages, ada, bob };
    }
    const pick = (messages: Message[], ...indexes: number[]) => indexes.map((index) => messages[index]!.id);

    test('without bounds returns the newest messages, ascending, with has_more when older ones exist', async (t) => {
      const { world, general, messages } = await tenMessages(t);
      const page = await world.store.history(general.id, { limit: 4 });
      assert.deepEqual(ids(page.messages), pick(messages, 6, 7, 8, 9));
      assert.equal(page.has_more, true);
      const all = await world.store.history(general.id, { limit: 10 });
      assert.deepEqual(ids(all.messages), ids(messages));
      assert.equal(all.has_more, false);
      assert.deepEqual(await world.store.history('r_empty', { limit: 10 }), { messages: [], has_more: false });
    });

    test('before a seq returns the newest messages below it, ascending', async (t) => {
      const { world, general, messages } = await tenMessages(t);
      const page = await world.store.history(general.id, { before: messages[7]!.seq, limit: 3 });
      assert.deepEqual(ids(page.messages), pick(messages, 4, 5, 6));
      assert.equal(page.has_more, true);
      const start = await world.store.history(general.id, { before: messages[2]!.seq, limit: 5 });
      assert.deepEqual(ids(start.messages), pick(messages, 0, 1));
      assert.equal(start.has_more, false);
    });

    test('after a seq returns the oldest messages above it, ascending', async (t) => {
      const { world, general, messages } = await tenMessages(t);
      const page = await world.store.history(general.id, { after: messages[3]!.seq, limit: 3 });
      assert.deepEqual(ids(page.messages), pick(messages, 4, 5, 6));
      assert.equal(page.has_more, true);
      const end = await world.store.history(general.id, { after: messages[7]!.seq, limit: 5 });
      assert.deepEqual(ids(end.messages), pick(messages, 8, 9));
      assert.equal(end.has_more, false);
      const between = await world.store.history(general.id, {
        after: messages[1]!.seq,
        before: messages[5]!.seq,
        limit: 10,
      });
      assert.deepEqual(ids(between.messages), pick(messages, 2, 3, 4));
      assert.equal(between.has_more, false);
    });

    test('time bounds are exclusive, and pages stay ascending', async (t) => {
      const { world, general, messages } = await tenMessages(t);
      const at = (index: number) => messages[index]!.created_at;
      const after = await world.store.history(general.id, { afterTime: at(6), limit: 10 });
      assert.deepEqual(ids(after.messages), pick(messages, 7, 8, 9));
      const before = await world.store.history(general.id, { beforeTime: at(3), limit: 10 });
      assert.deepEqual(ids(before.messages), pick(messages, 0, 1, 2));
      const window = await world.store.history(general.id, { afterTime: at(2), beforeTime: at(6), limit: 10 });
      assert.deepEqual(ids(window.messages), pick(messages, 3, 4, 5));
      assert.equal(window.has_more, false);

      const forward = await world.store.history(general.id, { afterTime: at(2), limit: 2 });
      assert.deepEqual(
        ids(forward.messages),
        pick(messages, 3, 4),
        'paging forward from a time reads the oldest first',
      );
      assert.equal(forward.has_more, true);
      const backward = await world.store.history(general.id, { beforeTime: at(6), limit: 2 });
      assert.deepEqual(ids(backward.messages), pick(messages, 4, 5), 'paging back from a time reads the newest first');
      assert.equal(backward.has_more, true);
    });

    test('filters by sender handle and by thread', async (t) => {
      const { world, general, messages, ada, bob } = await tenMessages(t);
      const bobs = await world.store.history(general.id, { sender: 'bob', limit: 3 });
      assert.deepEqual(ids(bobs.messages), pick(messages, 5, 7, 9));
      assert.equal(bobs.has_more, true);
      const root = messages[2]!;
      const replies = [
        await world.sent(general, bob, { threadId: root.id }),
        await world.sent(general, ada, { threadId: root.id }),
        await world.sent(general, bob, { threadId: root.id }),
      ];
      await world.sent(general, bob, { threadId: messages[3]!.id });
      const thread = await world.store.history(general.id, { threadId: root.id, limit: 10 });
      assert.deepEqual(ids(thread.messages), ids(replies), 'a thread page holds the replies, oldest first');
      const bobInThread = await world.store.history(general.id, { threadId: root.id, sender: 'bob', limit: 10 });
      assert.deepEqual(ids(bobInThread.messages), [replies[0]!.id, replies[2]!.id]);
      const lastReplies = await world.store.history(general.id, { threadId: root.id, limit: 2 });
      assert.deepEqual(ids(lastReplies.messages), [replies[1]!.id, replies[2]!.id]);
      assert.equal(lastReplies.has_more, true);
    });
  });

  describe('recent messages and threads', () => {
    test('returns the messages of the given rooms after a time, oldest first, up to the limit', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const one = await world.room('one', [ada]);
      const two = await world.room('two', [ada]);
      const three = await world.room('three', [ada]);
      const sent: Message[] = [];
      for (const room of [one, two, three, one, two, three, one]) sent.push(await world.sent(room, ada));
      const inOneAndTwo = sent.filter((message) => message.room !== three.id);
      assert.deepEqual(
        ids(await world.store.recentMessages({ roomIds: [one.id, two.id], limit: 10 })),
        ids(inOneAndTwo),
      );
      assert.deepEqual(
        ids(await world.store.recentMessages({ roomIds: [one.id, two.id], afterTime: sent[1]!.created_at, limit: 10 })),
        ids(inOneAndTwo.slice(2)),
      );
      assert.deepEqual(
        ids(
          await world.store.recentMessages({
            roomIds: [one.id, two.id, three.id],
            afterTime: sent[0]!.created_at,
            limit: 3,
          }),
        ),
        ids(sent.slice(1, 4)),
      );
      assert.deepEqual(await world.store.recentMessages({ roomIds: [], limit: 10 }), []);
    });

    test('without afterTime returns the newest, oldest first, and before a place pages back with no tie lost', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const one = await world.room('one', [ada]);
      const two = await world.room('two', [ada]);
      const at = world.now();
      // Both rooms' messages share their times: only the room and seq order them.
      const sent: Message[] = [];
      for (let index = 0; index < 3; index++) {
        for (const room of [one, two]) sent.push(await world.sent(room, ada, { at }));
      }
      const order = [...sent].sort((a, b) =>
        a.created_at === b.created_at
          ? a.room === b.room
            ? a.seq - b.seq
            : a.room < b.room
              ? -1
              : 1
          : a.created_at < b.created_at
            ? -1
            : 1,
      );
      const roomIds = [one.id, two.id];
      const latest = await world.store.recentMessages({ roomIds, limit: 4 });
      assert.deepEqual(ids(latest), ids(order.slice(2)));
      const place = { time: latest[0]!.created_at, room: latest[0]!.room, seq: latest[0]!.seq };
      assert.deepEqual(
        ids(await world.store.recentMessages({ roomIds, before: place, limit: 4 })),
        ids(order.slice(0, 2)),
      );
      const byTime = await world.store.recentMessages({ roomIds, before: { time: order[1]!.created_at }, limit: 4 });
      assert.deepEqual(ids(byTime), ids(order.filter((message) => message.created_at < order[1]!.created_at)));
    });

    test('times strictly increase within a room: a message no later than the last is a millisecond after it', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const one = await world.room('one', [ada]);
      const two = await world.room('two', [ada]);
      const at = world.now();
      const first = await world.sent(one, ada, { at });
      const inserted = await world.send(one, ada, { at });
      assert.ok(!inserted.duplicate);
      const second = inserted.message;
      assert.equal(inserted.event.at, second.created_at, 'its log event has its time');
      const earlier = await world.sent(one, ada, { at: new Date(Date.parse(at) - 5_000).toISOString() });
      const elsewhere = await world.sent(two, ada, { at });
      const later = world.now();
      const fresh = await world.sent(one, ada, { at: later });
      assert.deepEqual(
        [first, second, earlier, elsewhere, fresh].map((message) => message.created_at),
        [at, plus(at, 1), plus(at, 2), at, later],
      );
      const stored = await world.store.history(one.id, { limit: 10 });
      assert.deepEqual(
        stored.messages.map((message) => message.created_at),
        [at, plus(at, 1), plus(at, 2), later],
      );
    });

    test('with deliveredTo returns only the messages whose wake includes that agent', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      // One id is a prefix of the other: matching must be exact.
      const alpha = await world.member('alpha', 'agent');
      const alpha2 = await world.member('alpha2', 'agent');
      const general = await world.room('general', [ada, alpha, alpha2], { agent_depth_limit: 1 });
      const toAlpha = await world.sent(general, ada, { mentions: [alpha], wake: [alpha] });
      const toAlpha2Only = await world.sent(general, ada, { mentions: [alpha2], wake: [alpha2] });
      const toNobody = await world.sent(general, ada, { content: 'nobody' });
      const toBoth = await world.sent(general, ada, { mentionAll: true, wake: [alpha, alpha2] });
      const fromAgent = await world.sent(general, alpha2, { mentions: [alpha], wake: [alpha] });
      // Past the depth limit a message wakes nobody, whatever the core asked for.
      const pastLimit = await world.sent(general, alpha2, { mentions: [alpha], wake: [alpha] });
      assert.equal(pastLimit.depth, 2);
      assert.deepEqual(await world.store.messageAudience(pastLimit.id), {
        message: pastLimit,
        senderId: alpha2.id,
        wake: [],
        quiet: true,
      });
      const reaction = await world.store.addReaction(pastLimit.id, 'ada', '👀', {
        ...world.draft('reaction.added', ada),
        agents: [alpha2.id],
        quiet: true,
      });
      assert.equal(reaction?.quiet, true, 'an event drafted quiet is stored quiet');
      const listenerView = await world.store.events(general.id, reaction!.seq - 1, 10, {
        kind: 'agent',
        agentId: alpha.id,
        handle: alpha.handle,
        listen: 'all',
      });
      assert.deepEqual(listenerView, [], 'an agent listening to all does not get a quiet event');
      const delivered = await world.store.recentMessages({
        roomIds: [general.id],
        deliveredTo: { agentId: alpha.id, listensToAll: [] },
        limit: 10,
      });
      assert.deepEqual(ids(delivered), [toAlpha.id, toBoth.id, fromAgent.id]);
      const toAlpha2 = await world.store.recentMessages({
        roomIds: [general.id],
        deliveredTo: { agentId: alpha2.id, listensToAll: [] },
        limit: 10,
      });
      assert.deepEqual(ids(toAlpha2), [toAlpha2Only.id, toBoth.id]);
      // Listening to all of a room: every message there but its own and those past the depth limit.
      const listening = await world.store.recentMessages({
        roomIds: [general.id],
        deliveredTo: { agentId: alpha.id, listensToAll: [general.id] },
        limit: 10,
      });
      assert.deepEqual(ids(listening), [toAlpha.id, toAlpha2Only.id, toNobody.id, toBoth.id, fromAgent.id]);
    });

    test('lists the agents that wrote a thread root or a reply in it, once each', async (t) => {
      const world = await open(t);
      const ada = await world.member('ada');
      const alpha = await world.member('alpha', 'agent');
      const beta = await world.member('beta', 'agent');
      const gamma = await world.member('gamma', 'agent');
      const general = await world.room('general', [ada, alpha, beta, gamma]);
      const root = await world.sent(general, alpha);
      await world.sent(general, ada, { threadId: root.id });
      await world.sent(general, beta, { threadId: root.id });
      await world.sent(general, beta, { threadId: root.id });
      const otherRoot = await world.sent(general, ada);
      await world.sent(general, gamma, { threadId: otherRoot.id });
      assert.deepEqual(sorted(await world.store.threadAgents(root.id)), sorted([alpha.id, beta.id]));
      assert.deepEqual(await world.store.threadAgents(otherRoot.id), [gamma.id]);
      assert.deepEqual(await world.store.threadAgents('msg_missing'), []);
    });
  });
}

function plus(time: string, ms: number): string {
  return new Date(Date.parse(time) + ms).toISOString();
}
