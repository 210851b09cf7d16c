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
  RoomSummary,
  StreamDeltaFrame,
  StreamPartFrame,
  Task,
  TypingFrame,
} from '@roundtable/protocol';
import { num, record, text } from '../safe.js';
import type { Action } from './state.js';
import type { TaskMove } from './tasks.js';

export function eventAction(event: EventFrame): Action | undefined {
  const data = record(event.data);
  switch (event.kind) {
    case 'message.created':
    case 'message.updated': {
      const message = messageIn(data);
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
      const task = record(data.task);
      const [id, version] = [text(task.id), num(task.version)];
      if (id === undefined || version === undefined) return undefined;
      return { type: 'task.changed', id, version, task: task as unknown as Task };
    }
    case 'task.deleted': {
      const id = text(data.id);
      return id === undefined ? undefined : { type: 'task.deleted', id };
    }
    case 'room.updated': {
      const room = record(data.room) as Partial<RoomSummary>;
      return text(room.id) === undefined ? undefined : { type: 'room.updated', room };
    }
    default:
      return undefined;
  }
}

/** What identifies a message in an event: without an id, a room and a seq, the event is ignored. */
function messageIn(data: Record<string, unknown>): Message | undefined {
  const identified = text(data.id) !== undefined && text(data.room) !== undefined && num(data.seq) !== undefined;
  return identified ? (data as unknown as Message) : undefined;
}

/** A move of the task `taskId`, when this event of its room's log is one. */
export function taskMoveOf(event: EventFrame, taskId: string): TaskMove | undefined {
  const data = record(event.data);
  if (!event.kind.startsWith('task.') || record(data.task).id !== taskId) return undefined;
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

export function presenceAction(frame: PresenceFrame): Action {
  return { type: 'presence', member: frame.member, status: frame.status };
}

export function readAction(frame: ReadReceiptFrame): Action {
  return { type: 'member.read', room: frame.room, member: frame.member, seq: frame.seq };
}
