/**
 * Receipts live in the rows of `message_addressees`: a message's insert writes one row per member it
 * names or keeps a receipt for (`tracked`), lists the latter on its own row (`receipt_members`, so a
 * message's receipts are found by key), and each step is then one UPDATE of those rows that sets a
 * time still unset. The message and the member are joined in when a receipt is read: a row of its
 * own, copying them, held ingest of mentioning messages at 0.74× plain ones, this at 0.86× (bench/README.md).
 */
import type {
  ActedQuery,
  DeliveredReceipt,
  Delivery,
  ReceiptRecord,
  ReceiptsStore,
  TrackedMember,
} from '../../core/ports.js';
import type { Dialect } from './dialect.js';
import type { Row } from './records.js';
import { row, rows, type Params, type SqlDriver, type Step } from './step.js';

/**
 * A reply acts on at most this many of the latest messages addressed to its sender in the room (and
 * only those of the last week): the bound of its scan, which no index of open receipts has to keep.
 */
export const ACT_SCAN = 200;

/** One row of `message_addressees` as an insert writes it. */
export interface AddresseeRow {
  member_id: string;
  /** Named by a mention or a target: counts as a mention in the room's unread counts. */
  mentioned: boolean;
  /** Keeps a receipt. */
  tracked: boolean;
}

/** The rows a message's insert writes: those it names, and those it keeps a receipt for, once each. */
export function addresseeRows(addressed: readonly string[], receipts: readonly TrackedMember[]): AddresseeRow[] {
  const byMember = new Map<string, AddresseeRow>();
  for (const member_id of addressed) byMember.set(member_id, { member_id, mentioned: true, tracked: false });
  for (const { member_id } of receipts) {
    const named = byMember.get(member_id);
    if (named) named.tracked = true;
    else byMember.set(member_id, { member_id, mentioned: false, tracked: true });
  }
  return [...byMember.values()];
}

/** Receipts, with their message `m` and member `u`; `from` picks the rows `a`. */
const receipts = (from: string) => `SELECT a.room_id, a.seq, a.member_id, a.delivered_at, a.read_at, a.acted_at,
    m.id AS message_id, m.sender_id, COALESCE(m.thread_id, m.id) AS thread_key, m.created_at AS stored_at,
    u.handle AS member, u.kind AS member_kind
  FROM ${from} JOIN members u ON u.id = a.member_id
  WHERE a.tracked AND`;
/** By member and room: the rows' own key. */
const BY_MEMBER = receipts('message_addressees a JOIN messages m ON m.room_id = a.room_id AND m.seq = a.seq');

// The state never moves back: a later step keeps an earlier one's time.
/** Those of the rows `keys` selects (member, room and seq) not delivered yet. */
const delivered = (keys: string) => `UPDATE message_addressees SET delivered_at = @at
  WHERE (member_id, room_id, seq) IN (${keys}) AND tracked AND delivered_at IS NULL
  RETURNING member_id, room_id, seq, (SELECT m.sender_id FROM messages m
    WHERE m.room_id = message_addressees.room_id AND m.seq = message_addressees.seq) AS sender_id`;
const READ = `UPDATE message_addressees SET read_at = @at, delivered_at = COALESCE(delivered_at, @at)
  WHERE member_id = @member AND room_id = @room AND seq > @from AND seq <= @seq AND tracked AND read_at IS NULL
  RETURNING seq`;

/** Above every seq: the largest a PostgreSQL integer column compares with. */
const ANY_SEQ = 2 ** 31 - 1;

/** The seq a scan for open receipts stays above: that of the member's row in the room just past the latest ACT_SCAN. */
const SCAN_FLOOR = `COALESCE((SELECT seq FROM message_addressees WHERE member_id = @member AND room_id = @room
  AND seq < @seq ORDER BY seq DESC LIMIT 1 OFFSET ${ACT_SCAN}), -1)`;

/** The member's receipts in the room not acted on yet, among those a scan looks at; `ways` picks among them by their message `m`. */
const open = (ways: string) => `member_id = @member AND room_id = @room AND seq < @seq AND seq > ${SCAN_FLOOR}
  AND tracked AND acted_at IS NULL
  AND EXISTS (SELECT 1 FROM messages m WHERE m.room_id = @room AND m.seq = message_addressees.seq
    AND m.created_at >= @since AND (${ways}))`;

export function receiptsStore(db: SqlDriver, d: Dialect): ReceiptsStore {
  return {
    receiptsOf: (messageIds) => (messageIds.length === 0 ? Promise.resolve([]) : db.read(receiptsOf, d, messageIds)),
    markDelivered: (deliveries, at) => {
      const some = deliveries.filter((delivery) => delivery.seqs.length > 0);
      return some.length === 0 ? Promise.resolve([]) : db.write(markDelivered, d, some, at);
    },
    markReadUpTo: (roomId, memberId, from, seq, at) => db.write(markReadUpTo, d, roomId, memberId, from, seq, at),
    markActed: (query) => db.write(markActed, d, query),
    hasOpenReceipts: async (roomId, memberId, since) =>
      (await db.read(row, `SELECT 1 AS open FROM message_addressees WHERE ${open('1 = 1')} LIMIT 1`, {
        member: memberId,
        room: roomId,
        since,
        seq: ANY_SEQ,
      })) !== undefined,
  };
}

