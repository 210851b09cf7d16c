/**
 * WebSocket frames. Client frames are requests keyed on `type`; a request with an `id` gets
 * exactly one `ack` or `error` with the same id. Server frames push room-log events and
 * ephemeral signals. docs/protocol.md describes each one with a sample session.
 */
import { z } from 'zod';
import type { ErrorBody } from './errors.js';
import {
  ClientId,
  Content,
  Emoji,
  Handle,
  Id,
  ListenMode,
  Metadata,
  MessagePart,
  NotifyLevel,
  PresenceStatus as PresenceStatusSchema,
  RoomName,
  RoomRef,
  Seq,
  Topic,
  type Member,
  type Message,
  type PresenceStatus,
  type Room,
  type RoomMember,
  type RoomSummary,
} from './model.js';
import { Limits } from './limits.js';
import type { RoomEvent } from './events.js';
import { ApprovalRequestSchemas, type ApprovalResultMap } from './approvals.js';
import { ConversationRequestSchemas, type ConversationResultMap } from './conversations.js';
import { MemoryRequestSchemas, type MemoryResultMap } from './memory.js';
import { ReceiptRequestSchemas, type AgentNoticeFrame, type ReceiptFrame, type ReceiptResultMap } from './receipts.js';
import { SearchRequestSchemas, type SearchResultMap } from './search.js';
import { TaskRequestSchemas, type Task, type TaskClaim, type TaskResultMap } from './tasks.js';
import { ActivityRequestSchemas, type ActivityFrame, type ActivityResultMap } from './activity.js';
import { CatchUpRequestSchemas, type CatchUpResultMap } from './catch-up.js';
import { MailboxRequestSchemas, type MailboxResultMap } from './mailbox.js';
import { ReviewRequestSchemas } from './reviews.js';

/** Per-room cursors: the last seq the client has seen in each room. */
export const Cursors = z.record(z.string(), Seq);
export type Cursors = z.infer<typeof Cursors>;

const RequestId = z.string().min(1).max(64).optional();
const Targets = z.array(Handle).max(Limits.maxTargets);

export const SendParams = z.object({
  room: RoomRef,
  content: Content,
  client_id: ClientId.optional(),
  targets: Targets.optional(),
  thread_id: Id.optional(),
  parts: z.array(MessagePart).optional(),
  metadata: Metadata.optional(),
});
export type SendParams = z.infer<typeof SendParams>;

export const StreamStartParams = SendParams.omit({ content: true }).extend({ content: Content.optional() });
export type StreamStartParams = z.infer<typeof StreamStartParams>;

export const HistoryParams = z.object({
  room: RoomRef,
  before: Seq.optional(),
  after: Seq.optional(),
  before_time: z.string().datetime({ offset: true }).optional(),
  after_time: z.string().datetime({ offset: true }).optional(),
  limit: z.number().int().min(1).max(Limits.maxPageSize).optional(),
  sender: Handle.optional(),
  thread_id: Id.optional(),
  /**
   * A message of the room: the page holds it and the messages on both sides of it (half the limit
   * each way), with `has_more` for older ones and `has_more_after` for newer ones. Alone: no other
   * bound or filter goes with it.
   */
  around: Id.optional(),
});
export type HistoryParams = z.infer<typeof HistoryParams>;

export const CreateRoomParams = z.object({
  name: RoomName,
  kind: z.enum(['public', 'private']).default('public'),
  topic: Topic.optional(),
  members: z.array(Handle).max(1000).optional(),
  agent_depth_limit: z.number().int().min(0).max(100).optional(),
});
export type CreateRoomParams = z.input<typeof CreateRoomParams>;

export const UpdateRoomParams = z.object({
  room: RoomRef,
  topic: Topic.optional(),
  agent_depth_limit: z.number().int().min(0).max(100).optional(),
  /** Wakes per minute of each agent by agents' messages; 0: no limit; null: back to the hub's default. */
  agent_wake_limit: z.number().int().min(0).max(1000).nullable().optional(),
});

export const RoomSettingsParams = z.object({
  room: RoomRef,
  notify: NotifyLevel.optional(),
  listen: ListenMode.optional(),
});

