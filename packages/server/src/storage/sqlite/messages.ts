/** The message insert on SQLite: one writer at a time, so the room needs no lock, and a statement for each step. */
import { INSERT_EVENT } from '../sql/log.js';
import {
  BUMP_THREAD,
  INSERT_MESSAGE,
  LAST_MESSAGE_AT,
  MESSAGE_BY_CLIENT_ID,
  SET_ROOM_COUNTERS,
  type MessagesDialect,
} from '../sql/messages.js';
import { INSERT_RECEIPT } from '../sql/receipts.js';
import type { TrackedMember } from '../../core/ports.js';
import { changes, row } from '../sql/step.js';

const INSERT_ADDRESSEE =
  'INSERT OR IGNORE INTO message_addressees (member_id, room_id, seq) VALUES (@member_id, @room_id, @seq)';

export const sqliteMessages: MessagesDialect = {
  *roomForInsert(input) {
    const existing = input.client_id === null ? undefined : yield* row(MESSAGE_BY_CLIENT_ID, input);
    if (existing) return { room: undefined, existing };
    const room = yield* row(
      `SELECT agent_chain, agent_depth_limit, last_seq, ${LAST_MESSAGE_AT} FROM rooms WHERE id = @room_id`,
      input,
    );
    return { room, existing: undefined };
  },

  *writeInsert(params) {
    yield* changes(SET_ROOM_COUNTERS, params);
    yield* changes(INSERT_MESSAGE, params);
    for (const member_id of params.addressed as string[]) {
      yield* changes(INSERT_ADDRESSEE, { member_id, room_id: params.room_id, seq: params.seq });
    }
    const { room_id, seq, id, sender_id, thread_key, created_at } = params;
    for (const tracked of params.receipts as TrackedMember[]) {
      // Only what the statement binds: a copy of the whole message per receipt was a tenth of its cost.
      yield* changes(INSERT_RECEIPT, { ...tracked, room_id, seq, id, sender_id, thread_key, created_at });
    }
    if (params.thread_id) yield* changes(BUMP_THREAD, params);
    yield* changes(INSERT_EVENT, params);
  },
};
