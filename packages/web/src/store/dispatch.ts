/**
 * What the SDK hands the store, as reducer actions. Every read of an event's `data` is here: the
 * hub stores what members sent, so each field is checked once, in this file, and an event
 * without what identifies it becomes no action at all.
 */
import type {
  EventFrame,
  Message,
  PresenceFrame,
  ReadReceiptFrame,
  StreamDeltaFrame,
  StreamPartFrame,
  TaskLeaseFrame,
  TypingFrame,
} from '@roundtable/protocol';
import { num, oneOf, record, text } from '../safe.js';
import type { StatusUpdate } from './activity.js';
import type { Action } from './state.js';
import type { TaskMove } from './tasks.js';

export function eventAction(event: EventFrame): Action | undefined {
  // The event's kind types its data, but stored data is untrusted: a missing one reads as empty.
  const data = record(event.data);
  switch (event.kind) {
    case 'message.created':
    case 'message.updated': {
      const message = messageIn(event.data);
      return message && { type: event.kind, message };
    }
    case 'message.deleted': {
      const id = text(data.id);
      return id === undefined ? undefined : { type: 'message.deleted', room: event.room, id };
    }
    case 'reaction.added':
    case 'reaction.removed': {
      const [id, emoji, member] = [text(data.message_id), text(data.emoji), text(data.member)];
      if (id === undefined || emoji === undefined || member === undefined) return undefined;
      return { type: 'reaction', room: event.room, id, emoji, member, added: event.kind === 'reaction.added' };
    }
    case 'member.joined':
    case 'member.left': {
      const member = text(data.member);
      return member === undefined ? undefined : { type: event.kind, room: event.room, member };
    }
    case 'task.created':
    case 'task.updated': {
      // The board keeps the newest version of each task: one without an id or a version cannot be placed.
      const task = event.data?.task;
      const fields = record(task);
      const [id, version] = [text(fields.id), num(fields.version)];
      if (!task || id === undefined || version === undefined) return undefined;
      return { type: 'task.changed', id, version, task };
    }
    case 'task.deleted': {
      const id = text(data.id);
      return id === undefined ? undefined : { type: 'task.deleted', id };
    }
    case 'room.updated': {
      const room = identified(event.data?.room, (fields) => text(fields.id) !== undefined);
      return room && { type: 'room.updated', room };
    }
    default:
      return undefined;
  }
}

/** What identifies a message in an event: without an id, a room and a seq, the event is ignored. */
function messageIn(message: Message | undefined): Message | undefined {
  return identified(
    message,
    (fields) => text(fields.id) !== undefined && text(fields.room) !== undefined && num(fields.seq) !== undefined,
  );
}

/** The value, if it is an object whose fields pass `check`: what identifies it is checked, the rest is read defensively where shown. */
function identified<T extends object>(
  value: T | null | undefined,
  check: (fields: Record<string, unknown>) => boolean,
): T | undefined {
  return typeof value === 'object' && value !== null && check(record(value)) ? value : undefined;
}

/** A move of the task `taskId`, when this event of its room's log is one. */
export function taskMoveOf(event: EventFrame, taskId: string): TaskMove | undefined {
  if (event.kind !== 'task.created' && event.kind !== 'task.updated') return undefined;
  const data = record(event.data);
  if (record(data.task).id !== taskId) return undefined;
  return {
    seq: event.seq,
    at: event.at,
    actor: event.actor,
    action: text(data.action) ?? '',
    from: text(data.from) ?? null,
    to: text(data.to) ?? '',
  };
}

export function deltaAction(frame: StreamDeltaFrame): Action {
  return { type: 'stream.delta', message: frame.message, index: frame.index, delta: frame.delta };
}

export function partAction(frame: StreamPartFrame): Action {
  return { type: 'stream.part', room: frame.room, message: frame.message, part: frame.part };
}

export function typingAction(frame: TypingFrame, now: number): Action {
  return {
    type: 'typing',
    room: frame.room,
    member: frame.member,
    active: frame.active,
    thread: frame.thread_id,
    now,
  };
}

const STATES = ['thinking', 'tool', 'waiting_approval', 'idle'] as const;

/** Activity statuses, from a frame or the snapshot: one without a room, member or known state is left out. */
export function activityAction(items: unknown[], now: number, snapshot: boolean): Action {
  const updates = items.flatMap((item): StatusUpdate[] => {
    const fields = record(item);
    const [room, member, state] = [text(fields.room), text(fields.member), oneOf(fields.state, STATES)];
    if (!room || !member || !state) return [];
    const thread = text(fields.thread_id) ?? null;
    return [{ room, member, thread, state, tool: text(fields.tool) ?? null, ttlMs: num(fields.ttl_ms) ?? 0 }];
  });
  return { type: 'activity', updates, snapshot, now };
}

export function presenceAction(frame: PresenceFrame): Action {
  return { type: 'presence', member: frame.member, status: frame.status };
}

export function readAction(frame: ReadReceiptFrame): Action {
  return { type: 'member.read', room: frame.room, member: frame.member, seq: frame.seq };
}

/** A lease renewal; one missing a field it needs changes nothing. */
export function leaseAction(frame: TaskLeaseFrame): Action | undefined {
  const fields = record(frame);
  const id = text(fields.task);
  const assignee = text(fields.assignee);
  const expires = typeof fields.lease_expires_at === 'string' ? fields.lease_expires_at : undefined;
  if (!id || !assignee || !expires) return undefined;
  const progress = num(fields.progress);
  return {
    type: 'task.leased',
    id,
    assignee,
    lease_expires_at: expires,
    ...(typeof fields.at === 'string' ? { at: fields.at } : {}),
    ...(progress !== undefined && progress >= 0 && progress <= 1 ? { progress } : {}),
    ...(typeof fields.progress_note === 'string' ? { progress_note: fields.progress_note.slice(0, 280) } : {}),
  };
}
