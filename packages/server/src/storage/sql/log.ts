/**
 * The room log: events appended under the room's next seq, in the transaction of the change they
 * record, and read back through the delivery rule.
 */
import { TABLE_BY_NAME } from '../../core/dump.js';
import { HubError } from '../../core/hub-error.js';
import type { EventDraft, LogStore, LogViewer, StoredEvent } from '../../core/ports.js';
import { decode, json, type Dialect } from './dialect.js';
import type { Row } from './records.js';
import { changes, row, rows, type Params, type SqlDriver, type Step } from './step.js';

const EVENTS = TABLE_BY_NAME.get('events')!;

/** Its parameters are `eventParams`; the message insert binds them beside the message's. */
export const INSERT_EVENT = `INSERT INTO events (room_id, seq, kind, at, actor, data, agents, quiet)
  VALUES (@room_id, @seq, @kind, @at, @actor, @data, @agents, @quiet)`;

/** The room's row lock, where the database has one, orders concurrent appends: seqs stay gap-free. */
const NEXT_SEQ = 'UPDATE rooms SET last_seq = last_seq + 1 WHERE id = @room RETURNING last_seq';

export function storedEvent(room: string, seq: number, at: string, draft: EventDraft, quiet: boolean): StoredEvent {
  const { kind, actor, data, agents } = draft;
  // Only the fields of an event (a decoded row has more); kind and data come from one draft, so they agree.
  return { room, seq, kind, at, actor, data, agents, quiet } as StoredEvent;
}

/** INSERT_EVENT's parameters, set on `params`: a message's insert holds its own already, of the same room, seq and quietness. */
export function eventParams(d: Dialect, event: StoredEvent, params: Params = {}): Params {
  params.room_id = event.room;
  params.seq = event.seq;
  params.kind = event.kind;
  params.at = event.at;
  params.actor = event.actor;
  params.data = JSON.stringify(event.data);
  params.agents = json(event.agents);
  params.quiet = d.bool(event.quiet);
  return params;
}

export function* appendEvent(d: Dialect, roomId: string, draft: EventDraft): Step<StoredEvent> {
  const room = yield* row(NEXT_SEQ, { room: roomId });
  if (!room) throw new HubError('room_not_found');
  const event = storedEvent(roomId, Number(room.last_seq), draft.at, draft, draft.quiet ?? false);
  yield* changes(INSERT_EVENT, eventParams(d, event));
  return event;
}

/** A decoded events row: its columns carry the draft's fields under the same names. */
function toEvent(event: Row): StoredEvent {
  const draft = event as unknown as EventDraft;
  return storedEvent(event.room_id as string, Number(event.seq), draft.at, draft, event.quiet === true);
}

export function logStore(db: SqlDriver, d: Dialect): LogStore {
  return {
    events: (roomId, after, limit, viewer) => db.read(events, d, roomId, after, limit, viewer),
  };
}

function* events(d: Dialect, roomId: string, after: number, limit: number, viewer: LogViewer): Step<StoredEvent[]> {
  const params: Params = { room: roomId, after, limit };
  let filter = '';
  if (viewer.kind === 'agent') {
    // The delivery rule of core/delivery.ts `receives`, in SQL.
    params.handle = viewer.handle;
    const listed = d.holdsId('agents', 'agent', viewer.agentId, params);
    const woken = viewer.listen === 'all' ? `(NOT quiet OR ${listed})` : listed;
    filter = `AND (agents IS NULL OR (NOT (kind = 'message.created' AND actor = @handle) AND ${woken}))`;
  }
  const found = yield* rows(
    `SELECT * FROM events WHERE room_id = @room AND seq > @after ${filter} ORDER BY seq LIMIT @limit`,
    params,
  );
  return found.map((event) => toEvent(decode(d, EVENTS, event)));
}
