/**
 * The ports the core depends on, in the core's own words. Adapters (storage/, bus/) implement
 * them; each port has one contract suite that every adapter passes.
 */
import type { DumpRecord } from './dump.js';
import type {
  ApiToken,
  EventDataMap,
  EventKind,
  ListenMode,
  MemberKind,
  Message,
  MessagePart,
  MessageStatus,
  NotifyLevel,
  PresenceStatus,
  RoomKind,
  RoomSummary,
  FileReservation,
  Task,
  TaskStatus,
} from '@roundtable/protocol';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

export interface MemberRecord {
  id: string;
  handle: string;
  display_name: string;
  kind: MemberKind;
  role: 'admin' | 'member';
  description: string;
  capabilities: string[];
  owner_id: string | null;
  password_hash: string | null;
  disabled: boolean;
  created_at: string;
}

export type NewMember = Omit<MemberRecord, 'disabled'>;
export type MemberPatch = Partial<
  Pick<MemberRecord, 'display_name' | 'role' | 'disabled' | 'password_hash' | 'description' | 'capabilities'>
>;

/** A token as stored, less its hash: the same shape the API lists. */
export type TokenRecord = ApiToken;

export interface DenyEntry {
  handle: string;
  reason: string;
  created_by: string;
  created_at: string;
}

export interface RoomRecord {
  id: string;
  name: string | null;
  kind: RoomKind;
  topic: string;
  created_by: string;
  created_at: string;
  archived_at: string | null;
  last_seq: number;
  agent_depth_limit: number;
  direct_key: string | null;
  member_count: number;
  /** A conversation's title. */
  title: string | null;
  /** A deleted conversation: hidden from everyone, its rows kept. */
  deleted_at: string | null;
}

export interface MembershipRecord {
  room_id: string;
  member_id: string;
  role: 'owner' | 'member';
  joined_at: string;
  read_seq: number;
  notify: NotifyLevel;
  listen: ListenMode;
}

export type MembershipPatch = Partial<Pick<MembershipRecord, 'notify' | 'listen'>>;

/**
 * What the core asks the store to append to a room's log. The store assigns `seq` and `at`.
 * `agents` null means every member of the room receives the event; otherwise only people and
 * the listed agents (plus agents listening to `all`, unless the event is `quiet`).
 */
/** An event to append to a room's log; the store gives it the room's next seq. */
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

/** Whose view of a room's log: people see everything, agents what the delivery rule gives them. */
export type LogViewer = { kind: 'all' } | { kind: 'agent'; agentId: string; handle: string; listen: ListenMode };

export interface RecentQuery {
  roomIds: string[];
  afterTime?: string;
  /** Only messages this agent receives under the delivery rule, given the rooms where it listens to all. */
  deliveredTo?: { agentId: string; listensToAll: string[] };
  limit: number;
}

/** A word search: `terms` are lowercased words; a match has any of them, the more and the rarer the better. */
export interface SearchQuery {
  terms: string[];
  limit: number;
  /** The present, ISO: the score halves for every 30 days of age. */
  now: string;
}

/** Messages that are complete and not deleted, in these rooms. */
export interface MessageSearch extends SearchQuery {
  roomIds: string[];
}

export interface AgentDefinitionRecord {
  handle: string;
  /** The definition as JSON, checked by the agents package when it is made and when it is run. */
  definition: string;
  updated_at: string;
}

export interface NoteRecord {
  id: string;
  member_id: string;
  room_id: string | null;
  content: string;
  created_at: string;
}

/** A task as stored: the public document, and what only the hub may see. */
export interface TaskRow {
  task: Task;
  creator_id: string;
  assignee_id: string | null;
  /** The secret of the current lease: heartbeats and reports must carry it. */
  lease_token: string | null;
}

export interface TaskQuery {
  status?: TaskStatus[];
  assigneeId?: string;
  creatorId?: string;
  roomId?: string;
  capability?: string;
  createdAfter?: string;
  createdBefore?: string;
  /** Newest first; a page continues strictly before this (created_at, id). */
  before?: { created_at: string; id: string };
  /** Only tasks this member may see: in these rooms, or created by or assigned to it. */
  visibleTo?: { memberId: string; roomIds: string[] };
  limit: number;
}

export interface ReservationRequest {
  holder_id: string;
  holder: string;
  task_id: string | null;
  patterns: string[];
  mode: FileReservation['mode'];
  expires_at: string;
  /** Reservations that expired before this (ISO time) no longer count. */
  now: string;
}

/** Whether two path patterns can name a common file: the glob semantics stay in the core. */
export type PatternsOverlap = (a: string, b: string) => boolean;

export type InsertTaskResult = { duplicate: false; task: Task; event: StoredEvent } | { duplicate: true; task: Task };

/**
 * Durable state. Every method that changes a room's log appends its events atomically with the
 * change and resolves only after the commit is durable.
 */