/**
 * Who is listed: each filter narrows; `q` is a case-insensitive piece of the handle, display name or
 * description. An empty `q` or `capability` (`?q=&capability=`) filters nothing.
 */
export const MembersListParams = z.object({
  kind: z.enum(['person', 'agent', 'system']).optional(),
  q: z.string().trim().max(200).optional(),
  /** Members granted this capability. */
  capability: z.string().max(64).optional(),
  status: PresenceStatusSchema.optional(),
});
export type MembersListParams = z.input<typeof MembersListParams>;

/** Every client request, by type. */
export const RequestSchemas = {
  auth: z.object({ token: z.string().max(512).optional(), resume: Cursors.optional() }),
  ping: z.object({}),
  send: SendParams,
  edit: z.object({ message: Id, content: Content }),
  delete: z.object({ message: Id }),
  react: z.object({ message: Id, emoji: Emoji }),
  unreact: z.object({ message: Id, emoji: Emoji }),
  read: z.object({ room: RoomRef, seq: Seq }),
  typing: z.object({ room: RoomRef, thread_id: Id.optional(), active: z.boolean().default(true) }),
  presence: z.object({ status: z.enum(['online', 'away']) }),
  sync: z.object({ room: RoomRef, after: Seq, limit: z.number().int().min(1).max(Limits.maxSyncPage).optional() }),
  history: HistoryParams,
  'message.get': z.object({ message: Id }),
  'rooms.list': z.object({ scope: z.enum(['joined', 'public']).default('joined') }),
  'room.create': CreateRoomParams,
  'room.direct': z.object({ members: z.array(Handle).min(1).max(8) }),
  'room.join': z.object({ room: RoomRef }),
  'room.leave': z.object({ room: RoomRef }),
  'room.invite': z.object({ room: RoomRef, member: Handle }),
  'room.update': UpdateRoomParams,
  'room.archive': z.object({ room: RoomRef }),
  'room.settings': RoomSettingsParams,
  'room.members': z.object({ room: RoomRef }),
  'members.list': MembersListParams,
  'stream.start': StreamStartParams,
  'stream.delta': z.object({ message: Id, delta: Content }),
  /** Adds a part (a tool call) to a streaming message, or replaces the one with its id: shown while it runs. */
  'stream.part': z.object({ message: Id, part: MessagePart }),
  'stream.done': z.object({
    message: Id,
    content: Content.optional(),
    parts: z.array(MessagePart).optional(),
    metadata: Metadata.optional(),
  }),
  'stream.error': z.object({ message: Id, error: z.string().max(2000) }),
  'stream.cancel': z.object({ message: Id }),
  ...TaskRequestSchemas,
  ...MemoryRequestSchemas,
  ...SearchRequestSchemas,
  ...ConversationRequestSchemas,
  ...ReceiptRequestSchemas,
  ...ActivityRequestSchemas,
  ...CatchUpRequestSchemas,
  ...ApprovalRequestSchemas,
  ...MailboxRequestSchemas,
  ...ReviewRequestSchemas,
} as const;

export type RequestType = keyof typeof RequestSchemas;
export type RequestParams<T extends RequestType> = z.input<(typeof RequestSchemas)[T]>;
export type ParsedParams<T extends RequestType> = z.output<(typeof RequestSchemas)[T]>;
export const REQUEST_TYPES = Object.keys(RequestSchemas) as RequestType[];

export function isRequestType(value: unknown): value is RequestType {
  return typeof value === 'string' && Object.hasOwn(RequestSchemas, value);
}

export interface MessageResult {
  message: Message;
  /** True when the client_id had been seen before: the stored message is returned, nothing new was written. */
  duplicate: boolean;
  /** Addressed agents that will not get the message now (the `notice` frames' content), when there are any. */
  notices?: Array<Omit<AgentNoticeFrame, 'type'>>;
}

