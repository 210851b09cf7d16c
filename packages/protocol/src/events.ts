/**
 * What each kind of room event carries. A room's log holds these; `event` frames deliver them.
 * `RoomEvent` is a union discriminated by `kind`, so a reader that checks the kind gets its data
 * typed, with no cast: `if (event.kind === 'message.created') event.data.content`.
 */
import type { EventKind, MemberKind, Message, Room } from './model.js';
import type { Task, TaskAction, TaskBatchDone, TaskStatus } from './tasks.js';

export interface ReactionData {
  message_id: string;
  emoji: string;
  member: string;
}

export interface TaskChangeData {
  task: Task;
  action: TaskAction;
  /** Null for the creation. */
  from: TaskStatus | null;
  to: TaskStatus;
}

export interface EventDataMap {
  'message.created': Message;
  /** The message as it is now: edited, or a stream that ended. */
  'message.updated': Message;
  'message.deleted': { id: string };
  'reaction.added': ReactionData;
  'reaction.removed': ReactionData;
  'member.joined': { member: string; member_id: string; kind: MemberKind };
  'member.left': { member: string; member_id: string };
  'room.updated': { room: Room };
  'task.created': TaskChangeData;
  'task.updated': TaskChangeData;
  'task.deleted': { id: string; title: string };
  /** Every task of a batch, or every subtask of a parent, has ended: logged once, in the room of the tally. */
  'task.batch_done': TaskBatchDone;
}

/** The data of one kind of event. */
export type EventData<K extends EventKind = EventKind> = EventDataMap[K];

/** One entry of a room's log, as delivered to a client. */
export type RoomEvent = {
  [K in EventKind]: { room: string; seq: number; kind: K; at: string; actor: string; data: EventDataMap[K] };
}[EventKind];

/** The event of one kind. */
export type RoomEventOf<K extends EventKind> = Extract<RoomEvent, { kind: K }>;
