/** The things the protocol talks about: members, rooms, messages and room-log events. */
import { z } from 'zod';
import { Limits } from './limits.js';

/**
 * Handles that would read as something else: `@all` addresses everyone, and `/ws/user?user_id=`
 * names a person by `user_id`, so no member may be called `user`.
 */
export const RESERVED_HANDLES: ReadonlySet<string> = new Set(['all', 'everyone', 'here', 'user']);

/** Handles are lowercase and immutable, so messages can name members by handle. */
export const Handle = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a handle is 1-32 characters: a-z, 0-9, _ and -, not starting with _ or -');
/** A handle a new member may take. */
export const NewHandle = Handle.refine((handle) => !RESERVED_HANDLES.has(handle), 'that handle is reserved');
/** `r_` starts room ids, so a name may not: a room reference is an id or a name, never ambiguous. */
export const RoomName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'a room name is 1-64 characters: a-z, 0-9, _ and -')
  .refine((name) => !name.startsWith('r_'), 'a room name may not start with r_');
/** A room is named by its id (`r_…`) or, for channels, by its name. */
export const RoomRef = z.string().min(1).max(80);
export const Id = z.string().min(1).max(64);
export const Seq = z.number().int().nonnegative();

export const MemberKind = z.enum(['person', 'agent', 'system']);
export type MemberKind = z.infer<typeof MemberKind>;
export const MemberRole = z.enum(['admin', 'member']);
export const PresenceStatus = z.enum(['online', 'away', 'offline']);
export type PresenceStatus = z.infer<typeof PresenceStatus>;

export const Member = z.object({
  id: z.string(),
  handle: z.string(),
  display_name: z.string(),
  kind: MemberKind,
  role: MemberRole,
  description: z.string(),
  capabilities: z.array(z.string()),
  disabled: z.boolean(),
  created_at: z.string(),
  presence: PresenceStatus.optional(),
});
export type Member = z.infer<typeof Member>;

/** `conversation`: a person's private conversation with an agent (see `conversation.create`). */
export const RoomKind = z.enum(['public', 'private', 'direct', 'conversation']);
export type RoomKind = z.infer<typeof RoomKind>;
export const NotifyLevel = z.enum(['all', 'mentions', 'muted']);
export type NotifyLevel = z.infer<typeof NotifyLevel>;
export const ListenMode = z.enum(['addressed', 'all']);
export type ListenMode = z.infer<typeof ListenMode>;

export const Room = z.object({
  id: z.string(),
  name: z.string().nullable(),
  kind: RoomKind,
  topic: z.string(),
  created_by: z.string(),
  created_at: z.string(),
  archived: z.boolean(),
  last_seq: Seq,
  agent_depth_limit: z.number().int(),
  /** The room's own wake budget: how often agents' messages may wake each agent, per minute (0: no limit). Absent: the hub's default. */
  agent_wake_limit: z.number().int().optional(),
  member_count: z.number().int(),
  /** A conversation's title. */
  title: z.string().optional(),
});
export type Room = z.infer<typeof Room>;

/** A room as one member sees it in their room list. */
export const RoomSummary = Room.extend({
  read_seq: Seq,
  unread: z.number().int(),
  mentions: z.number().int(),
  notify: NotifyLevel,
  listen: ListenMode,
  /** For direct rooms: the other members' handles, to title the room. */
  members: z.array(z.string()).optional(),
});
export type RoomSummary = z.infer<typeof RoomSummary>;

export const RoomMember = z.object({
  member: z.string(),
  kind: MemberKind,
  display_name: z.string(),
  role: z.enum(['owner', 'member']),
  joined_at: z.string(),
  /** The read receipt: this member has read the room up to this seq. */
  read_seq: Seq,
  notify: NotifyLevel,
  listen: ListenMode,
  presence: PresenceStatus,
});
export type RoomMember = z.infer<typeof RoomMember>;

/** An API token as listed: never the secret, which exists only in the answer that created it. */
export interface ApiToken {
  id: string;
  member_id: string;
  name: string;
  kind: 'api' | 'session';
  created_at: string;
  revoked_at: string | null;
  /** When it stops working: a sign-in session's absolute lifetime, or the expiry it was made with; null: never. */
  expires_at: string | null;
  /** A sign-in session's last use, kept to about a minute: unused for the idle time, it expires. Null for other tokens. */
  last_used_at: string | null;
}

