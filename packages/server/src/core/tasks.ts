/**
 * Tasks under leases: creation, claims (pulled by a worker, or pushed to the least-loaded one),
 * heartbeats, reports checked against the task's JSON Schema and file list, review, questions and
 * answers, and a reaper that takes back expired leases. Who may see and take a task is decided in
 * task-access.ts; every change goes through `move` (task-moves.ts).
 */
import {
  Limits,
  TaskLimits,
  valueTooDeep,
  type ParsedParams,
  type Task,
  type TaskClaim,
  type TaskLeaseFrame,
  type TaskResult,
  type TaskStatus,
  type TaskVerdict,
} from '@roundtable/protocol';
import { HubError } from './hub-error.js';
import { newId } from './ids.js';
import { outsideReservation, patternsOverlap } from './reservations.js';
import { SchemaChecks } from './schema-checks.js';
import { CLAIM_SCAN, TaskDispatch } from './task-dispatch.js';
import { grantedOf, TaskAccess } from './task-access.js';
import { TaskBatches } from './task-batches.js';
import { TaskMoves, unstarted } from './task-moves.js';
import { TaskReviews } from './task-reviews.js';
import { reapTasks } from './task-reaper.js';
import { deadlineFrom, heartbeatFields, leaseUntil, overran, resumedDeadline } from './task-runtime.js';
import { WorkerRoster } from './worker-roster.js';
import type { HubContext } from './context.js';
import type { MemberRecord, RoomRecord, TaskQuery, TaskRow, TrackedMember } from './ports.js';

/** What the task board needs of the other features: rooms made and joined, and notices posted. */
export interface TaskHost {
  /** Adds the member to the room if absent (a worker joining the room of the task it took). */
  ensureMember(roomId: string, member: MemberRecord): Promise<void>;
  createTaskRoom(creator: MemberRecord, name: string, topic: string): Promise<RoomRecord>;
  /** Posts as the system member; returns the message id. */
  postSystem(
    roomId: string,
    content: string,
    options: {
      /** The message's id, when the caller keeps it before the message exists (a review card). */
      id?: string;
      mentions?: string[];
      threadId?: string | null;
      metadata?: Record<string, unknown>;
      track?: TrackedMember[];
    },
  ): Promise<string>;
  /** A member claimed or reported a task: its card's receipt for that member is acted on. */
  acted(roomId: string, memberId: string, threadId: string): Promise<void>;
}

