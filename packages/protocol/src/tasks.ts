/**
 * Tasks: work a coordinator hands to worker agents under leases. The shapes here are the wire
 * contract; the transitions a task may take are listed once, in TASK_TRANSITIONS, and the hub
 * refuses any other.
 */
import { z } from 'zod';
import { ClientId, Handle, Id, RoomRef } from './model.js';
import { ReviewLimits, type TaskReview } from './reviews.js';

export const TaskStatus = z.enum([
  'pending',
  'assigned',
  'running',
  'review',
  'input_required',
  'completed',
  'failed',
  'cancelled',
]);
export type TaskStatus = z.infer<typeof TaskStatus>;

/**
 * A status as a request names it: the hub's lower-case name or Wegent's upper-case one (`RUNNING`),
 * read as the hub's.
 */
export const TaskStatusInput = z
  .enum([...TaskStatus.options, ...TaskStatus.options.map((status) => status.toUpperCase())] as [string, ...string[]])
  .transform((status) => status.toLowerCase() as TaskStatus);

/** Why a task moves: each transition names its cause, so the task's history reads as a story. */
export const TaskAction = z.enum([
  'create',
  'claim',
  'start',
  'report',
  'invalid',
  'accept',
  'reject',
  'release',
  'expire',
  'ask',
  'answer',
  'escalate',
  'cancel',
  'approve',
  'request_changes',
]);
export type TaskAction = z.infer<typeof TaskAction>;

/**
 * Every transition the hub allows: from a status, by an action, to the next. A task ends in
 * `completed`, `failed` or `cancelled`; only a person's answer to an escalation reopens a failed one.
 */
export const TASK_TRANSITIONS: ReadonlyArray<readonly [TaskStatus, TaskAction, TaskStatus]> = [
  ['pending', 'claim', 'assigned'],
  ['assigned', 'start', 'running'],
  ['assigned', 'report', 'completed'],
  ['assigned', 'report', 'review'],
  ['running', 'report', 'completed'],
  ['running', 'report', 'review'],
  ['assigned', 'invalid', 'running'],
  ['running', 'invalid', 'running'],
  ['assigned', 'invalid', 'failed'],
  ['running', 'invalid', 'failed'],
  ['review', 'accept', 'completed'],
  ['review', 'reject', 'pending'],
  ['assigned', 'release', 'pending'],
  ['running', 'release', 'pending'],
  ['assigned', 'release', 'failed'],
  ['running', 'release', 'failed'],
  ['assigned', 'expire', 'pending'],
  ['running', 'expire', 'pending'],
  ['assigned', 'expire', 'failed'],
  ['running', 'expire', 'failed'],
  ['assigned', 'ask', 'input_required'],
  ['running', 'ask', 'input_required'],
  ['pending', 'escalate', 'input_required'],
  ['input_required', 'answer', 'running'],
  ['input_required', 'answer', 'pending'],
  ['failed', 'answer', 'pending'],
  ['pending', 'cancel', 'cancelled'],
  ['assigned', 'cancel', 'cancelled'],
  ['running', 'cancel', 'cancelled'],
  ['review', 'cancel', 'cancelled'],
  ['input_required', 'cancel', 'cancelled'],
  // A review request ends with its reviewer's answer, whichever it is.
  ['pending', 'approve', 'completed'],
  ['pending', 'request_changes', 'completed'],
];

export const TERMINAL_STATUSES: ReadonlySet<TaskStatus> = new Set(['completed', 'failed', 'cancelled']);

/** Whether `action` may move a task from `from` to `to`. */
export function mayTransition(from: TaskStatus, action: TaskAction, to: TaskStatus): boolean {
  return TASK_TRANSITIONS.some(([a, act, b]) => a === from && act === action && b === to);
}

export const TaskLimits = {
  maxTitleChars: 200,
  maxDescriptionChars: 10_000,
  maxFiles: 200,
  maxCapabilities: 20,
  /** Agents a task's creator names as its workers. */
  maxWorkers: 50,
  /** Serialized size of context, acceptance schema and result data, each, in bytes. */
  maxJsonBytes: 65_536,
  minLeaseMs: 1_000,
  maxLeaseMs: 24 * 3_600_000,
  maxAttempts: 20,
  /** A task's longest attempt, however often its worker heartbeats: a week. */
  maxRuntimeMs: 7 * 24 * 3_600_000,
  /** The note a heartbeat may carry with its progress. */
  maxProgressNoteChars: 280,
  /** A batch id: chosen by the creator, shared by the tasks it groups. */
  maxBatchChars: 128,
} as const;

