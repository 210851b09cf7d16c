/**
 * The chat's whole state and the one reducer over it. Each feature file reduces the actions it
 * cares about and hands every other one back untouched, so one action (a message arriving) can
 * change several features (the room's list, a thread, the outbox) in one step.
 */
import type { ConnectionState } from '@roundtable/client';
import type {
  Conversation,
  Member,
  PresenceStatus,
  Receipt,
  RoomMember,
  RoomSummary,
  Task,
} from '@roundtable/protocol';
import type { Outgoing } from '../session.js';
import { reduceActivity, type ActivityAction, type AgentStatus } from './activity.js';
import { reduceConnection, type ConnectionAction } from './connection.js';
import { reduceConversations, type ConversationAction } from './conversations.js';
import { reduceMembers, type MemberAction } from './members.js';
import { reduceMessages, type MessageAction, type RoomView } from './messages.js';
import { reduceOutbox, type OutboxAction } from './outbox.js';
import { reducePresence, type PresenceAction } from './presence.js';
import { reduceReceipts, type Notice, type ReceiptAction } from './receipts.js';
import { reduceRooms, type RoomAction } from './rooms.js';
import { reduceStreams, type StreamAction } from './streams.js';
import { NO_FILTERS, reduceTasks, type TaskAction, type TaskFilters } from './tasks.js';
import { reduceThreads, type ThreadAction, type ThreadView } from './threads.js';
import { reduceTyping, type Typing, type TypingAction } from './typing.js';

export interface ChatState {
  connection: ConnectionState;
  me: Member | undefined;
  rooms: RoomSummary[];
  /**
   * Per room, the newest seq this page has seen: what "read" means when the person is looking.
   * A Map, not an object: room ids come from the hub and must not reach an object's prototype.
   */
  seenTo: ReadonlyMap<string, number>;
  /** Per room, the seq up to which the unread counts already account for messages. */
  countedTo: ReadonlyMap<string, number>;
  views: Record<string, RoomView>;
  threads: Record<string, ThreadView>;
  /** Deltas of streaming messages by index; a message's own `stream_deltas` says which its content holds. */
  streams: Record<string, string[]>;
  members: Record<string, RoomMember[]>;
  presence: Record<string, PresenceStatus>;
  /** Per room: who is typing, where (a thread root id, or null for the room), until when (epoch ms). */
  typing: Record<string, Record<string, Typing>>;
  /** Per room: agents' activity statuses, keyed by member and place. */
  activity: Record<string, Record<string, AgentStatus>>;
  outbox: Outgoing[];
  /** Delivery receipts of the person's own messages, by message id, once shown or told. */
  receipts: ReadonlyMap<string, Receipt[]>;
  /** What the hub said right after the person sent a message: addressed agents offline or disabled. */
  notices: ReadonlyMap<string, Notice[]>;
  /** Tasks this person can see, by id, kept live from `task.*` events once the board was opened. */
  tasks: Record<string, Task>;
  /** The member's conversations with agents, by room id: title, last message and counts. */
  conversations: Record<string, Conversation>;
  /** The cursor of the next page of conversations: null once all are loaded, undefined before the first page. */
  conversationsNext: string | null | undefined;
  tasksLoaded: boolean;
  taskFilters: TaskFilters;
  error: string | undefined;
}

export type Action =
  | ConnectionAction
  | RoomAction
  | MessageAction
  | ThreadAction
  | StreamAction
  | OutboxAction
  | TaskAction
  | ConversationAction
  | TypingAction
  | ActivityAction
  | PresenceAction
  | ReceiptAction
  | MemberAction;

/** A page's state before the hub has said anything; only the outbox comes from before (a reload). */
export function initialState(outbox: Outgoing[]): ChatState {
  return {
    connection: 'connecting',
    me: undefined,
    rooms: [],
    seenTo: new Map(),
    countedTo: new Map(),
    views: {},
    threads: {},
    streams: {},
    members: {},
    presence: {},
    typing: {},
    activity: {},
    outbox,
    receipts: new Map(),
    notices: new Map(),
    tasks: {},
    conversations: {},
    conversationsNext: undefined,
    tasksLoaded: false,
    taskFilters: NO_FILTERS,
    error: undefined,
  };
}

const FEATURES: Array<(state: ChatState, action: Action) => ChatState> = [
  reduceConnection,
  reduceRooms,
  reduceMessages,
  reduceThreads,
  reduceStreams,
  reduceOutbox,
  reduceTasks,
  reduceConversations,
  reduceTyping,
  reduceActivity,
  reducePresence,
  reduceReceipts,
  reduceMembers,
];

/** The state after `action`: every feature sees it in turn, and one that does not handle it passes the state on as it was. */
export function reduce(state: ChatState, action: Action): ChatState {
  return FEATURES.reduce((next, feature) => feature(next, action), state);
}
