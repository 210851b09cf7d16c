/** The Store contract for delivery receipts: stored with their message, each step once and only forward. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { MemberRecord, ReceiptRecord } from '../../../src/core/ports.js';
import { MAX_RECEIPTS_PER_MESSAGE } from '../../../src/core/receipts.js';
import { ACT_SCAN } from '../../../src/storage/sql/receipts.js';
import type { Open, World } from './world.js';

/** Two people and an agent, the cast of most of these. */
const adaBobAndBot = async (world: World) =>
  [await world.member('ada'), await world.member('bob'), await world.member('bot', 'agent')] as const;

const steps = (receipts: ReceiptRecord[]) => receipts.map((receipt) => [receipt.member, receipt.state]);

export function receiptsContract(open: Open): void {
  describe('receipts', () => {
    test('are stored with their message, agents first, and a message without any keeps none', async (t) => {
      const world = await open(t);
      const [ada, bob, bot] = await adaBobAndBot(world);
      const general = await world.room('general', [ada, bob, bot]);
      const message = await world.sent(general, ada, { mentions: [bob, bot], receipts: [bob, bot] });
      const plain = await world.sent(general, ada, {});
      const receipts = await world.store.receiptsOf([message.id]);
      assert.deepEqual(steps(receipts), [
        ['bot', 'stored'],
        ['bob', 'stored'],
      ]);
      assert.equal(receipts[0]!.stored_at, message.created_at);
      assert.equal(receipts[0]!.seq, message.seq);
      assert.equal(receipts[0]!.thread_key, message.id, 'a message outside threads starts its own');
      assert.equal(receipts[0]!.member_kind, 'agent');
      assert.deepEqual(await world.store.receiptsOf([plain.id]), []);
      const later = await world.sent(general, bob, { mentions: [ada], receipts: [ada] });
      assert.deepEqual(
        (await world.store.receiptsOf([later.id, plain.id, message.id])).map((r) => [r.message_id, r.member]),
        [
          [message.id, 'bot'],
          [message.id, 'bob'],
          [later.id, 'ada'],
        ],
        'several messages in one read, each in its place in the room',
      );
      assert.deepEqual(await world.store.receiptsOf([]), []);
    });

    test('each step is recorded once, only forward, and says what moved', async (t) => {
      const world = await open(t);
      const [ada, bot] = [await world.member('ada'), await world.member('bot', 'agent')];
      const general = await world.room('general', [ada, bot]);
      const first = await world.sent(general, ada, { receipts: [bot] });
      const second = await world.sent(general, ada, { receipts: [bot] });
      const at = world.now();
      assert.equal(await world.store.hasOpenReceipts(general.id, bot.id, first.created_at), true);

      const delivered = await world.store.markDelivered(
        [{ memberId: bot.id, roomId: general.id, seqs: [first.seq, second.seq] }],
        at,
      );
      assert.deepEqual(
        delivered.sort((a, b) => a.seq - b.seq),
        [first, second].map((message) => ({
          memberId: bot.id,
          roomId: general.id,
          seq: message.seq,
          senderId: ada.id,
        })),
        'each with the sender of its message',
      );
      assert.deepEqual(
        (await world.store.receiptsOf([first.id, second.id])).map((receipt) => [receipt.state, receipt.delivered_at]),
        [
          ['delivered', at],
          ['delivered', at],
        ],
      );
      assert.deepEqual(
        await world.store.markDelivered([{ memberId: bot.id, roomId: general.id, seqs: [first.seq] }], at),
        [],
        'a second delivery moves nothing',
      );
      assert.deepEqual(
        await world.store.markDelivered(
          [
            { memberId: ada.id, roomId: general.id, seqs: [first.seq] },
            { memberId: bot.id, roomId: general.id, seqs: [] },
          ],
          at,
        ),
        [],
        'nor does one to an untracked member, nor an empty one',
      );

      assert.deepEqual(
        await world.store.markReadUpTo(general.id, bot.id, first.seq, first.seq, at),
        [],
        'a span leaves out the seq it starts from',
      );
      const read = await world.store.markReadUpTo(general.id, bot.id, first.seq - 1, first.seq, at);
      assert.deepEqual(steps(read), [['bot', 'read']]);
      assert.equal(read[0]!.delivered_at, at, 'the delivery time is kept');
      assert.deepEqual(await world.store.markReadUpTo(general.id, bot.id, 0, first.seq, at), []);

      const acted = await world.store.markActed({
        roomId: general.id,
        memberId: bot.id,
        beforeSeq: second.seq + 1,
        threadKey: null,
        senders: [ada.id],
        anyInRoom: false,
        since: first.created_at,
        at,
      });
      assert.deepEqual(acted.map((receipt) => receipt.message_id).sort(), [first.id, second.id].sort());
      assert.ok(acted.every((receipt) => receipt.state === 'acted' && receipt.acted_at === at));
      assert.equal(await world.store.hasOpenReceipts(general.id, bot.id, first.created_at), false, 'all acted on');
      assert.equal(await world.store.hasOpenReceipts(general.id, ada.id, first.created_at), false);
      // A read after acting keeps `acted`.
      const late = await world.store.markReadUpTo(general.id, bot.id, first.seq, second.seq, at);
      assert.deepEqual(steps(late), [['bot', 'acted']]);
      assert.equal(late[0]!.read_at, at);
    });

    test('one delivery batch spans members and rooms, past the rows one statement lists', async (t) => {
      const world = await open(t);
      const [ada, bob, bot] = await adaBobAndBot(world);
      const general = await world.room('general', [ada, bob, bot]);
      const random = await world.room('random', [ada, bob, bot]);
      const toBot = await world.sent(general, ada, { receipts: [bot] });
      const toBoth = await world.sent(random, bob, { receipts: [ada, bot] });
      const many = await Promise.all(
        Array.from({ length: 1_002 }, async () => (await world.sent(general, bob, { receipts: [ada] })).seq),
      );
      const at = world.now();
      const delivered = await world.store.markDelivered(
        [
          { memberId: bot.id, roomId: general.id, seqs: [toBot.seq] },
          { memberId: bot.id, roomId: random.id, seqs: [toBoth.seq] },
          { memberId: ada.id, roomId: random.id, seqs: [toBoth.seq] },
          // toBot keeps no receipt for ada: of these, it alone moves nothing.
          { memberId: ada.id, roomId: general.id, seqs: [toBot.seq, ...many] },
        ],
        at,
      );
      const key = (d: { memberId: string; roomId: string; seq: number; senderId: string }) =>
        `${d.memberId} ${d.roomId} ${d.seq} ${d.senderId}`;
      assert.deepEqual(
        delivered.map(key).sort(),
        [
          { memberId: bot.id, roomId: general.id, seq: toBot.seq, senderId: ada.id },
          { memberId: bot.id, roomId: random.id, seq: toBoth.seq, senderId: bob.id },
          { memberId: ada.id, roomId: random.id, seq: toBoth.seq, senderId: bob.id },
          ...many.map((seq) => ({ memberId: ada.id, roomId: general.id, seq, senderId: bob.id })),
        ]
          .map(key)
          .sort(),
      );
      assert.deepEqual(
        (await world.store.receiptsOf([toBot.id, toBoth.id])).map((r) => [r.member, r.state, r.delivered_at]),
        [
          ['bot', 'delivered', at],
          ['bot', 'delivered', at],
          ['ada', 'delivered', at],
        ],
      );
    });

    test('a reply acts on what is before it in its thread, and on nothing after it or elsewhere', async (t) => {
      const world = await open(t);
      const [ada, bob, bot] = await adaBobAndBot(world);
      const general = await world.room('general', [ada, bob, bot]);
      const root = await world.sent(general, ada, { receipts: [bot] });
      const other = await world.sent(general, bob, { receipts: [bot] });
      const inThread = await world.sent(general, ada, { threadId: root.id, receipts: [bot] });
      assert.equal((await world.store.receiptsOf([inThread.id]))[0]!.thread_key, root.id);
      const reply = { roomId: general.id, memberId: bot.id, threadKey: root.id, senders: [], anyInRoom: false };
      const acted = await world.store.markActed({
        ...reply,
        beforeSeq: inThread.seq,
        since: root.created_at,
        at: world.now(),
      });
      assert.deepEqual(
        acted.map((receipt) => receipt.message_id),
        [root.id],
        'the thread root only: the reply in it came after',
      );
      assert.equal((await world.store.receiptsOf([other.id]))[0]!.state, 'stored');
      world.skipDays(8);
      const tooLate = await world.store.markActed({
        ...reply,
        beforeSeq: inThread.seq + 1,
        since: world.now(),
        at: world.now(),
      });
      assert.deepEqual(tooLate, [], 'nothing stored before `since` is acted on');
    });

    test('a reply acts on the latest messages addressed to its sender, as many as a scan reads', async (t) => {
      const world = await open(t);
      const [ada, bot] = [await world.member('ada'), await world.member('bot', 'agent')];
      const direct = await world.room('ada-bot', [ada, bot]);
      const sent = [];
      for (let i = 0; i <= ACT_SCAN; i++) sent.push(await world.sent(direct, ada, { receipts: [bot] }));
      const acted = await world.store.markActed({
        roomId: direct.id,
        memberId: bot.id,
        beforeSeq: sent.at(-1)!.seq + 1,
        threadKey: null,
        senders: [],
        anyInRoom: true,
        since: sent[0]!.created_at,
        at: world.now(),
      });
      assert.equal(acted.length, ACT_SCAN);
      assert.deepEqual(
        acted.map((receipt) => receipt.seq),
        sent.slice(1).map((message) => message.seq),
        'the oldest, past the scan, stays open',
      );
      assert.equal((await world.store.receiptsOf([sent[0]!.id]))[0]!.state, 'stored');
    });

    test('a message that mentions a member keeps its receipt on the same row, and an earlier export’s receipts restore onto it', async (t) => {
      const world = await open(t);
      const [ada, bob, cy, dan] = [
        await world.member('ada'),
        await world.member('bob'),
        await world.member('cy'),
        await world.member('dan'),
      ];
      const general = await world.room('general', [ada, bob, cy, dan]);
      const message = await world.sent(general, ada, { mentions: [bob, cy], receipts: [bob] });
      assert.deepEqual(
        steps(await world.store.receiptsOf([message.id])),
        [['bob', 'stored']],
        'cy is named, not tracked',
      );
      const at = world.now();
      const legacy = (member: string, seq: number, times: Record<string, unknown>) => ({
        table: 'message_receipts' as const,
        row: { room_id: general.id, seq, member_id: member, message_id: message.id, state: 'read', ...times },
      });
      async function* records() {
        yield legacy(bob.id, message.seq, { delivered_at: at, read_at: at, acted_at: at });
        yield legacy(cy.id, message.seq, { delivered_at: at });
        yield legacy(dan.id, message.seq, { delivered_at: at, read_at: at });
        yield legacy(dan.id, message.seq + 100, { delivered_at: at });
        yield legacy('mem_nobody', message.seq, { delivered_at: at });
      }
      assert.equal(
        await world.store.restore(records()),
        2,
        'cy’s and dan’s; bob’s is there, the fourth has no message, the fifth no member',
      );
      const restored = await world.store.receiptsOf([message.id]);
      assert.deepEqual(steps(restored), [
        ['bob', 'stored'],
        ['cy', 'delivered'],
        ['dan', 'read'],
      ]);
      assert.equal(restored[1]!.read_at, null, 'a time the row lacks is left unset');
      assert.equal(await world.store.restore(records()), 0, 'a second import writes nothing');

      const crowd: MemberRecord[] = [];
      for (let i = 0; i < MAX_RECEIPTS_PER_MESSAGE; i++) crowd.push(await world.member(`m${i}`));
      async function* many() {
        for (const member of crowd) yield legacy(member.id, message.seq, { delivered_at: at });
      }
      assert.equal(
        await world.store.restore(many()),
        MAX_RECEIPTS_PER_MESSAGE - 3,
        'an import fills a message up to the receipts a send gives it, and no further',
      );
      assert.equal((await world.store.receiptsOf([message.id])).length, MAX_RECEIPTS_PER_MESSAGE);
    });
  });
}
