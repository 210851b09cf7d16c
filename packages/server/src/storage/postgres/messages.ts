/**
 * The message insert on PostgreSQL, in two round trips: the first locks the room's row (and finds a
 * repeated client_id, which a concurrent instance has committed by the time the lock is ours);
 * holding the lock, the next seq is known, so the second writes the room, message, addressees
 * (with their receipts), thread and event in one statement. The thread's part is gated on a thread
 * id: a prepared statement's generic plan, made while the table was small, scanned a room's messages
 * by `messages_room_sender` for the id even when there was none (auto_explain, bench, 2026-12-07).
 */
import { INSERT_EVENT } from '../sql/log.js';
import {
  BUMP_THREAD,
  INSERT_MESSAGE,
  LAST_MESSAGE_AT,
  SET_ROOM_COUNTERS,
  type MessagesDialect,
} from '../sql/messages.js';
import type { AddresseeRow } from '../sql/receipts.js';
import type { Row } from '../sql/records.js';
import { changes, row } from '../sql/step.js';

const WRITE_INSERT = `WITH room AS (${SET_ROOM_COUNTERS}),
  message AS (${INSERT_MESSAGE}),
  addressed AS (INSERT INTO message_addressees (member_id, room_id, seq, mentioned, tracked)
    SELECT a.member_id, @room_id, @seq, a.mentioned, a.tracked
    FROM unnest(@addressee_ids::text[], @addressee_mentioned::boolean[], @addressee_tracked::boolean[])
      AS a(member_id, mentioned, tracked)
    ON CONFLICT DO NOTHING),
  thread AS (${BUMP_THREAD} AND @thread_id::text IS NOT NULL)
  ${INSERT_EVENT}`;

export const pgMessages: MessagesDialect = {
  *roomForInsert(input) {
    const room = yield* row(
      `SELECT r.agent_chain, r.agent_depth_limit, r.last_seq, ${LAST_MESSAGE_AT},
         (SELECT to_jsonb(m) FROM messages m WHERE m.sender_id = @sender_id AND m.client_id = @client_id) AS existing
       FROM rooms r WHERE r.id = @room_id FOR UPDATE OF r`,
      input,
    );
    return { room, existing: (room?.existing as Row | null | undefined) ?? undefined };
  },

  *writeInsert(params) {
    const addressees = params.addressees as AddresseeRow[];
    yield* changes(WRITE_INSERT, {
      ...params,
      addressee_ids: addressees.map((addressee) => addressee.member_id),
      addressee_mentioned: addressees.map((addressee) => addressee.mentioned),
      addressee_tracked: addressees.map((addressee) => addressee.tracked),
    });
  },
};