export interface Store {
  createMember(member: NewMember): Promise<MemberRecord>;
  updateMember(id: string, patch: MemberPatch): Promise<MemberRecord | undefined>;
  memberById(id: string): Promise<MemberRecord | undefined>;
  memberByHandle(handle: string): Promise<MemberRecord | undefined>;
  membersByHandles(handles: string[]): Promise<MemberRecord[]>;
  listMembers(filter: { kind?: MemberKind }): Promise<MemberRecord[]>;
  countMembers(): Promise<number>;

  createToken(token: TokenRecord & { hash: string }): Promise<TokenRecord>;
  tokenByHash(hash: string): Promise<TokenRecord | undefined>;
  listTokens(memberId?: string): Promise<TokenRecord[]>;
  tokenById(id: string): Promise<TokenRecord | undefined>;
  revokeToken(id: string, at: string): Promise<TokenRecord | undefined>;

  listDenylist(): Promise<DenyEntry[]>;
  addDenylist(entry: DenyEntry): Promise<DenyEntry>;
  removeDenylist(handle: string): Promise<boolean>;

  createRoom(
    room: Omit<RoomRecord, 'last_seq' | 'member_count' | 'archived_at' | 'deleted_at'>,
    members: Omit<MembershipRecord, 'read_seq'>[],
    joinedEvent: (membership: Omit<MembershipRecord, 'read_seq'>) => EventDraft,
  ): Promise<{ room: RoomRecord; events: StoredEvent[] }>;
  roomById(id: string): Promise<RoomRecord | undefined>;
  roomByName(name: string): Promise<RoomRecord | undefined>;
  roomByDirectKey(key: string): Promise<RoomRecord | undefined>;
  updateRoom(
    id: string,
    patch: Partial<Pick<RoomRecord, 'topic' | 'agent_depth_limit' | 'archived_at' | 'title' | 'deleted_at'>>,
    event: (room: RoomRecord) => EventDraft,
  ): Promise<{ room: RoomRecord; event: StoredEvent }>;
  listPublicRooms(): Promise<RoomRecord[]>;
  /** Messages of a room that are not deleted. */
  countMessages(roomId: string): Promise<number>;
  listRoomsOf(memberId: string): Promise<RoomSummary[]>;
  roomIdsOf(memberId: string): Promise<string[]>;

  membership(roomId: string, memberId: string): Promise<MembershipRecord | undefined>;
  roomMembers(roomId: string): Promise<MembershipRecord[]>;
  addMembership(
    membership: Omit<MembershipRecord, 'read_seq'>,
    event: EventDraft,
  ): Promise<{ added: boolean; event?: StoredEvent }>;
  removeMembership(
    roomId: string,
    memberId: string,
    event: EventDraft,
  ): Promise<{ removed: boolean; event?: StoredEvent }>;
  updateMembership(roomId: string, memberId: string, patch: MembershipPatch): Promise<MembershipRecord | undefined>;
  /** Moves the read cursor forward only; returns the cursor in force. */
  markRead(roomId: string, memberId: string, seq: number): Promise<number | undefined>;

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
  /** Best first: relevance over recency (score > 0, higher is better). Deleted rooms are never searched. */
  searchMessages(query: MessageSearch): Promise<Array<{ message: Message; score: number }>>;
  insertNote(note: NoteRecord): Promise<NoteRecord>;
  /** Agent definitions admins made through the API (JSON text), for the hub to run. */
  agentDefinitions(): Promise<AgentDefinitionRecord[]>;
  putAgentDefinition(record: AgentDefinitionRecord): Promise<void>;
  deleteAgentDefinition(handle: string): Promise<boolean>;
  /** One member's notes, best first, scored as `searchMessages` scores. */
  searchNotes(memberId: string, query: SearchQuery): Promise<Array<{ note: NoteRecord; score: number }>>;
  /** Messages still marked streaming: after a restart, their producers are gone. */
  streamingMessages(): Promise<MessageAudience[]>;
  /** Agents that wrote the thread's root or a reply in it. */
  threadAgents(rootId: string): Promise<string[]>;
  events(roomId: string, after: number, limit: number, viewer: LogViewer): Promise<StoredEvent[]>;

