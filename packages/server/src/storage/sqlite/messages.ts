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
import type { AddresseeRow } from '../sql/receipts.js';
import { changes, row } from '../sql/step.js';

const INSERT_ADDRESSEE = `INSERT OR IGNORE INTO message_addressees (member_id, room_id, seq, mentioned, tracked)
  VALUES (@member_id, @room_id, @seq, @mentioned, @tracked)`;

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
    const { room_id, seq } = params;
    for (const { member_id, mentioned, tracked } of params.addressees as AddresseeRow[]) {
      yield* changes(INSERT_ADDRESSEE, {
        member_id,
        room_id,
        seq,
        mentioned: Number(mentioned),
        tracked: Number(tracked),
      });
    }
    if (params.thread_id) yield* changes(BUMP_THREAD, params);
    yield* changes(INSERT_EVENT, params);
  },
};
