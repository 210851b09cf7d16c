/**
 * The ports the core depends on, in the core's own words. Adapters (storage/, bus/) implement
 * them; each port has one contract suite that every adapter passes. The Store is split by feature
 * in ports/, one slice a file; this module re-exports them, so the core imports every port from here.
 */
import type { Activity, PresenceStatus } from '@roundtable/protocol';
import type { AgentDefinitionsStore } from './ports/agent-definitions.js';
import type { ApprovalsStore } from './ports/approvals.js';
import type { DumpStore } from './ports/dump.js';
import type { GroupsStore } from './ports/groups.js';
import type { LogStore, StoredEvent } from './ports/log.js';
import type { MailboxStore } from './ports/mailbox.js';
import type { MembersStore } from './ports/members.js';
import type { MemoryStore } from './ports/memory.js';
import type { MessagesStore } from './ports/messages.js';
import type { ReceiptsStore } from './ports/receipts.js';
import type { ReservationsStore } from './ports/reservations.js';
import type { RoomsStore } from './ports/rooms.js';
import type { StreamsStore } from './ports/streams.js';
import type { TaskBatchesStore } from './ports/task-batches.js';
import type { TasksStore } from './ports/tasks.js';
import type { AgentUsageStore } from './ports/usage.js';

export type * from './ports/agent-definitions.js';
export type * from './ports/approvals.js';
export type * from './ports/dump.js';
export type * from './ports/groups.js';
export type * from './ports/log.js';
export type * from './ports/mailbox.js';
export type * from './ports/members.js';
export type * from './ports/memory.js';
export type * from './ports/messages.js';
export type * from './ports/receipts.js';
export type * from './ports/reservations.js';
export type * from './ports/rooms.js';
export type * from './ports/streams.js';
export type * from './ports/task-batches.js';
export type * from './ports/tasks.js';
export type * from './ports/usage.js';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * Durable state. Every method that changes a room's log appends its events atomically with the
 * change and resolves only after the commit is durable.
 */
export interface Store
  extends
    MembersStore,
    GroupsStore,
    RoomsStore,
    MailboxStore,
    MessagesStore,
    StreamsStore,
    ReceiptsStore,
    LogStore,
    MemoryStore,
    AgentDefinitionsStore,
    TasksStore,
    TaskBatchesStore,
    ReservationsStore,
    AgentUsageStore,
    ApprovalsStore,
    DumpStore {
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
  /**
   * Adds `amount` (when above 0) to the key's rolling window of `windowMs`, and resolves what the
   * window holds now, oldest first (those of one millisecond in any order), with the limiter's time: what an agent spent in a room this hour,
   * counted by every instance together.
   */
  spend(key: string, amount: number, windowMs: number): Promise<SpentWindow>;
  close(): Promise<void>;
}

export interface SpentWindow {
  /** The limiter's clock when it answered (ms): Redis's own time, for the Redis limiter. */
  now: number;
  entries: Array<{ at: number; amount: number }>;
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
  | {
      kind: 'signal';
      room: string | null;
      members: string[] | null;
      agentsToo: boolean;
      frame: string;
      /** Also to each instance's connections that follow this message's receipts. */
      follow?: string;
      /** A state rather than an event: it may wait a moment for its connection's next write. */
      lazy?: boolean;
    }
  | { kind: 'control'; action: 'token.revoked'; tokenId: string }
  | { kind: 'control'; action: 'member.updated'; memberId: string }
  | { kind: 'control'; action: 'membership.updated'; roomId: string; memberId: string }
  /** The handle's denial, applied by every instance at once; each then reads the whole list again, in case admins raced. */
  | { kind: 'control'; action: 'denylist.updated'; handle: string; denied: boolean }
  | { kind: 'control'; action: 'stream.cancel'; messageId: string; by: string }
  | { kind: 'control'; action: 'presence'; instance: string; memberId: string; handle: string; status: PresenceStatus }
  | {
      kind: 'control';
      action: 'presence.snapshot';
      instance: string;
      members: Array<[string, { handle: string; status: 'online' | 'away' }]>;
    }
  | { kind: 'control'; action: 'presence.sync'; instance: string }
  | { kind: 'control'; action: 'activity'; activity: Activity }
  | { kind: 'control'; action: 'workers'; instance: string; workers: WorkerEntry[] }
  | { kind: 'control'; action: 'workers.sync'; instance: string }
  | { kind: 'control'; action: 'worker.heartbeat'; memberId: string; at: string }
  /** An MCP session's subscriptions changed, it ended, or its `GET` stream opened on `instance` (the others close theirs). */
  | {
      kind: 'control';
      action: 'mcp.session';
      sessionId: string;
      change: 'subscriptions' | 'ended' | 'stream';
      instance: string;
    };

/** A worker registered on one instance, as instances tell each other. */
export interface WorkerEntry {
  sessionId: string;
  memberId: string;
  member: string;
  capabilities: string[];
  concurrency: number;
  connectedAt: string;
}

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