const Capability = z.string().min(1).max(64);
/** A batch id the creator picks: letters, digits and `._:-`, so it reads well in a query string. */
export const BatchId = z
  .string()
  .min(1)
  .max(TaskLimits.maxBatchChars)
  .regex(/^[A-Za-z0-9._:-]+$/, 'a batch id is letters, digits and ._:-');
const FilePattern = z.string().min(1).max(1024);
const JsonObject = z.record(z.string(), z.unknown());

export const TaskAcceptance = z.object({
  text: z.string().max(TaskLimits.maxDescriptionChars).default(''),
  /** A JSON Schema the result's `data` must satisfy before the task counts as done. */
  schema: JsonObject.nullable().default(null),
  /** Whether a person (or the creator) must accept the result after it validates. */
  review: z.boolean().default(false),
});

/** `work` is done by a worker under a lease; `review` asks one member to review a subject (reviews.ts). */
export const TaskKind = z.enum(['work', 'review']);
export type TaskKind = z.infer<typeof TaskKind>;

export const CreateTaskParams = z.object({
  /** Required for work (left out, it is '' and refused); a review's defaults to its subject. */
  title: z.string().min(1).max(TaskLimits.maxTitleChars).default(''),
  description: z.string().max(TaskLimits.maxDescriptionChars).default(''),
  context: JsonObject.default({}),
  acceptance: TaskAcceptance.default({ text: '', schema: null, review: false }),
  files: z.array(FilePattern).max(TaskLimits.maxFiles).default([]),
  capabilities: z.array(Capability).max(TaskLimits.maxCapabilities).default([]),
  priority: z.number().int().min(-1000).max(1000).default(0),
  max_attempts: z.number().int().min(1).max(TaskLimits.maxAttempts).default(3),
  lease_ms: z.number().int().min(TaskLimits.minLeaseMs).max(TaskLimits.maxLeaseMs).default(60_000),
  /** The room whose thread logs the task; without it the hub opens a task room of its own. */
  room: RoomRef.optional(),
  /**
   * Agents, besides the members of `room`, that may take the task when `room` is private. A task in a
   * public room or in a task room of its own may be taken by any agent with its capabilities.
   */
  workers: z.array(Handle).max(TaskLimits.maxWorkers).default([]),
  /** A group (GET /api/v1/groups): only its members may take the task. */
  team: Handle.optional(),
  parent: Id.optional(),
  client_id: ClientId.optional(),
  kind: TaskKind.default('work'),
  /** A review's: who reviews it (only them), what (a task id, a commit, a branch or a URL) and why. */
  reviewer: Handle.optional(),
  subject: z.string().trim().min(1).max(ReviewLimits.maxSubjectChars).optional(),
  summary: z.string().max(TaskLimits.maxDescriptionChars).optional(),
  /**
   * The longest one attempt may run, from its claim, heartbeats or not: past it the hub takes the
   * task back as a failed attempt. Null (the default) sets no limit.
   */
  max_runtime_ms: z.number().int().min(TaskLimits.minLeaseMs).max(TaskLimits.maxRuntimeMs).nullable().default(null),
  /** Groups the creator's tasks: when all of them have ended, the creator gets one tally. */
  batch: BatchId.optional(),
});
export type CreateTaskParams = z.input<typeof CreateTaskParams>;

export const TaskResult = z.object({
  summary: z.string().max(TaskLimits.maxDescriptionChars).default(''),
  files_changed: z.array(FilePattern).max(TaskLimits.maxFiles).default([]),
  data: z.unknown().optional(),
});
export type TaskResult = z.infer<typeof TaskResult>;

export interface TaskVerdict {
  valid: boolean;
  /** Why the result was refused: schema errors, files outside the reservation, a reviewer's feedback. */
  errors: string[];
  by: string;
  at: string;
}

