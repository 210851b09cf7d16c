/**
 * The log slice of the Store: each room's ordered events, the source of truth the hub replays to
 * clients and other instances. Every other slice that changes a room appends to it.
 */
import type { EventDataMap, EventKind, ListenMode } from '@roundtable/protocol';

/**
 * What the core asks the store to append to a room's log. The store assigns `seq` and `at`.
 * `agents` null means every member of the room receives the event; otherwise only people and
 * the listed agents (plus agents listening to `all`, unless the event is `quiet`).
 */
export type EventDraft = {
  [K in EventKind]: {
    kind: K;
    actor: string;
    at: string;
    data: EventDataMap[K];
    agents: string[] | null;
    /** Events about a message sent past the depth limit stay as quiet as the message. */
    quiet?: boolean;
  };
}[EventKind];

/** An event of a room's log, its data typed by its kind. */
export type StoredEvent = {
  [K in EventKind]: {
    room: string;
    seq: number;
    kind: K;
    at: string;
    actor: string;
    data: EventDataMap[K];
    agents: string[] | null;
    /** Past the room's agent depth limit: no agent is woken, whatever its listen mode. */
    quiet: boolean;
  };
}[EventKind];

/** The stored event of one kind. */
export type StoredEventOf<K extends EventKind> = Extract<StoredEvent, { kind: K }>;

/** Whose view of a room's log: people see everything, agents what the delivery rule gives them. */
export type LogViewer = { kind: 'all' } | { kind: 'agent'; agentId: string; handle: string; listen: ListenMode };

export interface LogStore {
  events(roomId: string, after: number, limit: number, viewer: LogViewer): Promise<StoredEvent[]>;
}
