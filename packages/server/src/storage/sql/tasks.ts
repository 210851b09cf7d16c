/** Tasks: the queried fields beside the whole document, written by compare-and-set on the version. */
import type { Task } from '@roundtable/protocol';
import { TABLE_BY_NAME } from '../../core/dump.js';
import type { EventDraft, InsertTaskResult, StoredEvent, TaskQuery, TaskRow, TasksStore } from '../../core/ports.js';
import { decode, encode, type Dialect } from './dialect.js';
import { appendEvent } from './log.js';
import { toTaskRow, type Row } from './records.js';
import { changes, row, rows, type Params, type SqlDriver, type Step } from './step.js';

export interface TasksDialect {
  /** The capabilities column (a JSON array) holds the capability bound at `param`. */
  hasCapability(param: string): string;
  /** The doc column with the fields of the JSON object bound at @patch set over it (none of them null). */
  docPatched: string;
}

const TASKS = TABLE_BY_NAME.get('tasks')!;

function taskColumns(stored: TaskRow): Row {
  const { task } = stored;
  return {
    id: task.id,
    status: task.status,
    priority: task.priority,
    created_at: task.created_at,
    updated_at: task.updated_at,
    creator_id: stored.creator_id,
    assignee_id: stored.assignee_id,
    room_id: task.room,
    parent_id: task.parent,
    client_id: task.client_id,
    lease_token: stored.lease_token,
    lease_expires_at: task.lease_expires_at,
    version: task.version,
    capabilities: task.capabilities,
    team: task.team ?? null,
    batch: task.batch ?? null,
    doc: task,
  };
}

const TASK_COLUMNS = Object.keys(
  taskColumns({ task: { capabilities: [] } as unknown as Task, creator_id: '', assignee_id: null, lease_token: null }),
);
const INSERT_TASK = `INSERT INTO tasks (${TASK_COLUMNS.join(', ')})
  VALUES (${TASK_COLUMNS.map((column) => `@${column}`).join(', ')})`;
const REPLACE_TASK = `UPDATE tasks SET ${TASK_COLUMNS.filter((column) => column !== 'id')
  .map((column) => `${column} = @${column}`)
  .join(', ')} WHERE id = @id AND version = @previous`;
const TASK_BY_CLIENT_ID = 'SELECT * FROM tasks WHERE creator_id = @creator AND client_id = @client';
const ACTIVE = "status IN ('assigned', 'running')";