  /** Stores a new task and logs `task.created` in its room; a client_id its creator used before returns that task. */
  insertTask(row: TaskRow, event: (task: Task) => EventDraft): Promise<InsertTaskResult>;
  taskRow(id: string): Promise<TaskRow | undefined>;
  taskByClientId(creatorId: string, clientId: string): Promise<Task | undefined>;
  /**
   * Compare-and-set: writes the row only while the stored version is `row.task.version - 1`, and
   * logs the event with it (none for a lease renewal); undefined when the task changed meanwhile.
   */
  replaceTask(
    row: TaskRow,
    event: ((task: Task) => EventDraft) | null,
  ): Promise<{ task: Task; event: StoredEvent | undefined } | undefined>;
  listTasks(query: TaskQuery): Promise<Task[]>;
  /** Pending tasks in claim order: highest priority first, then oldest. */
  pendingTasks(limit: number, offset: number): Promise<TaskRow[]>;
  /** Assigned or running tasks whose lease expired at or before `now` (ISO time). */
  expiredTasks(now: string, limit: number): Promise<TaskRow[]>;
  /** Removes a task and its file reservations, logging the event in its room. */
  deleteTask(id: string, event: (task: Task) => EventDraft): Promise<StoredEvent | undefined>;
  /** How many tasks each member holds (assigned or running), by member id. */
  activeTaskCounts(): Promise<Map<string, number>>;

  /**
   * Atomically, across instances: checks the patterns against every live reservation of other
   * holders (exclusive overlaps anything, shared overlaps exclusive) and, when none conflicts,
   * stores them (replacing the holder's own on the same patterns); otherwise stores nothing and
   * returns the conflicting ones.
   */
  reserveFiles(
    request: ReservationRequest,
    overlaps: PatternsOverlap,
  ): Promise<{ reservations: FileReservation[] } | { conflicts: FileReservation[] }>;
  /** Releases a holder's reservations (all, or those on `patterns`), or every reservation of a task. */
  releaseFiles(filter: { holder_id: string; patterns?: string[] } | { task_id: string }): Promise<number>;
  /** Renews a lease without a new version (a report racing a heartbeat must not lose); false when the token no longer holds it. */
  renewLease(id: string, token: string, expiresAt: string): Promise<boolean>;
  /** Moves the expiry of a task's reservations, as its lease is renewed. */
  extendReservations(taskId: string, expiresAt: string): Promise<void>;
  listReservations(now: string, holderId?: string): Promise<FileReservation[]>;

  /** Every row of the store (or of one room, with its members), table by table, for export. */
  dump(roomId?: string): AsyncIterable<DumpRecord>;
  /** Writes dumped rows, skipping those already present; returns how many were written. */
  restore(records: AsyncIterable<DumpRecord>, onProgress?: (written: number) => void): Promise<number>;

  /** Health of the store: false from a failed commit until a write as large as a real batch commits. */
  ready(): Promise<boolean>;
  /** Commits what is queued, then releases the store. */
  close(): Promise<void>;
}

/** Rate limits keyed by member or client address, shared by every instance that uses the same limiter. */
export interface RateLimiter {
  /** Takes one token from the key's bucket; resolves 0 when allowed, otherwise the ms to wait. */
  take(key: string, limit: { perSecond: number; burst: number }): Promise<number>;
  /** What `take` would resolve now, without taking a token. */
  peek(key: string, limit: { perSecond: number; burst: number }): Promise<number>;
  /** Remembers `key` for `ttlMs` (marking it again restarts the time). */
  mark(key: string, ttlMs: number): Promise<void>;
  /** Whether `key` was marked and has not expired. */
  marked(key: string): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A message on the bus, addressed to every hub instance. Frames are serialized once, by the
 * publisher; an event's `frame` is always `eventFrame(event)`, so an adapter may carry only one.
 */
export type BusMessage =
  | {
      kind: 'event';
      room: string;
      seq: number;
      agents: string[] | null;
      quiet: boolean;
      frame: string;
      event: StoredEvent;
    }
  | { kind: 'signal'; room: string | null; members: string[] | null; agentsToo: boolean; frame: string }
  | { kind: 'control'; action: 'token.revoked'; tokenId: string }
  | { kind: 'control'; action: 'member.updated'; memberId: string }
  | { kind: 'control'; action: 'membership.updated'; roomId: string; memberId: string }
  | { kind: 'control'; action: 'denylist.updated' }
  | { kind: 'control'; action: 'stream.cancel'; messageId: string; by: string }
  | { kind: 'control'; action: 'presence'; instance: string; memberId: string; handle: string; status: PresenceStatus }
  | {
      kind: 'control';
      action: 'presence.snapshot';
      instance: string;
      members: Array<[string, { handle: string; status: 'online' | 'away' }]>;
    }
  | { kind: 'control'; action: 'presence.sync'; instance: string };

/**
 * Fan-out between hub instances. A message published reaches this instance's subscribers at once,
 * in publish order, and other instances' soon after. Delivery across instances may be lost or
 * reordered: the room log in the store stays the source of truth, and the hub fills gaps from it.
 */
export interface Bus {
  publish(message: BusMessage): void;
  subscribe(handler: (message: BusMessage) => void): void;
  /** Called when messages from other instances may have been lost (a reconnect): the hub re-reads the log. */
  onResync(handler: () => void): void;
  close(): Promise<void>;
}

/** The stored event of one kind. */
export type StoredEventOf<K extends EventKind> = Extract<StoredEvent, { kind: K }>;