export interface Task {
  id: string;
  title: string;
  description: string;
  context: Record<string, unknown>;
  acceptance: { text: string; schema: Record<string, unknown> | null; review: boolean };
  files: string[];
  capabilities: string[];
  /** Agents the creator named as workers: with the room's members, the only ones who may take a task in a private room. */
  workers: string[];
  /** The group whose members alone may take it; null (or absent, on tasks stored before teams) for anyone. */
  team?: string | null;
  priority: number;
  max_attempts: number;
  lease_ms: number;
  status: TaskStatus;
  /**
   * Where the task's history is logged: its room, and the thread in it when the creator chose the
   * room (null when the task has a room of its own).
   */
  room: string;
  thread_id: string | null;
  parent: string | null;
  client_id: string | null;
  creator: string;
  assignee: string | null;
  /** When the current assignee claimed the task; null while nobody holds it (absent on tasks stored before it was kept). */
  assigned_at?: string | null;
  attempts: number;
  /** Set to the time of each claim and heartbeat plus `lease_ms`: when the worker's hold ends unless it heartbeats again. */
  lease_expires_at: string | null;
  result: TaskResult | null;
  verdict: TaskVerdict | null;
  /** What a person said last: a reviewer's rejection or an answer to a question, for the next attempt. */
  feedback: string | null;
  /** What the worker asked, or why the task was escalated, while it waits for a person. */
  question: string | null;
  created_at: string;
  updated_at: string;
  /** Bumped by every change: a change made against an older version is refused. */
  version: number;
  /** Absent on tasks stored before kinds: those are `work`. */
  kind?: TaskKind;
  /** A review request's subject, reviewer and answer; absent on work. */
  review?: TaskReview;
  /** The longest one attempt may run, heartbeats or not; null: no limit (absent on tasks stored before it was kept). */
  max_runtime_ms?: number | null;
  /** When the current attempt is taken back whatever its heartbeats: its claim plus `max_runtime_ms`, moved on by the time a person took to answer. */
  run_deadline_at?: string | null;
  /** The worker's own estimate of the current attempt, 0 to 1, from its last heartbeat that carried one. */
  progress?: number | null;
  /** What the worker said it was doing, with that progress. */
  progress_note?: string | null;
  /** When the current attempt's worker last heartbeated. */
  heartbeat_at?: string | null;
  /** The creator's batch this task belongs to. */
  batch?: string | null;
  /** On a task that has subtasks, when read: how many of them are in each status. */
  subtasks?: Partial<Record<TaskStatus, number>>;
}

/** A registered worker connection, as `worker.list` shows it. */
export interface WorkerInfo {
  member: string;
  /** What it registered for: granted capabilities it asked to be pushed tasks for. */
  capabilities: string[];
  concurrency: number;
  /** Ids of the tasks its member holds (assigned, running or waiting for a person) that the asker may see. */
  held: string[];
  /** Its member's last task heartbeat that any instance saw, if any since that instance started. */
  last_heartbeat_at: string | null;
  connected_at: string;
  /** The hub instance the connection is on. */
  instance: string;
}

/** What `task.batch_done` carries: a batch of one creator's tasks, or a parent's subtasks, all ended. */
export interface TaskBatchDone {
  /** The batch id, or null for a parent's subtasks. */
  batch: string | null;
  /** The parent task, or null for a batch. */
  parent: string | null;
  creator: string;
  total: number;
  /** How many ended in each status. */
  tally: Partial<Record<TaskStatus, number>>;
}

/** A claim: the task, and the lease token every later call about it must carry. */
export interface TaskClaim {
  task: Task;
  lease: { token: string; expires_at: string };
}

export const TaskListParams = z.object({
  status: z.array(TaskStatusInput).max(8).optional(),
  assignee: Handle.optional(),
  creator: Handle.optional(),
  room: RoomRef.optional(),
  capability: Capability.optional(),
  /** Tasks limited to this group. */
  team: Handle.optional(),
  created_after: z.string().datetime({ offset: true }).optional(),
  created_before: z.string().datetime({ offset: true }).optional(),
  batch: BatchId.optional(),
  /** The `next` of an earlier page. */
  cursor: z.string().max(200).optional(),
  limit: z.number().int().min(1).max(200).default(50),
});
export type TaskListParams = z.input<typeof TaskListParams>;

