/** The mailbox: inbox cursors beside the read cursors of room_members, and the messages a member sent. */
import type { Message, RoomKind } from '@roundtable/protocol';
import type { InboxRoom, MailboxStore, SentQuery } from '../../core/ports.js';
import type { Dialect } from './dialect.js';
import { messagesOf } from './messages.js';
import { changes, row, rows, type Params, type SqlDriver, type Step } from './step.js';

const INBOX_ROOMS = `SELECT r.id, r.kind, r.last_seq, m.inbox_seq FROM room_members m JOIN rooms r ON r.id = m.room_id
  WHERE m.member_id = @member AND r.deleted_at IS NULL ORDER BY r.id`;
const INBOX_CURSOR = 'SELECT inbox_seq FROM room_members WHERE room_id = @room AND member_id = @member';

export function mailboxStore(db: SqlDriver, d: Dialect): MailboxStore {
  return {
    inboxRooms: (memberId) => db.read(inboxRooms, memberId),
    advanceInbox: (roomId, memberId, seq) => db.write(advanceInbox, d, roomId, memberId, seq),
    sentMessages: (query) => db.read(sentMessages, d, query),
  };
}

function* inboxRooms(memberId: string): Step<InboxRoom[]> {
  const found = yield* rows(INBOX_ROOMS, { member: memberId });
  return found.map((stored) => ({
    room_id: stored.id as string,
    kind: stored.kind as RoomKind,
    last_seq: Number(stored.last_seq),
    inbox_seq: Number(stored.inbox_seq),
  }));
}

function* advanceInbox(d: Dialect, roomId: string, memberId: string, seq: number): Step<number | undefined> {
  yield* changes(
    `UPDATE room_members SET inbox_seq = ${d.least('@seq', '(SELECT last_seq FROM rooms WHERE id = @room)')}
     WHERE room_id = @room AND member_id = @member AND inbox_seq < @seq`,
    { room: roomId, member: memberId, seq },
  );
  const stored = yield* row(INBOX_CURSOR, { room: roomId, member: memberId });
  return stored ? Number(stored.inbox_seq) : undefined;
}

function* sentMessages(d: Dialect, query: SentQuery): Step<Message[]> {
  if (query.roomIds.length === 0) return [];
  const params: Params = { sender: query.senderId, limit: query.limit };
  const where = ['sender_id = @sender', 'deleted_at IS NULL', d.anyOf('room_id', 'rooms', query.roomIds, params)];
  if (query.after) {
    Object.assign(params, { at: query.after.created_at, room: query.after.room_id, seq: query.after.seq });
    where.push('(created_at > @at OR (created_at = @at AND (room_id > @room OR (room_id = @room AND seq > @seq))))');
  }
  const order = query.after ? 'created_at, room_id, seq' : 'created_at DESC, room_id DESC, seq DESC';
  const found = yield* rows(
    `SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit`,
    params,
  );
  if (!query.after) found.reverse();
  return yield* messagesOf(d, found);
}
