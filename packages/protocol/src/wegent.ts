/**
 * The Wegent dialect: what a client of the Wegent chat engine speaks at `/api/v1/tasks/{id}/chat`
 * and `/api/v1/users/me/events`. Frames are `{"event": name, "data": {…}}`, with an optional `id`
 * that the hub echoes on its answer (`ack` or `error`); the events, their fields and the upper-case
 * task statuses are Wegent's own names (docs/protocol.md, "The Wegent dialect").
 */
import { z } from 'zod';
import { Limits } from './limits.js';
import { ClientId, Content, Id, type Message } from './model.js';
import type { Task, TaskStatus } from './tasks.js';

/** A task's status as Wegent writes it: `PENDING`, `RUNNING`, `INPUT_REQUIRED`… */
export type WegentStatus = Uppercase<TaskStatus>;

export function wegentStatus(status: TaskStatus): WegentStatus {
  return status.toUpperCase() as WegentStatus;
}

/**
 * What each client event carries. `task_id` names the task a chat event is about where the socket
 * follows several (`task:join`) or none of its own (`/users/me/events`); it defaults to the task of
 * the socket's path.
 */
export const WegentClientEvents = {
  'chat:send': z.object({ content: Content.min(1), client_id: ClientId.optional(), task_id: Id.optional() }),
  /** Without `message_id`: the latest reply still streaming in the task's chat. */
  'chat:cancel': z.object({ message_id: Id.optional(), task_id: Id.optional() }),
  'task:join': z.object({ task_id: Id }),
  'task:leave': z.object({ task_id: Id }),
  /**
   * The messages after `after` (a message id), oldest first, `has_more` when more follow; without
   * `after`, the latest `limit` messages, `has_more` when older ones exist.
   */
  'history:sync': z.object({
    after: Id.optional(),
    limit: z.number().int().min(1).max(Limits.maxPageSize).default(50),
    task_id: Id.optional(),
  }),
} as const;

/** The same events on the personal channel, which has no task of its own: chat events name theirs. */
export const WegentPersonalEvents = {
  ...WegentClientEvents,
  'chat:send': WegentClientEvents['chat:send'].required({ task_id: true }),
  'chat:cancel': WegentClientEvents['chat:cancel'].required({ task_id: true }),
  'history:sync': WegentClientEvents['history:sync'].required({ task_id: true }),
} as const;

export type WegentClientEvent = keyof typeof WegentClientEvents;
export const WEGENT_CLIENT_EVENTS = Object.keys(WegentClientEvents) as WegentClientEvent[];

export function isWegentClientEvent(name: unknown): name is WegentClientEvent {
  return typeof name === 'string' && Object.hasOwn(WegentClientEvents, name);
}

/** A client frame's envelope, before its `data` is read by the event's own schema. */
export const WegentEnvelope = z.object({
  event: z.string().max(64),
  data: z.unknown().optional(),
  id: z.string().min(1).max(64).optional(),
});

/** A message as the dialect shows it: the hub's message, with the task it belongs to. */
export type WegentMessage = Message & { task_id: string; message_id: string };

/** A task as `task:created` and `task:status` show it: Wegent's status beside the hub's task. */
export interface WegentTaskStatus {
  task_id: string;
  status: WegentStatus;
  /** The status it left; absent on `task:created`. */
  previous?: WegentStatus | null;
  /** The move that changed it (`claim`, `report`, `cancel`…). */
  action: string;
  title: string;
  assignee: string | null;
  updated_at: string;
  task: Omit<Task, 'status'> & { status: WegentStatus };
}

/** What each server event carries. */
export interface WegentServerEvents {
  /** The socket is open and following its task (none on the personal channel): nothing sent meanwhile is missed. */
  ready: { session_id: string; member: string; task_id: string | null };
  ack: Record<string, unknown>;
  error: { code: string; message: string; details?: unknown; retry_after_ms?: number };
  'chat:message': WegentMessage;
  'chat:start': { task_id: string; message_id: string; sender: string };
  'chat:chunk': { task_id: string; message_id: string; content: string; index: number };
  'chat:done': { task_id: string; message_id: string; content: string; usage?: Record<string, unknown> };
  'chat:error': { task_id: string; message_id: string; error: string };
  /** A streamed reply stopped by `chat:cancel` (or its sender): the text it had. */
  'chat:cancelled': { task_id: string; message_id: string; content: string };
  'history:sync': { task_id: string; messages: WegentMessage[]; has_more: boolean };
  'task:created': WegentTaskStatus;
  'task:status': WegentTaskStatus;
}

export type WegentServerFrame = {
  [E in keyof WegentServerEvents]: { event: E; id?: string; data: WegentServerEvents[E] };
}[keyof WegentServerEvents];