/** What an `ack` carries back for each request type. */
export interface ResultMap
  extends
    TaskResultMap,
    MemoryResultMap,
    SearchResultMap,
    ConversationResultMap,
    ReceiptResultMap,
    ActivityResultMap,
    CatchUpResultMap,
    ApprovalResultMap,
    MailboxResultMap {
  'review.answer': { task: Task };
  auth: { session_id: string };
  ping: { at: string };
  send: MessageResult;
  edit: { message: Message };
  delete: { message: string };
  react: { changed: boolean };
  unreact: { changed: boolean };
  read: { room: string; seq: number };
  typing: Record<string, never>;
  presence: { status: PresenceStatus };
  sync: { room: string; last_seq: number; has_more: boolean };
  /** `has_more_after` comes with an `around` page only: newer messages exist past it. */
  history: { messages: Message[]; has_more: boolean; has_more_after?: boolean };
  'message.get': { message: Message };
  'rooms.list': { rooms: RoomSummary[] | Room[] };
  'room.create': { room: Room };
  'room.direct': { room: Room };
  'room.join': { room: Room };
  'room.leave': { room: string };
  'room.invite': { room: string; member: string };
  'room.update': { room: Room };
  'room.archive': { room: Room };
  'room.settings': { room: string; notify: string; listen: string };
  'room.members': { members: RoomMember[] };
  'members.list': { members: Member[] };
  'stream.start': MessageResult;
  'stream.delta': Record<string, never>;
  'stream.part': Record<string, never>;
  'stream.done': { message: Message };
  'stream.error': { message: Message };
  'stream.cancel': { message: Message };
}

/** Sent once a connection is authenticated; resumed rooms' missed events follow it. */
export interface ReadyFrame {
  type: 'ready';
  session_id: string;
  member: Member;
  rooms: RoomSummary[];
  /** Rooms whose missed events follow, each closed by a `synced` frame. */
  resuming: string[];
  server: {
    version: string;
    /** The protocol version this hub speaks (PROTOCOL_VERSION). */
    protocol: number;
    limits: typeof Limits;
    heartbeat_ms: number;
    /** Frames larger than this get `frame_too_large`. */
    max_frame_bytes: number;
  };
}

export type EventFrame = RoomEvent & { type: 'event' };

export interface SyncedFrame {
  type: 'synced';
  room: string;
  seq: number;
}

export interface AckFrame<T extends RequestType = RequestType> {
  type: 'ack';
  id: string;
  result: ResultMap[T];
}

export interface ErrorFrame extends ErrorBody {
  type: 'error';
  /** The request id this error answers, when the request had one. */
  id?: string;
}

export interface StreamDeltaFrame {
  type: 'stream.delta';
  room: string;
  message: string;
  /** Position of this delta in the stream, from 0, so a client can order and de-duplicate. */
  index: number;
  delta: string;
}

/** A streaming message's part (a tool call) as it is now: added, or replacing the one with its id. */
export interface StreamPartFrame {
  type: 'stream.part';
  room: string;
  message: string;
  part: MessagePart;
}

export interface TypingFrame {
  type: 'typing';
  room: string;
  member: string;
  thread_id: string | null;
  active: boolean;
}

export interface PresenceFrame {
  type: 'presence';
  member: string;
  status: PresenceStatus;
}

export interface ReadReceiptFrame {
  type: 'read';
  room: string;
  member: string;
  seq: number;
}

/** Push assignment: the hub claimed a task for this registered worker; heartbeat with the lease to keep it. */
export interface TaskAssignedFrame extends TaskClaim {
  type: 'task.assigned';
}

/**
 * A heartbeat renewed a task's lease: the new expiry, for the people watching the board. Every other
 * change of a task is a logged `task.updated` event; a renewal is not worth a line in the log.
 */
export interface TaskLeaseFrame {
  type: 'task.lease';
  room: string;
  task: string;
  assignee: string;
  /** When the heartbeat arrived. */
  at: string;
  lease_expires_at: string;
  /** The progress and note the heartbeat carried, if any. */
  progress?: number | null;
  progress_note?: string | null;
}

export type ServerFrame =
  | ReadyFrame
  | TaskAssignedFrame
  | TaskLeaseFrame
  | EventFrame
  | SyncedFrame
  | AckFrame
  | ErrorFrame
  | StreamDeltaFrame
  | StreamPartFrame
  | TypingFrame
  | ActivityFrame
  | PresenceFrame
  | ReadReceiptFrame
  | ReceiptFrame
  | AgentNoticeFrame;

export type ClientFrame = { [T in RequestType]: { type: T; id?: string } & RequestParams<T> }[RequestType];

export { RequestId };