/** By message: each names the members it keeps receipts for, whose rows are then found by their key. */
function* receiptsOf(d: Dialect, messageIds: string[]): Step<ReceiptRecord[]> {
  const params: Params = {};
  const byMessage = receipts(`messages m CROSS JOIN ${d.elements('m.receipt_members', 't')}
    JOIN message_addressees a ON a.member_id = t.value AND a.room_id = m.room_id AND a.seq = m.seq`);
  const found = yield* rows(
    `${byMessage} ${d.anyOf('m.id', 'ids', messageIds, params)}
     ORDER BY a.room_id, a.seq, CASE WHEN u.kind = 'agent' THEN 0 ELSE 1 END, u.handle`,
    params,
  );
  return found.map(toReceipt);
}

/** Values a statement lists at most: SQLite binds each seq of a list, and takes 32,766 variables. */
const AT_ONCE = 1_000;

function* inChunks<T>(values: T[]): Generator<T[]> {
  for (let start = 0; start < values.length; start += AT_ONCE) yield values.slice(start, start + AT_ONCE);
}

/** The receipts of one member in one room at these seqs, as they are now: what a step moved. */
function* moved(d: Dialect, memberId: string, roomId: string, seqs: number[]): Step<ReceiptRecord[]> {
  const all: ReceiptRecord[] = [];
  for (const chunk of inChunks(seqs)) {
    const params: Params = { member: memberId, room: roomId };
    const some = d.anyOf('a.seq', 'seqs', chunk, params);
    const found = yield* rows(
      `${BY_MEMBER} a.member_id = @member AND a.room_id = @room AND ${some} ORDER BY a.seq`,
      params,
    );
    for (const stored of found) all.push(toReceipt(stored));
  }
  return all;
}

const seqsOf = (found: Row[]) => found.map((stored) => Number(stored.seq));

/**
 * One statement for the whole batch, whatever members and rooms it spans: the deliveries gathered
 * meanwhile share a statement as they share a write. Each moved row brings its sender along, the one
 * thing its caller lacks (joining the message and the member back for every delivery was a fifth of
 * a receipt's cost).
 */
function* markDelivered(d: Dialect, deliveries: Delivery[], at: string): Step<DeliveredReceipt[]> {
  const keys = deliveries.flatMap(({ memberId, roomId, seqs }) => seqs.map((seq) => [memberId, roomId, seq]));
  const all: DeliveredReceipt[] = [];
  for (const chunk of inChunks(keys)) {
    const params: Params = { at };
    const found = yield* rows(delivered(d.tuples('keys', ['text', 'text', 'integer'], chunk, params)), params);
    for (const stored of found) {
      all.push({
        memberId: stored.member_id as string,
        roomId: stored.room_id as string,
        seq: Number(stored.seq),
        senderId: stored.sender_id as string,
      });
    }
  }
  return all;
}

function* markReadUpTo(
  d: Dialect,
  roomId: string,
  memberId: string,
  from: number,
  seq: number,
  at: string,
): Step<ReceiptRecord[]> {
  const found = yield* rows(READ, { member: memberId, room: roomId, from, seq, at });
  return yield* moved(d, memberId, roomId, seqsOf(found));
}

function* markActed(d: Dialect, query: ActedQuery): Step<ReceiptRecord[]> {
  const params: Params = {
    member: query.memberId,
    room: query.roomId,
    seq: query.beforeSeq,
    since: query.since,
    at: query.at,
    thread: query.threadKey,
  };
  const ways: string[] = [];
  if (query.anyInRoom) ways.push('1 = 1');
  if (query.threadKey !== null) ways.push('COALESCE(m.thread_id, m.id) = @thread');
  if (query.senders.length > 0) ways.push(d.anyOf('m.sender_id', 'senders', query.senders, params));
  if (ways.length === 0) return [];
  const found = yield* rows(
    `UPDATE message_addressees SET acted_at = @at, delivered_at = COALESCE(delivered_at, @at)
     WHERE ${open(ways.join(' OR '))} RETURNING seq`,
    params,
  );
  return yield* moved(d, query.memberId, query.roomId, seqsOf(found));
}

function toReceipt(stored: Row): ReceiptRecord {
  const delivered_at = (stored.delivered_at as string | null) ?? null;
  const read_at = (stored.read_at as string | null) ?? null;
  const acted_at = (stored.acted_at as string | null) ?? null;
  return {
    message_id: stored.message_id as string,
    room_id: stored.room_id as string,
    seq: Number(stored.seq),
    member_id: stored.member_id as string,
    member: stored.member as string,
    member_kind: stored.member_kind as ReceiptRecord['member_kind'],
    sender_id: stored.sender_id as string,
    thread_key: stored.thread_key as string,
    // Each step keeps the times of those before it, so the latest one set is the state.
    state: acted_at ? 'acted' : read_at ? 'read' : delivered_at ? 'delivered' : 'stored',
    stored_at: stored.stored_at as string,
    delivered_at,
    read_at,
    acted_at,
  };
}