export class TaskBoard {
  /** Acceptance schemas run in a worker thread: a hostile one costs that thread a few seconds, not the hub. */
  private readonly schemas = new SchemaChecks();
  readonly access: TaskAccess;
  /** The workers registered on this instance, offered pending tasks as they come. */
  readonly workers: TaskDispatch;
  /** Workers registered on any instance, and their members' last heartbeats. */
  readonly roster: WorkerRoster;
  private readonly moves: TaskMoves;
  /** Tasks of kind `review`: asked of one member, answered by them, never claimed. */
  readonly reviews: TaskReviews;
  private readonly batches: TaskBatches;
  private reaper: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: HubContext,
    private readonly host: TaskHost,
  ) {
    this.access = new TaskAccess(ctx);
    this.batches = new TaskBatches(ctx, host);
    this.moves = new TaskMoves(ctx, host, (row) => this.batches.ended(row));
    this.reviews = new TaskReviews(ctx, host, this.moves, this.access);
    this.workers = new TaskDispatch(ctx, this.access, (row, worker) => this.tryClaim(row, worker));
    this.roster = new WorkerRoster(ctx, this.workers);
  }

  start(): void {
    this.reaper = setInterval(() => {
      this.reap().catch((error) => this.ctx.logger.warn({ err: error }, 'task reaper failed'));
    }, this.ctx.settings.taskReaperIntervalMs);
    this.reaper.unref();
    this.roster.start();
  }

  stop(): void {
    clearInterval(this.reaper);
    this.roster.stop();
  }

  /** After the transports have drained: checks still running for their requests may finish first. */
  close(): Promise<void> {
    return this.schemas.close();
  }

  private iso(offsetMs = 0): string {
    return new Date(this.ctx.clock.now() + offsetMs).toISOString();
  }

  /** Tells the people of the task's room that its worker is alive: the renewal itself is not logged. */
  private signalLease(task: Task, worker: MemberRecord, expires: string): void {
    const frame: TaskLeaseFrame = {
      type: 'task.lease',
      room: task.room,
      task: task.id,
      assignee: worker.handle,
      at: task.heartbeat_at ?? this.iso(),
      lease_expires_at: expires,
      progress: task.progress ?? null,
      progress_note: task.progress_note ?? null,
    };
    this.ctx.signal(task.room, frame, { agentsToo: false });
  }

  // Creating and reading

  async create(actor: MemberRecord, params: ParsedParams<'task.create'>): Promise<{ task: Task; duplicate: boolean }> {
    checkJsonSize(params.context, 'context');
    if (params.acceptance.schema) checkJsonSize(params.acceptance.schema, 'acceptance.schema');
    const workers = await this.access.namedWorkers(params.workers);
    if (params.team && !(await this.ctx.store.groupByHandle(params.team))) {
      throw new HubError('group_not_found', `No group @${params.team}: a task's team is a group.`);
    }
    if (params.parent) await this.get(actor, params.parent);
    const id = newId('task');
    const at = this.iso();
    let room: RoomRecord | undefined;
    let threadId: string | null = null;
    if (params.client_id) {
      const earlier = await this.ctx.store.taskByClientId(actor.id, params.client_id);
      if (earlier) return { task: earlier, duplicate: true };
    }
    if (params.room) {
      room = await this.ctx.resolveRoom(params.room);
      await this.ctx.requireMembership(room.id, actor);
      // Workers join the task's room: a direct conversation must not be opened to them.
      if (room.kind === 'direct' || room.kind === 'conversation') {
        throw new HubError('invalid_request', `A task cannot be logged in a ${room.kind} room.`);
      }
      if (room.archived_at) throw new HubError('room_archived');
    }
    // Compiled only once the creator may create the task here: refused requests cost no schema check.
    if (params.acceptance.schema) {
      const problem = await this.schemas.compile(actor.id, params.acceptance.schema);
      if (problem !== undefined) throw new HubError('invalid_schema', `The acceptance schema is not valid: ${problem}`);
    }
    room ??= await this.host.createTaskRoom(actor, `task-${id.slice(-8).toLowerCase()}`, params.title);
    const task: Task = {
      id,
      title: params.title,
      description: params.description,
      context: params.context,
      acceptance: params.acceptance,
      files: params.files,
      capabilities: [...new Set(params.capabilities)].sort(),
      workers,
      team: params.team ?? null,
      priority: params.priority,
      max_attempts: params.max_attempts,
      lease_ms: params.lease_ms,
      room: room.id,
      thread_id: null,
      parent: params.parent ?? null,
      client_id: params.client_id ?? null,
      creator: actor.handle,
      ...unstarted(at),
      max_runtime_ms: params.max_runtime_ms,
      run_deadline_at: null,
      progress: null,
      progress_note: null,
      heartbeat_at: null,
      batch: params.batch ?? null,
    };
    if (params.room) {
      threadId = await this.host.postSystem(room.id, `**Task** ${params.title}\n\n${params.description}`.trim(), {
        metadata: { task: id },
        track: await this.namedInRoom(room.id, workers),
      });
      task.thread_id = threadId;
    }
    const result = await this.ctx.store.insertTask(
      { task, creator_id: actor.id, assignee_id: null, lease_token: null },
      (stored) => ({
        kind: 'task.created',
        actor: actor.handle,
        at,
        data: { task: stored, action: 'create', from: null, to: 'pending' },
        agents: actor.kind === 'agent' ? [actor.id] : [],
      }),
    );
    if (result.duplicate) return { task: result.task, duplicate: true };
    this.ctx.publishEvent(result.event);
    this.workers.dispatch();
    return { task: result.task, duplicate: false };
  }

  /** The named workers already in the room: the task card keeps a receipt for each. */
  private async namedInRoom(roomId: string, workers: string[]): Promise<TrackedMember[]> {
    if (workers.length === 0) return [];
    const members = await this.ctx.roomMembers(roomId);
    const named = await this.ctx.store.membersByHandles(workers);
    return named
      .filter((member) => members.has(member.id))
      .map((member) => ({ member_id: member.id, member: member.handle, member_kind: 'agent' }));
  }

  async get(actor: MemberRecord, id: string): Promise<Task> {
    const { task } = await this.access.row(id);
    await this.access.requireVisible(actor, task);
    return (await this.batches.withSubtasks([task]))[0]!;
  }

  async list(actor: MemberRecord, params: ParsedParams<'task.list'>): Promise<{ tasks: Task[]; next: string | null }> {
    const query: TaskQuery = { limit: params.limit + 1, status: params.status };
    // An unknown handle matches no task, rather than being ignored.
    if (params.assignee) query.assigneeId = (await this.ctx.store.memberByHandle(params.assignee))?.id ?? '-';
    if (params.creator) query.creatorId = (await this.ctx.store.memberByHandle(params.creator))?.id ?? '-';
    if (params.room) query.roomId = (await this.access.filterRoom(actor, params.room)).id;
    if (params.capability) query.capability = params.capability;
    if (params.team) query.team = params.team;
    if (params.created_after) query.createdAfter = new Date(params.created_after).toISOString();
    if (params.created_before) query.createdBefore = new Date(params.created_before).toISOString();
    if (params.batch) query.batch = params.batch;
    if (params.cursor) query.before = decodeCursor(params.cursor);
    // Visibility is part of the query, so a page and its `next` cursor are made of visible tasks only.
    if (actor.role !== 'admin')
      query.visibleTo = { memberId: actor.id, roomIds: await this.ctx.store.roomIdsOf(actor.id) };
    const found = await this.ctx.store.listTasks(query);
    const page = found.slice(0, params.limit);
    const last = page.at(-1);
    const next = found.length > params.limit && last ? encodeCursor(last) : null;
    return { tasks: await this.batches.withSubtasks(page), next };
  }

  // Workers

  /** The next pending task the worker can do, claimed atomically: highest priority, then oldest. */
  async claim(actor: MemberRecord, capabilities: string[] | undefined): Promise<TaskClaim | null> {
    this.access.requireWorker(actor);
    const own = grantedOf(actor, capabilities);
    for (let offset = 0; ; offset += CLAIM_SCAN) {
      const candidates = await this.ctx.store.pendingTasks(CLAIM_SCAN, offset);
      for (const row of candidates) {
        if (!(await this.access.mayTake(actor, own, row.task))) continue;
        const claim = await this.tryClaim(row, actor);
        if (claim) return claim;
      }
      if (candidates.length < CLAIM_SCAN) return null;
    }
  }

  /**
   * Claims for a worker: first its files, exclusively (a task whose files someone else holds waits
   * in the queue and the claim moves on), then the task itself.
   */
  private async tryClaim(row: TaskRow, worker: MemberRecord): Promise<TaskClaim | null> {
    const token = newId('lease');
    const now = this.ctx.clock.now();
    const attempt = {
      run_deadline_at: deadlineFrom(row.task, now),
      progress: null,
      progress_note: null,
      heartbeat_at: null,
    };
    const expires = leaseUntil({ ...row.task, ...attempt }, now);
    if (row.task.files.length > 0) {
      const held = await this.ctx.store.reserveFiles(
        {
          holder_id: worker.id,
          holder: worker.handle,
          task_id: row.task.id,
          patterns: row.task.files,
          mode: 'exclusive',
          expires_at: expires,
          now: this.iso(),
        },
        patternsOverlap,
      );
      if ('conflicts' in held) return null;
    }
    const moved = await this.moves.move(
      row,
      'claim',
      'assigned',
      worker,
      {
        assignee: worker.handle,
        lease_expires_at: expires,
        verdict: null,
        ...attempt,
      },
      { assignee_id: worker.id, lease_token: token },
    );
    if (!moved) {
      // Whoever reserves a task's files first is the only one who can claim it: these rows are ours,
      // unless this same worker won the task by another claim at once (its reservation is this one).
      if (row.task.files.length > 0 && (await this.ctx.store.taskRow(row.task.id))?.assignee_id !== worker.id) {
        await this.ctx.store.releaseFiles({ task_id: row.task.id });
      }
      return null;
    }
    await this.host.ensureMember(moved.room, worker);
    if (moved.thread_id) await this.host.acted(moved.room, worker.id, moved.thread_id);
    return { task: moved, lease: { token, expires_at: expires } };
  }

  async heartbeat(
    actor: MemberRecord,
    id: string,
    token: string,
    beat: { progress?: number; note?: string } = {},
  ): Promise<{ task: Task; lease: { token: string; expires_at: string } }> {
    const result = await this.retrying(async () => {
      const row = await this.access.leased(actor, id, token);
      const now = this.ctx.clock.now();
      // While a person is asked, the lease is paused: a heartbeat then has nothing to renew.
      if (row.task.status === 'input_required')
        return { task: row.task, lease: { token, expires_at: this.iso(row.task.lease_ms) } };
      if (overran(row.task, now))
        throw new HubError('lease_invalid', 'The attempt ran past the task’s max_runtime_ms.');
      const expires = leaseUntil(row.task, now);
      const doc = heartbeatFields(beat, new Date(now).toISOString());
      const started = row.task.status === 'assigned';
      const moved = started
        ? await this.moves.move(row, 'start', 'running', actor, { lease_expires_at: expires, ...doc })
        : await this.moves.renew(row, expires, doc);
      if (!moved) throw new HubError(started ? 'task_conflict' : 'lease_invalid');
      if (!started) this.signalLease(moved, actor, expires);
      if (row.task.files.length > 0) await this.ctx.store.extendReservations(row.task.id, expires);
      return { task: moved, lease: { token, expires_at: expires } };
    });
    this.roster.heartbeat(actor);
    return result;
  }

  async report(
    actor: MemberRecord,
    id: string,
    token: string,
    result: TaskResult,
  ): Promise<{ task: Task; verdict: TaskVerdict }> {
    if (result.data !== undefined) checkJsonSize(result.data, 'result.data');
    // Checked once, by the worker that holds the lease; a lost race below moves the task again, not the check.
    const { task: leasedTask } = await this.access.leased(actor, id, token);
    const schema = leasedTask.acceptance.schema;
    const schemaErrors = schema ? await this.schemas.validate(actor.id, schema, result.data) : [];
    return this.retrying(async () => {
      const row = await this.access.leased(actor, id, token);
      const errors = [...schemaErrors];
      const outside = outsideReservation(row.task, result.files_changed);
      if (outside.length > 0) errors.push(`files changed outside the task's files: ${outside.join(', ')}`);
      const verdict: TaskVerdict = { valid: errors.length === 0, errors, by: 'hub', at: this.iso() };
      if (verdict.valid) {
        const to: TaskStatus = row.task.acceptance.review ? 'review' : 'completed';
        const moved = await this.moves.move(
          row,
          'report',
          to,
          actor,
          { result, verdict, lease_expires_at: null },
          { lease_token: null },
        );
        if (!moved) throw new HubError('task_conflict');
        if (moved.thread_id) await this.host.acted(moved.room, actor.id, moved.thread_id);
        if (to === 'review')
          await this.moves.notifyPeople(moved, `is ready for review: accept it or reject it with feedback.`, [
            moved.creator,
          ]);
        this.workers.dispatch();
        return { task: moved, verdict };
      }
      const attempts = row.task.attempts + 1;
      const exhausted = attempts >= row.task.max_attempts || outside.length > 0;
      const moved = await this.moves.move(
        row,
        'invalid',
        exhausted ? 'failed' : 'running',
        actor,
        {
          result,
          verdict,
          attempts,
          lease_expires_at: exhausted ? null : leaseUntil(row.task, this.ctx.clock.now()),
          question: exhausted ? `The result was refused: ${errors.join('; ')}` : null,
        },
        exhausted ? { lease_token: null } : {},
      );
      if (!moved) throw new HubError('task_conflict');
      if (exhausted) {
        const why =
          outside.length > 0
            ? 'its report touched files outside its reservation'
            : `no valid result after ${attempts} attempts`;
        await this.moves.escalate(moved, `failed: ${why}. ${errors.join('; ')}`);
      }
      return { task: moved, verdict };
    });
  }

  /** Hands a task back; it counts as an attempt, so a worker that always fails cannot loop on one task. */
  async release(actor: MemberRecord, id: string, token: string, reason: string | undefined): Promise<Task> {
    return this.retrying(async () => {
      const row = await this.access.leased(actor, id, token);
      const attempts = row.task.attempts + 1;
      const exhausted = attempts >= row.task.max_attempts;
      const moved = await this.moves.move(
        row,
        'release',
        exhausted ? 'failed' : 'pending',
        actor,
        {
          attempts,
          assignee: null,
          lease_expires_at: null,
          feedback: reason ?? row.task.feedback,
          question: exhausted
            ? `Handed back ${attempts} times; last by @${actor.handle}: ${reason ?? 'no reason given'}`
            : null,
        },
        { assignee_id: null, lease_token: null },
      );
      if (!moved) throw new HubError('task_conflict');
      if (exhausted) await this.moves.escalate(moved, `failed: handed back ${attempts} times. ${reason ?? ''}`.trim());
      this.workers.dispatch();
      return moved;
    });
  }

  async ask(actor: MemberRecord, id: string, token: string, question: string): Promise<Task> {
    return this.retrying(async () => {
      const row = await this.access.leased(actor, id, token);
      const moved = await this.moves.move(row, 'ask', 'input_required', actor, { question, lease_expires_at: null });
      if (!moved) throw new HubError('task_conflict');
      // The files stay the worker's while a person thinks: no lease runs out meanwhile.
      if (moved.files.length > 0) await this.ctx.store.extendReservations(moved.id, this.iso(TaskLimits.maxLeaseMs));
      await this.moves.escalate(moved, `@${actor.handle} asks: ${question}`);
      return moved;
    });
  }

  /** A person's (or the creator's) answer: the worker that asked resumes; an escalated task goes back to the queue. */
  async answer(actor: MemberRecord, id: string, answer: string): Promise<Task> {
    const row = await this.access.row(id);
    await this.access.requireReviewer(actor, row.task);
    const resumes = row.task.status === 'input_required' && row.assignee_id !== null && row.lease_token !== null;
    const now = this.ctx.clock.now();
    const deadline = resumedDeadline(row.task, now);
    const moved = resumes
      ? await this.moves.move(row, 'answer', 'running', actor, {
          feedback: answer,
          question: null,
          run_deadline_at: deadline,
          lease_expires_at: leaseUntil({ ...row.task, run_deadline_at: deadline }, now),
        })
      : await this.moves.move(
          row,
          'answer',
          'pending',
          actor,
          {
            feedback: answer,
            question: null,
            assignee: null,
            lease_expires_at: null,
            attempts: row.task.status === 'failed' ? 0 : row.task.attempts,
          },
          { assignee_id: null, lease_token: null },
        );
    if (!moved) throw new HubError('task_conflict');
    if (resumes && moved.files.length > 0) await this.ctx.store.extendReservations(moved.id, moved.lease_expires_at!);
    this.workers.dispatch();
    return moved;
  }

  async accept(actor: MemberRecord, id: string): Promise<Task> {
    const row = await this.access.row(id);
    await this.access.requireReviewer(actor, row.task);
    const verdict: TaskVerdict = { valid: true, errors: [], by: actor.handle, at: this.iso() };
    const moved = await this.moves.move(row, 'accept', 'completed', actor, { verdict });
    if (!moved) throw new HubError('task_conflict');
    return moved;
  }

  async reject(actor: MemberRecord, id: string, feedback: string): Promise<Task> {
    const row = await this.access.row(id);
    await this.access.requireReviewer(actor, row.task);
    const verdict: TaskVerdict = { valid: false, errors: [feedback], by: actor.handle, at: this.iso() };
    const moved = await this.moves.move(
      row,
      'reject',
      'pending',
      actor,
      {
        verdict,
        feedback,
        assignee: null,
        lease_expires_at: null,
      },
      { assignee_id: null, lease_token: null },
    );
    if (!moved) throw new HubError('task_conflict');
    this.workers.dispatch();
    return moved;
  }

  async cancel(actor: MemberRecord, id: string, reason: string | undefined): Promise<Task> {
    const row = await this.access.visibleRow(actor, id);
    if (row.creator_id !== actor.id && actor.role !== 'admin') {
      throw new HubError('forbidden', 'Only the task’s creator or an admin may cancel it.');
    }
    const moved = await this.moves.move(
      row,
      'cancel',
      'cancelled',
      actor,
      {
        lease_expires_at: null,
        feedback: reason ?? row.task.feedback,
      },
      { lease_token: null },
    );
    if (!moved) throw new HubError('task_conflict');
    return moved;
  }

  /** Admins only: the task is gone, its files released; its room keeps the log of what happened. */
  async delete(actor: MemberRecord, id: string): Promise<void> {
    if (actor.role !== 'admin') throw new HubError('admin_only');
    const event = await this.ctx.store.deleteTask(id, (task) => ({
      kind: 'task.deleted',
      actor: actor.handle,
      at: this.iso(),
      data: { id: task.id, title: task.title },
      agents: [],
    }));
    if (!event) throw new HubError('task_not_found');
    this.ctx.publishEvent(event);
  }

  /** Takes back expired leases and overrun attempts, and escalates tasks nobody took (task-reaper.ts). */
  reap(): Promise<void> {
    return reapTasks(this.ctx, this.moves, this.workers);
  }

  /**
   * Runs a worker's call again when it lost a compare-and-set to another change of the same task
   * (a report racing the first heartbeat): each run reads the task afresh and checks the lease again.
   */
  private async retrying<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof HubError && error.code === 'task_conflict') || attempt >= 3) throw error;
      }
    }
  }
}

/** Context, schemas and result data are free-form: bounded in nesting before anything walks them, then in size. */
function checkJsonSize(value: unknown, what: string): void {
  if (valueTooDeep(value)) {
    throw new HubError('nesting_too_deep', `${what} nests at most ${Limits.maxJsonDepth} levels deep.`);
  }
  if (Buffer.byteLength(JSON.stringify(value) ?? '') > TaskLimits.maxJsonBytes) {
    throw new HubError('invalid_request', `${what} is larger than ${TaskLimits.maxJsonBytes} bytes.`);
  }
}

function encodeCursor(task: Task): string {
  return Buffer.from(JSON.stringify([task.created_at, task.id])).toString('base64url');
}

function decodeCursor(cursor: string): { created_at: string; id: string } {
  try {
    const [created_at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [string, string];
    if (typeof created_at === 'string' && typeof id === 'string') return { created_at, id };
  } catch {
    // fall through to the error below
  }
  throw new HubError('invalid_request', 'The cursor is not one this hub gave out.');
}
