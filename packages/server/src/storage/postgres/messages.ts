/**
 * The message insert on PostgreSQL, in two round trips: the first locks the room's row (and finds a
 * repeated client_id, which a concurrent instance has committed by the time the lock is ours);
 * holding the lock, the next seq is known, so the second writes the room, message, addressees,
 * thread and event in one statement.
 */
import { INSERT_EVENT } from '../sql/log.js';
import {
  BUMP_THREAD,
  INSERT_MESSAGE,
  LAST_MESSAGE_AT,
  SET_ROOM_COUNTERS,
  type MessagesDialect,
} from '../sql/messages.js';
import { RECEIPT_COLUMNS } from '../sql/receipts.js';
import type { TrackedMember } from '../../core/ports.js';
import type { Row } from '../sql/records.js';
import { changes, row } from '../sql/step.js';

const writeInsert = (receipts: string) => `WITH room AS (${SET_ROOM_COUNTERS}),
  message AS (${INSERT_MESSAGE}),
  addressed AS (INSERT INTO message_addressees (member_id, room_id, seq)
    SELECT unnest(@addressed::text[]), @room_id, @seq ON CONFLICT DO NOTHING),${receipts}
  thread AS (${BUMP_THREAD})
  ${INSERT_EVENT}`;

// Most messages keep no receipt: they run the statement without that part rather than pay for an empty one.
const WRITE_INSERT = writeInsert('');
const WRITE_INSERT_WITH_RECEIPTS = writeInsert(`
  receipts AS (INSERT INTO message_receipts (${RECEIPT_COLUMNS})
    SELECT @room_id, @seq, r.member_id, @id, r.member, r.member_kind, @sender_id, @thread_key, 'stored', @created_at
    FROM unnest(@receipt_ids::text[], @receipt_handles::text[], @receipt_kinds::text[]) AS r(member_id, member, member_kind)
    ON CONFLICT DO NOTHING),`);

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
    const receipts = params.receipts as TrackedMember[];
    if (receipts.length === 0) {
      yield* changes(WRITE_INSERT, params);
      return;
    }
    yield* changes(WRITE_INSERT_WITH_RECEIPTS, {
      ...params,
      receipt_ids: receipts.map((tracked) => tracked.member_id),
      receipt_handles: receipts.map((tracked) => tracked.member),
      receipt_kinds: receipts.map((tracked) => tracked.member_kind),
    });
  },
};