/** The WHERE, ORDER BY and LIMIT of a task listing, its values bound on `params`. */
function listingSql(d: Dialect, query: TaskQuery, params: Params): string {
  const param = (value: unknown) => {
    const name = `p${Object.keys(params).length}`;
    params[name] = value;
    return `@${name}`;
  };
  const where: string[] = [];
  if (query.status?.length) where.push(`status IN (${query.status.map(param).join(', ')})`);
  if (query.assigneeId) where.push(`assignee_id = ${param(query.assigneeId)}`);
  if (query.creatorId) where.push(`creator_id = ${param(query.creatorId)}`);
  if (query.roomId) where.push(`room_id = ${param(query.roomId)}`);
  if (query.capability) where.push(d.tasks.hasCapability(param(query.capability)));
  if (query.team) where.push(`team = ${param(query.team)}`);
  if (query.createdAfter) where.push(`created_at >= ${param(query.createdAfter)}`);
  if (query.createdBefore) where.push(`created_at < ${param(query.createdBefore)}`);
  if (query.batch) where.push(`batch = ${param(query.batch)}`);
  if (query.visibleTo) {
    const { memberId, roomIds } = query.visibleTo;
    const member = param(memberId);
    const mine = [`creator_id = ${member}`, `assignee_id = ${member}`];
    if (roomIds.length > 0) mine.push(`room_id IN (${roomIds.map(param).join(', ')})`);
    where.push(`(${mine.join(' OR ')})`);
  }
  if (query.before) {
    const at = param(query.before.created_at);
    where.push(`(created_at < ${at} OR (created_at = ${at} AND id < ${param(query.before.id)}))`);
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return `${clause} ORDER BY created_at DESC, id DESC LIMIT ${param(query.limit)}`;
}

export function tasksStore(db: SqlDriver, d: Dialect): TasksStore {
  return {
    insertTask: (input, event) => db.write(insertTask, d, input, event),
    taskRow: (id) => db.read(taskRow, d, id),
    taskByClientId: (creatorId, clientId) => db.read(taskByClientId, d, creatorId, clientId),
    replaceTask: (input, event) => db.write(replaceTask, d, input, event),
    listTasks: (query) => db.read(listTasks, d, query),
    pendingTasks: (limit, offset) => db.read(pendingTasks, d, limit, offset),
    expiredTasks: (now, limit) => db.read(expiredTasks, d, now, limit),
    deleteTask: (id, event) => db.write(deleteTask, d, id, event),
    activeTaskCounts: () => db.read(activeTaskCounts),
    renewLease: (id, token, expiresAt, doc) => db.write(renewLease, d, id, token, expiresAt, doc ?? {}),
  };
}

function toRow(d: Dialect, stored: Row): TaskRow {
  return toTaskRow(decode(d, TASKS, stored));
}

function* insertTask(d: Dialect, input: TaskRow, event: (task: Task) => EventDraft): Step<InsertTaskResult> {
  if (input.task.client_id !== null) {
    const seen = yield* row(TASK_BY_CLIENT_ID, { creator: input.creator_id, client: input.task.client_id });
    if (seen) return { duplicate: true, task: toRow(d, seen).task };
  }
  yield* changes(INSERT_TASK, encode(d, TASKS, taskColumns(input)));
  return { duplicate: false, task: input.task, event: yield* appendEvent(d, input.task.room, event(input.task)) };
}

function* taskRow(d: Dialect, id: string): Step<TaskRow | undefined> {
  const stored = yield* row('SELECT * FROM tasks WHERE id = @id', { id });
  return stored ? toRow(d, stored) : undefined;
}

function* taskByClientId(d: Dialect, creatorId: string, clientId: string): Step<Task | undefined> {
  const stored = yield* row(TASK_BY_CLIENT_ID, { creator: creatorId, client: clientId });
  return stored ? toRow(d, stored).task : undefined;
}

function* replaceTask(
  d: Dialect,
  input: TaskRow,
  event: ((task: Task) => EventDraft) | null,
): Step<{ task: Task; event: StoredEvent | undefined } | undefined> {
  // Under PostgreSQL's READ COMMITTED a concurrent writer's UPDATE waits for ours, then re-checks the version and matches nothing.
  const replaced = yield* changes(REPLACE_TASK, {
    ...encode(d, TASKS, taskColumns(input)),
    previous: input.task.version - 1,
  });
  if (replaced === 0) return undefined;
  return { task: input.task, event: event ? yield* appendEvent(d, input.task.room, event(input.task)) : undefined };
}

function* listTasks(d: Dialect, query: TaskQuery): Step<Task[]> {
  const params: Params = {};
  const found = yield* rows(`SELECT * FROM tasks ${listingSql(d, query, params)}`, params);
  return found.map((stored) => toRow(d, stored).task);
}

function* deleteTask(d: Dialect, id: string, event: (task: Task) => EventDraft): Step<StoredEvent | undefined> {
  const stored = yield* row('DELETE FROM tasks WHERE id = @id RETURNING *', { id });
  if (!stored) return undefined;
  const { task } = toRow(d, stored);
  yield* changes('DELETE FROM reservations WHERE task_id = @id', { id });
  return yield* appendEvent(d, task.room, event(task));
}

function* pendingTasks(d: Dialect, limit: number, offset: number): Step<TaskRow[]> {
  const found = yield* rows(
    "SELECT * FROM tasks WHERE status = 'pending' ORDER BY priority DESC, created_at, id LIMIT @limit OFFSET @offset",
    { limit, offset },
  );
  return found.map((stored) => toRow(d, stored));
}

function* expiredTasks(d: Dialect, now: string, limit: number): Step<TaskRow[]> {
  const found = yield* rows(
    `SELECT * FROM tasks WHERE ${ACTIVE} AND lease_expires_at <= @now ORDER BY lease_expires_at LIMIT @limit`,
    { now, limit },
  );
  return found.map((stored) => toRow(d, stored));
}

function* activeTaskCounts(): Step<Map<string, number>> {
  const found = yield* rows(`SELECT assignee_id, COUNT(*) AS n FROM tasks WHERE ${ACTIVE} GROUP BY assignee_id`);
  return new Map(found.map((stored) => [stored.assignee_id as string, Number(stored.n)]));
}

function* renewLease(d: Dialect, id: string, token: string, expiresAt: string, doc: Partial<Task>): Step<boolean> {
  const renewed = yield* changes(
    `UPDATE tasks SET lease_expires_at = @at, doc = ${d.tasks.docPatched}
     WHERE id = @id AND lease_token = @token AND ${ACTIVE}`,
    { id, token, at: expiresAt, patch: JSON.stringify({ ...doc, lease_expires_at: expiresAt }) },
  );
  return renewed > 0;
}
