/** Plain values for the store's reducer tests: messages, rooms and members with only the fields a test cares about set. */
import type { EventFrame, EventKind, Member, Message, RoomSummary, Task } from '@roundtable/protocol';
import type { Outgoing } from '../src/session.js';
import { initialState, reduce, type Action, type ChatState } from '../src/store/state.js';

export function member(handle: string): Member {
  return {
    id: `m_${handle}`,
    handle,
    display_name: handle,
    kind: 'person',
    role: 'member',
    description: '',
    capabilities: [],
    disabled: false,
    created_at: '2025-01-01T00:00:00.000Z',
  };
}

export function message(fields: Partial<Message> & Pick<Message, 'id' | 'seq'>): Message {
  return {
    room: 'general',
    sender: 'bob',
    sender_kind: 'person',
    content: `message ${fields.id}`,
    mentions: [],
    targets: [],
    mention_all: false,
    thread_id: null,
    depth: 0,
    status: 'complete',
    parts: [],
    metadata: {},
    client_id: null,
    created_at: `2025-01-01T00:00:${String(fields.seq).padStart(2, '0')}.000Z`,
    edited_at: null,
    deleted: false,
    reactions: [],
    reply_count: 0,
    last_reply_at: null,
    ...fields,
  };
}

export function room(fields: Partial<RoomSummary> & Pick<RoomSummary, 'id'>): RoomSummary {
  return {
    name: fields.id,
    kind: 'public',
    topic: '',
    created_by: 'ada',
    created_at: '2025-01-01T00:00:00.000Z',
    archived: false,
    last_seq: 0,
    agent_depth_limit: 3,
    member_count: 2,
    read_seq: 0,
    unread: 0,
    mentions: 0,
    notify: 'all',
    listen: 'addressed',
    ...fields,
  };
}

export function task(id: string, version: number, fields: Partial<Task> = {}): Task {
  return { id, version, title: `task ${id}`, status: 'pending', room: 'general', ...fields } as Task;
}

export function outgoing(clientId: string, fields: Partial<Outgoing> = {}): Outgoing {
  return {
    client_id: clientId,
    member: 'ada',
    room: 'general',
    content: `sent as ${clientId}`,
    created_at: '2025-01-01T00:00:00.000Z',
    ...fields,
  };
}

/** The state after each action in turn, from a fresh page's state. */
export function after(actions: Action[], outbox: Outgoing[] = []): ChatState {
  return actions.reduce(reduce, initialState(outbox));
}

/** A page signed in as ada with `rooms`, nobody watching any of them. */
export function signedIn(rooms: RoomSummary[], more: Action[] = [], outbox: Outgoing[] = []): ChatState {
  return after([{ type: 'ready', me: member('ada'), rooms, watched: undefined }, ...more], outbox);
}

/** The state of ada's page with #general open and its (empty) first page loaded. */
export function inGeneral(more: Action[] = [], generalFields: Partial<RoomSummary> = {}): ChatState {
  return signedIn(
    [room({ id: 'general', ...generalFields })],
    [
      { type: 'room.opened', room: 'general' },
      { type: 'history.loaded', room: 'general', messages: [], hasMore: false, readAtOpen: 0 },
      ...more,
    ],
  );
}

/**
 * An event of #general's log, as the SDK hands it over. Its data is whatever the test gives, well
 * formed or not (stored data is untrusted), so it is not held to the kind's declared shape.
 */
export function event(kind: EventKind, data: Record<string, unknown>, seq = 1): EventFrame {
  return {
    type: 'event',
    room: 'general',
    seq,
    kind,
    at: '2025-01-01T00:00:00.000Z',
    actor: 'bob',
    data,
  } as EventFrame;
}

export function seqs(messages: Message[] | undefined): number[] {
  return (messages ?? []).map((item) => item.seq);
}
