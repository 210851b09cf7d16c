/**
 * The message insert on PostgreSQL, in two round trips: the first locks the room's row (and finds a
 * repeated client_id, which a concurrent instance has committed by the time the lock is ours);
 * holding the lock, the next seq is known, so the second writes the room, message, addressees,
 * thread and event in one statement.
 */
import { INSERT_EVENT } from '../sql/log.js';
import { BUMP_THREAD, INSERT_MESSAGE, SET_ROOM_COUNTERS, type MessagesDialect } from '../sql/messages.js';
import type { Row } from '../sql/records.js';
import { changes, row } from '../sql/step.js';

const WRITE_INSERT = `WITH room AS (${SET_ROOM_COUNTERS}),
  message AS (${INSERT_MESSAGE}),
  addressed AS (INSERT INTO message_addressees (member_id, room_id, seq)
    SELECT unnest(@addressed::text[]), @room_id, @seq ON CONFLICT DO NOTHING),
  thread AS (${BUMP_THREAD})
  ${INSERT_EVENT}`;

export const pgMessages: MessagesDialect = {
  *roomForInsert(input) {
    const room = yield* row(
      `SELECT r.agent_chain, r.agent_depth_limit, r.last_seq,
         (SELECT to_jsonb(m) FROM messages m WHERE m.sender_id = @sender_id AND m.client_id = @client_id) AS existing
       FROM rooms r WHERE r.id = @room_id FOR UPDATE OF r`,
      input,
    );
    return { room, existing: (room?.existing as Row | null | undefined) ?? undefined };
  },

  *writeInsert(params) {
    yield* changes(WRITE_INSERT, params);
  },
};