export const MessageStatus = z.enum(['complete', 'streaming', 'error', 'cancelled']);
export type MessageStatus = z.infer<typeof MessageStatus>;

/** A tool call an agent made while writing this message. */
export const ToolCallPart = z.object({
  type: z.literal('tool_call'),
  id: z.string().max(128),
  name: z.string().max(256),
  arguments: z.unknown().optional(),
  result: z.unknown().optional(),
  status: z.enum(['pending', 'running', 'ok', 'error']),
  duration_ms: z.number().nonnegative().optional(),
});
export const MessagePart = z.discriminatedUnion('type', [ToolCallPart]);
export type MessagePart = z.infer<typeof MessagePart>;

/**
 * One item of memory an agent was given before it answered, as its reply's `metadata.memory`
 * records it (a message of a room, or a note of its own), so people can see the context it used.
 */
export const MemoryReference = z.looseObject({
  ref: z.string().max(64),
  kind: z.enum(['message', 'note']),
  id: z.string().max(64).optional(),
  room: z.string().max(80).optional(),
  seq: Seq.optional(),
  sender: z.string().max(64).optional(),
  at: z.string().max(64),
  excerpt: z.string().max(2_000),
});
export type MemoryReference = z.infer<typeof MemoryReference>;

/**
 * Free-form data about a message. The keys the hub and the UI give a meaning to are checked, so a
 * stored message never carries one in a shape they cannot show; any other key is the sender's own.
 */
export const Metadata = z.looseObject({
  memory: z
    .array(MemoryReference)
    .max(Limits.maxMemoryHits * 2)
    .optional(),
  usage: z
    .looseObject({
      input_tokens: z.number().nonnegative().optional(),
      output_tokens: z.number().nonnegative().optional(),
    })
    .optional(),
  model: z.string().max(200).optional(),
  in_reply_to: z.string().max(64).optional(),
  error: z.string().max(2_000).optional(),
  /** A `/me` message: its content is what the sender does, shown as "* ada waves". */
  action: z.boolean().optional(),
});

export const Reaction = z.object({
  emoji: z.string(),
  count: z.number().int(),
  members: z.array(z.string()),
});
export type Reaction = z.infer<typeof Reaction>;

export const Message = z.object({
  id: z.string(),
  room: z.string(),
  /** The seq of the event that created the message: its place in the room. */
  seq: Seq,
  sender: z.string(),
  sender_kind: MemberKind,
  content: z.string(),
  mentions: z.array(z.string()),
  targets: z.array(z.string()),
  mention_all: z.boolean(),
  thread_id: z.string().nullable(),
  /** Agent-to-agent chain depth: consecutive agent messages since a person last posted. */
  depth: z.number().int(),
  status: MessageStatus,
  parts: z.array(MessagePart),
  metadata: Metadata,
  client_id: z.string().nullable(),
  created_at: z.string(),
  edited_at: z.string().nullable(),
  deleted: z.boolean(),
  reactions: z.array(Reaction),
  reply_count: z.number().int(),
  last_reply_at: z.string().nullable(),
});
export type Message = z.infer<typeof Message>;

export const EventKind = z.enum([
  'message.created',
  'message.updated',
  'message.deleted',
  'reaction.added',
  'reaction.removed',
  'member.joined',
  'member.left',
  'room.updated',
  'task.created',
  'task.updated',
  'task.deleted',
  'task.batch_done',
]);
export type EventKind = z.infer<typeof EventKind>;

/** The schema message of an over-long content, so transports can answer `content_too_long` for it. */
export const CONTENT_TOO_LONG = `content is at most ${Limits.maxContentChars} characters`;
export const Content = z.string().max(Limits.maxContentChars, CONTENT_TOO_LONG);
export const ClientId = z.string().min(1).max(128);
export const Emoji = z.string().min(1).max(64);
export const Topic = z.string().max(Limits.maxTopicChars);
