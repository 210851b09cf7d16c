/** The messages slice of the Store: what members say in rooms, with its reactions, threads and paging. */
import type { MemberKind, Message, MessagePart, MessageStatus } from '@roundtable/protocol';
import type { EventDraft, StoredEvent } from './log.js';
import type { TrackedMember } from './receipts.js';

export interface NewMessage {
  id: string;
  room_id: string;
  sender_id: string;
  sender: string;
  sender_kind: MemberKind;
  content: string;
  mentions: string[];
  targets: string[];
  mention_all: boolean;
  thread_id: string | null;
  status: MessageStatus;
  parts: MessagePart[];
  metadata: Record<string, unknown>;
  client_id: string | null;
  created_at: string;
  /** Member ids mentioned or targeted (not `@all`): counted as mentions, and the agents among them woken. */
  addressed: string[];
  /** Agent ids woken by this message under the delivery rule, before the depth limit is applied. */
  wake: string[];
  /** The members whose receipts are kept (core/receipts.ts); none for most messages. */
  receipts?: TrackedMember[];
}

export type InsertMessageResult =
  | { duplicate: false; message: Message; event: StoredEvent; depthExceeded: boolean; firstPastLimit: boolean }
  | { duplicate: true; message: Message };

export interface MessageAudience {
  message: Message;
  senderId: string;
  /** Agents the message woke when it was sent (none when it was past the depth limit). */
  wake: string[];
  /** Sent past the depth limit: no agent was woken, whatever its listen mode. */
  quiet: boolean;
}

export interface MessagePatch {
  content?: string;
  status?: MessageStatus;
  parts?: MessagePart[];
  metadata?: Record<string, unknown>;
  edited_at?: string;
  deleted_at?: string;
}

export interface HistoryQuery {
  before?: number;
  after?: number;
  beforeTime?: string;
  afterTime?: string;
  limit: number;
  sender?: string;
  threadId?: string;
}

/**
 * Where a message stands among the recent messages of several rooms: by time, then room, then seq,
 * an order with no ties (times are strictly increasing within a room). A bound given only by its
 * time stands before every message of that time.
 */
export interface RecentPlace {
  time: string;
  room?: string;
  seq?: number;
}

/** Oldest first after `afterTime`; without it, the newest `limit` before `before` (or of all), oldest first. */
export interface RecentQuery {
  roomIds: string[];
  afterTime?: string;
  before?: RecentPlace;
  /** Only messages this agent receives under the delivery rule, given the rooms where it listens to all. */
  deliveredTo?: { agentId: string; listensToAll: string[] };
  limit: number;
}

export interface MessagesStore {
  insertMessage(
    message: NewMessage,
    event: (message: Message, quiet: boolean) => EventDraft,
  ): Promise<InsertMessageResult>;
  messageById(id: string): Promise<Message | undefined>;
  /** The message a sender sent with this client_id, if any. */
  messageByClientId(senderId: string, clientId: string): Promise<Message | undefined>;
  /** A message with who it reached: events about it later (edits, reactions) reach the same agents. */
  messageAudience(id: string): Promise<MessageAudience | undefined>;
  updateMessage(
    id: string,
    patch: MessagePatch,
    event: (message: Message) => EventDraft,
  ): Promise<{ message: Message; event: StoredEvent } | undefined>;
  addReaction(messageId: string, member: string, emoji: string, event: EventDraft): Promise<StoredEvent | undefined>;
  removeReaction(messageId: string, member: string, emoji: string, event: EventDraft): Promise<StoredEvent | undefined>;
  history(roomId: string, query: HistoryQuery): Promise<{ messages: Message[]; has_more: boolean }>;
  recentMessages(query: RecentQuery): Promise<Message[]>;
  /** Messages still marked streaming: after a restart, their producers are gone. */
  streamingMessages(): Promise<MessageAudience[]>;
  /** Agents that wrote the thread's root or a reply in it. */
  threadAgents(rootId: string): Promise<string[]>;
}
