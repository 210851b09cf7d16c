/** The tasks slice of the Store: work handed to agents, claimed under leases, versioned for compare-and-set. */
import type { Task, TaskStatus } from '@roundtable/protocol';
import type { EventDraft, StoredEvent } from './log.js';

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
  /** The handle of the group the tasks are limited to. */
  team?: string;
  createdAfter?: string;
  createdBefore?: string;
  batch?: string;
  /** Newest first; a page continues strictly before this (created_at, id). */
  before?: { created_at: string; id: string };
  /** Only tasks this member may see: in these rooms, or created by or assigned to it. */
  visibleTo?: { memberId: string; roomIds: string[] };
  limit: number;
}

export type InsertTaskResult = { duplicate: false; task: Task; event: StoredEvent } | { duplicate: true; task: Task };

export interface TasksStore {
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
   * Renews a lease without a new version (a report racing a heartbeat must not lose); false when the
   * token no longer holds it. `doc` sets more fields of the document with it (a heartbeat's progress).
   */
  renewLease(id: string, token: string, expiresAt: string, doc?: Partial<Task>): Promise<boolean>;
}
