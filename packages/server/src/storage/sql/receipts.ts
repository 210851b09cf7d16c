/**
 * Receipts: stored with their message (the dialects' message insert writes them), then moved
 * forward by one UPDATE each, which only ever sets a time that was still unset.
 */
import type { ActedQuery, Delivery, ReceiptRecord, ReceiptsStore } from '../../core/ports.js';
import type { Dialect } from './dialect.js';
import type { Row } from './records.js';
import { row, rows, type Params, type SqlDriver, type Step } from './step.js';

export const RECEIPT_COLUMNS =
  'room_id, seq, member_id, message_id, member, member_kind, sender_id, thread_key, state, stored_at';

/**
 * One receipt of the message being inserted, for SQLite's statement-per-row insert. Keyed by the
 * message's place in its room, so rows are appended in order rather than spread over the table.
 */
export const INSERT_RECEIPT = `INSERT OR IGNORE INTO message_receipts (${RECEIPT_COLUMNS})
  VALUES (@room_id, @seq, @member_id, @id, @member, @member_kind, @sender_id, @thread_key, 'stored', @created_at)`;

// The state never moves back: a later step keeps an earlier one's time, and `acted` stays `acted`.
const DELIVERED = `UPDATE message_receipts
  SET delivered_at = @at, state = CASE WHEN state = 'stored' THEN 'delivered' ELSE state END
  WHERE room_id = @room AND member_id = @member AND delivered_at IS NULL AND`;
const READ = `UPDATE message_receipts
  SET read_at = @at, delivered_at = COALESCE(delivered_at, @at), state = CASE WHEN state = 'acted' THEN state ELSE 'read' END
  WHERE room_id = @room AND seq > @from AND seq <= @seq AND member_id = @member AND read_at IS NULL RETURNING *`;
const ACTED = `UPDATE message_receipts
  SET acted_at = @at, delivered_at = COALESCE(delivered_at, @at), state = 'acted'
  WHERE member_id = @member AND room_id = @room AND seq < @seq AND acted_at IS NULL AND stored_at >= @since`;

const OPEN = `SELECT 1 AS open FROM message_receipts
  WHERE member_id = @member AND room_id = @room AND acted_at IS NULL AND stored_at >= @since LIMIT 1`;

export function receiptsStore(db: SqlDriver, d: Dialect): ReceiptsStore {
  return {
    receiptsOf: (messageIds) => (messageIds.length === 0 ? Promise.resolve([]) : db.read(receiptsOf, d, messageIds)),
    markDelivered: (deliveries, at) => {
      const some = deliveries.filter((delivery) => delivery.seqs.length > 0);
      return some.length === 0 ? Promise.resolve([]) : db.write(markDelivered, d, some, at);
    },
    markReadUpTo: (roomId, memberId, from, seq, at) => db.write(markReadUpTo, roomId, memberId, from, seq, at),
    markActed: (query) => db.write(markActed, d, query),
    hasOpenReceipts: async (roomId, memberId, since) =>
      (await db.read(row, OPEN, { room: roomId, member: memberId, since })) !== undefined,
  };
}

function* receiptsOf(d: Dialect, messageIds: string[]): Step<ReceiptRecord[]> {
  const params: Params = {};
  const found = yield* rows(
    `SELECT r.* FROM messages m JOIN message_receipts r ON r.room_id = m.room_id AND r.seq = m.seq
     WHERE ${d.anyOf('m.id', 'ids', messageIds, params)}
     ORDER BY r.room_id, r.seq, CASE WHEN r.member_kind = 'agent' THEN 0 ELSE 1 END, r.member`,
    params,
  );
  return found.map(toReceipt);
}

/** One statement per member and room, in one write: a batch of deliveries shares its transaction. */
function* markDelivered(d: Dialect, deliveries: Delivery[], at: string): Step<ReceiptRecord[]> {
  const moved: ReceiptRecord[] = [];
  for (const { memberId, roomId, seqs } of deliveries) {
    const params: Params = { member: memberId, room: roomId, at };
    const found = yield* rows(`${DELIVERED} ${d.anyOf('seq', 'seqs', seqs, params)} RETURNING *`, params);
    for (const stored of found) moved.push(toReceipt(stored));
  }
  return moved;
}

function* markReadUpTo(roomId: string, memberId: string, from: number, seq: number, at: string): Step<ReceiptRecord[]> {
  return (yield* rows(READ, { member: memberId, room: roomId, from, seq, at })).map(toReceipt);
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
  if (query.threadKey !== null) ways.push('thread_key = @thread');
  if (query.senders.length > 0) ways.push(d.anyOf('sender_id', 'senders', query.senders, params));
  if (ways.length === 0) return [];
  return (yield* rows(`${ACTED} AND (${ways.join(' OR ')}) RETURNING *`, params)).map(toReceipt);
}

function toReceipt(stored: Row): ReceiptRecord {
  return {
    message_id: stored.message_id as string,
    room_id: stored.room_id as string,
    seq: Number(stored.seq),
    member_id: stored.member_id as string,
    member: stored.member as string,
    member_kind: stored.member_kind as ReceiptRecord['member_kind'],
    sender_id: stored.sender_id as string,
    thread_key: stored.thread_key as string,
    state: stored.state as ReceiptRecord['state'],
    stored_at: stored.stored_at as string,
    delivered_at: (stored.delivered_at as string | null) ?? null,
    read_at: (stored.read_at as string | null) ?? null,
    acted_at: (stored.acted_at as string | null) ?? null,
  };
}