const TaskRef = Id;
const LeaseToken = z.string().min(1).max(128);

export const ReservationMode = z.enum(['exclusive', 'shared']);
export type ReservationMode = z.infer<typeof ReservationMode>;

/** A claim on paths or globs: exclusive ones overlap nothing of anyone else's; shared ones only no exclusive. */
export interface FileReservation {
  id: string;
  pattern: string;
  mode: ReservationMode;
  holder: string;
  /** The task it was taken for: it ends when the task leaves its worker. */
  task: string | null;
  expires_at: string;
  created_at: string;
}

/** Task requests, merged into the protocol's request schemas. */
export const TaskRequestSchemas = {
  'task.create': CreateTaskParams,
  'task.get': z.object({ task: TaskRef }),
  'task.list': TaskListParams,
  'task.cancel': z.object({ task: TaskRef, reason: z.string().max(2000).optional() }),
  'worker.register': z.object({
    /** What to be pushed tasks for: some of the capabilities the hub granted this agent; all of them when left out. */
    capabilities: z.array(Capability).max(TaskLimits.maxCapabilities).optional(),
    concurrency: z.number().int().min(1).max(100).default(1),
  }),
  /** `capabilities` narrows the claim to some of the granted ones; naming one not granted is refused. */
  'task.claim': z.object({ capabilities: z.array(Capability).max(TaskLimits.maxCapabilities).optional() }),
  'task.heartbeat': z.object({
    task: TaskRef,
    lease: LeaseToken,
    /** How far the worker thinks it is, 0 to 1; kept on the task and shown on the board. */
    progress: z.number().min(0).max(1).optional(),
    /** A short word on what it is doing, kept with the progress. */
    note: z.string().max(TaskLimits.maxProgressNoteChars).optional(),
  }),
  /** The workers registered on any instance, with what they hold. */
  'worker.list': z.object({}),
  'task.report': z.object({ task: TaskRef, lease: LeaseToken, result: TaskResult }),
  'task.release': z.object({ task: TaskRef, lease: LeaseToken, reason: z.string().max(2000).optional() }),
  'task.ask': z.object({
    task: TaskRef,
    lease: LeaseToken,
    question: z.string().min(1).max(TaskLimits.maxDescriptionChars),
  }),
  'task.answer': z.object({ task: TaskRef, answer: z.string().min(1).max(TaskLimits.maxDescriptionChars) }),
  'task.accept': z.object({ task: TaskRef }),
  'task.reject': z.object({ task: TaskRef, feedback: z.string().min(1).max(TaskLimits.maxDescriptionChars) }),
  'files.reserve': z.object({
    patterns: z.array(FilePattern).min(1).max(TaskLimits.maxFiles),
    mode: ReservationMode.default('exclusive'),
    ttl_ms: z.number().int().min(TaskLimits.minLeaseMs).max(TaskLimits.maxLeaseMs).default(300_000),
    task: TaskRef.optional(),
  }),
  'files.release': z.object({ patterns: z.array(FilePattern).max(TaskLimits.maxFiles).optional() }),
  'files.list': z.object({ holder: Handle.optional() }),
} as const;

export interface TaskResultMap {
  'task.create': { task: Task; duplicate: boolean };
  'task.get': { task: Task };
  'task.list': { tasks: Task[]; next: string | null };
  'task.cancel': { task: Task };
  'worker.register': { capabilities: string[]; concurrency: number };
  'worker.list': { workers: WorkerInfo[] };
  'task.claim': { claim: TaskClaim | null };
  'task.heartbeat': { task: Task; lease: { token: string; expires_at: string } };
  'task.report': { task: Task; verdict: TaskVerdict };
  'task.release': { task: Task };
  'task.ask': { task: Task };
  'task.answer': { task: Task };
  'task.accept': { task: Task };
  'task.reject': { task: Task };
  'files.reserve': { reservations: FileReservation[] };
  'files.release': { released: number };
  'files.list': { reservations: FileReservation[] };
}
