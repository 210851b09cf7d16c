/**
 * Tasks under leases: creation, claims (pulled by a worker, or pushed to the least-loaded one),
 * heartbeats, reports checked against the task's JSON Schema and file list, review, questions and
 * answers, escalation to people, and a reaper that takes back expired leases. Every change is a
 * compare-and-set on the task's version through one function, `move`, which checks the transition
 * against the protocol's table and logs it in the task's room.
 */
import picomatch from 'picomatch';
import {
  Limits,
  mayTransition,
  TaskLimits,
  valueTooDeep,
  type FileReservation,
  type ParsedParams,
  type ReservationMode,
  type Task,
  type TaskAction,
  type TaskClaim,
  type TaskResult,
  type TaskStatus,
  type TaskVerdict,
} from '@roundtable/protocol';
import { HubError } from './hub-error.js';
import { newId } from './ids.js';
import { SchemaChecks } from './schema-checks.js';
import type { Clock, MemberRecord, RoomRecord, Store, StoredEvent, TaskQuery, TaskRow } from './ports.js';

/** What the task board needs from the hub: rooms, system messages, and delivery. */
export interface TaskHost {
  resolveRoom(ref: string): Promise<RoomRecord>;
  /** Throws not_member unless the member is in the room. */
  requireMember(roomId: string, member: MemberRecord): Promise<void>;
  isMember(roomId: string, memberId: string): Promise<boolean>;
  /** Adds the member to the room if absent (a worker joining the room of the task it took). */
  ensureMember(roomId: string, member: MemberRecord): Promise<void>;
  createTaskRoom(creator: MemberRecord, name: string, topic: string): Promise<RoomRecord>;
  /** Posts as the system member; returns the message id. */
  postSystem(
    roomId: string,
    content: string,
    options: { mentions?: string[]; threadId?: string | null; metadata?: Record<string, unknown> },
  ): Promise<string>;
  /** The people who are members of the room, by handle. */
  peopleIn(roomId: string): Promise<string[]>;
  roomIdsOf(member: MemberRecord): Promise<string[]>;
  memberById(id: string): Promise<MemberRecord>;
  memberByHandle(handle: string): Promise<MemberRecord | undefined>;
  publishEvent(event: StoredEvent): void;
  /** Sends a frame to one connected session of this instance. */
  sendTo(sessionId: string, frame: object): boolean;
}

export interface TaskBoardOptions {
  /** How often expired leases are taken back and stuck tasks escalated, in ms. */
  reaperIntervalMs: number;
  /** A pending task no worker has taken for this long is escalated to people, in ms; 0 never. */
  escalateAfterMs: number;
}

interface Worker {
  sessionId: string;
  member: MemberRecord;
  capabilities: Set<string>;
  concurrency: number;
}

const CLAIM_SCAN = 50;
/** Statuses in which a task's worker holds its files. */
const HOLDS_FILES: ReadonlySet<TaskStatus> = new Set(['assigned', 'running', 'input_required']);
const REAP_BATCH = 200;

export class TaskBoard {
  /** Acceptance schemas run in a worker thread: a hostile one costs that thread a few seconds, not the hub. */
  private readonly schemas = new SchemaChecks();
  /** Registered workers connected to this instance, by session id. */
  private readonly workers = new Map<string, Worker>();
  private reaper: NodeJS.Timeout | undefined;
  private dispatching: Promise<void> | undefined;
  private dispatchAgain = false;

  constructor(
    private readonly store: Store,
    private readonly host: TaskHost,
    private readonly clock: Clock,
    private readonly options: TaskBoardOptions,
    private readonly onError: (error: unknown, what: string) => void,
  ) {}

  start(): void {
    this.reaper = setInterval(() => {
      this.reap().catch((error) => this.onError(error, 'task reaper failed'));
    }, this.options.reaperIntervalMs);
    this.reaper.unref();
  }

  stop(): void {
    clearInterval(this.reaper);
  }

  /** After the transports have drained: checks still running for their requests may finish first. */
  close(): Promise<void> {
    return this.schemas.close();
  }

  private iso(offsetMs = 0): string {
    return new Date(this.clock.now() + offsetMs).toISOString();
  }

  // Creating and reading

  async create(actor: MemberRecord, params: ParsedParams<'task.create'>): Promise<{ task: Task; duplicate: boolean }> {
    checkJsonSize(params.context, 'context');
    if (params.acceptance.schema) checkJsonSize(params.acceptance.schema, 'acceptance.schema');
    const workers = await this.namedWorkers(params.workers);
    if (params.parent) await this.get(actor, params.parent);
    const id = newId('task');
    const at = this.iso();
    let room: RoomRecord | undefined;
    let threadId: string | null = null;
    if (params.client_id) {
      const earlier = await this.store.taskByClientId(actor.id, params.client_id);
      if (earlier) return { task: earlier, duplicate: true };
    }
    if (params.room) {
      room = await this.host.resolveRoom(params.room);
      await this.host.requireMember(room.id, actor);
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
      priority: params.priority,
      max_attempts: params.max_attempts,
      lease_ms: params.lease_ms,
      status: 'pending',
      room: room.id,
      thread_id: null,
      parent: params.parent ?? null,
      client_id: params.client_id ?? null,
      creator: actor.handle,
      assignee: null,
      attempts: 0,
      lease_expires_at: null,
      result: null,
      verdict: null,
      feedback: null,
      question: null,
      created_at: at,
      updated_at: at,
      version: 1,
    };
    if (params.room) {
      threadId = await this.host.postSystem(room.id, `**Task** ${params.title}\n\n${params.description}`.trim(), {
        metadata: { task: id },
      });
      task.thread_id = threadId;
    }
    const result = await this.store.insertTask(
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
    this.host.publishEvent(result.event);
    this.dispatch();
    return { task: result.task, duplicate: false };
  }

  async get(actor: MemberRecord, id: string): Promise<Task> {
    const { task } = await this.row(id);
    await this.requireVisible(actor, task);
    return task;
  }

  async list(actor: MemberRecord, params: ParsedParams<'task.list'>): Promise<{ tasks: Task[]; next: string | null }> {
    const query: TaskQuery = { limit: params.limit + 1, status: params.status };
    // An unknown handle matches no task, rather than being ignored.
    if (params.assignee) query.assigneeId = (await this.host.memberByHandle(params.assignee))?.id ?? '-';
    if (params.creator) query.creatorId = (await this.host.memberByHandle(params.creator))?.id ?? '-';
    if (params.room) query.roomId = (await this.filterRoom(actor, params.room)).id;
    if (params.capability) query.capability = params.capability;
    if (params.created_after) query.createdAfter = new Date(params.created_after).toISOString();
    if (params.created_before) query.createdBefore = new Date(params.created_before).toISOString();
    if (params.cursor) query.before = decodeCursor(params.cursor);
    // Visibility is part of the query, so a page and its `next` cursor are made of visible tasks only.
    if (actor.role !== 'admin') query.visibleTo = { memberId: actor.id, roomIds: await this.host.roomIdsOf(actor) };
    const found = await this.store.listTasks(query);
    const page = found.slice(0, params.limit);
    const last = page.at(-1);
    const next = found.length > params.limit && last ? encodeCursor(last) : null;
    return { tasks: page, next };
  }

  // Workers

  /** Registers a connection for pushed tasks; returns the capabilities it is registered with. */
  registerWorker(
    sessionId: string,
    member: MemberRecord,
    capabilities: string[] | undefined,
    concurrency: number,
  ): string[] {
    const own = grantedOf(member, capabilities);
    this.workers.set(sessionId, { sessionId, member, capabilities: own, concurrency });
    this.dispatch();
    return [...own].sort();
  }

  unregisterWorker(sessionId: string): void {
    this.workers.delete(sessionId);
  }

  /** The next pending task the worker can do, claimed atomically: highest priority, then oldest. */
  async claim(actor: MemberRecord, capabilities: string[] | undefined): Promise<TaskClaim | null> {
    this.requireWorker(actor);
    const own = grantedOf(actor, capabilities);
    for (let offset = 0; ; offset += CLAIM_SCAN) {
      const candidates = await this.store.pendingTasks(CLAIM_SCAN, offset);
      for (const row of candidates) {
        if (!(await this.mayTake(actor, own, row.task))) continue;
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
    const expires = this.iso(row.task.lease_ms);
    if (row.task.files.length > 0) {
      const held = await this.store.reserveFiles(
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
    const moved = await this.move(
      row,
      'claim',
      'assigned',
      worker,
      {
        assignee: worker.handle,
        lease_expires_at: expires,
        verdict: null,
      },
      { assignee_id: worker.id, lease_token: token },
    );
    if (!moved) {
      // Whoever reserves a task's files first is the only one who can claim it: these rows are ours.
      if (row.task.files.length > 0) await this.store.releaseFiles({ task_id: row.task.id });
      return null;
    }
    await this.host.ensureMember(moved.room, worker);
    return { task: moved, lease: { token, expires_at: expires } };
  }

  async heartbeat(
    actor: MemberRecord,
    id: string,
    token: string,
  ): Promise<{ task: Task; lease: { token: string; expires_at: string } }> {
    return this.retrying(async () => {
      const row = await this.leased(actor, id, token);
      // While a person is asked, the lease is paused: a heartbeat then has nothing to renew.
      if (row.task.status === 'input_required')
        return { task: row.task, lease: { token, expires_at: this.iso(row.task.lease_ms) } };
      const expires = this.iso(row.task.lease_ms);
      const started = row.task.status === 'assigned';
      const moved = started
        ? await this.move(row, 'start', 'running', actor, { lease_expires_at: expires })
        : await this.renew(row, expires);
      if (!moved) throw new HubError(started ? 'task_conflict' : 'lease_invalid');
      if (row.task.files.length > 0) await this.store.extendReservations(row.task.id, expires);
      return { task: moved, lease: { token, expires_at: expires } };
    });
  }

  async report(
    actor: MemberRecord,
    id: string,
    token: string,
    result: TaskResult,
  ): Promise<{ task: Task; verdict: TaskVerdict }> {
    if (result.data !== undefined) checkJsonSize(result.data, 'result.data');
    // Checked once, by the worker that holds the lease; a lost race below moves the task again, not the check.
    const { task: leasedTask } = await this.leased(actor, id, token);
    const schema = leasedTask.acceptance.schema;
    const schemaErrors = schema ? await this.schemas.validate(actor.id, schema, result.data) : [];
    return this.retrying(async () => {
      const row = await this.leased(actor, id, token);
      const errors = [...schemaErrors];
      const outside = this.outsideReservation(row.task, result.files_changed);
      if (outside.length > 0) errors.push(`files changed outside the task's files: ${outside.join(', ')}`);
      const verdict: TaskVerdict = { valid: errors.length === 0, errors, by: 'hub', at: this.iso() };
      if (verdict.valid) {
        const to: TaskStatus = row.task.acceptance.review ? 'review' : 'completed';
        const moved = await this.move(
          row,
          'report',
          to,
          actor,
          { result, verdict, lease_expires_at: null },
          { lease_token: null },
        );
        if (!moved) throw new HubError('task_conflict');
        if (to === 'review')
          await this.notifyPeople(moved, `is ready for review: accept it or reject it with feedback.`, [moved.creator]);
        this.dispatch();
        return { task: moved, verdict };
      }
      const attempts = row.task.attempts + 1;
      const exhausted = attempts >= row.task.max_attempts || outside.length > 0;
      const moved = await this.move(
        row,
        'invalid',
        exhausted ? 'failed' : 'running',
        actor,
        {
          result,
          verdict,
          attempts,
          lease_expires_at: exhausted ? null : this.iso(row.task.lease_ms),
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
        await this.escalate(moved, `failed: ${why}. ${errors.join('; ')}`);
      }
      return { task: moved, verdict };
    });
  }

  /** Hands a task back; it counts as an attempt, so a worker that always fails cannot loop on one task. */
  async release(actor: MemberRecord, id: string, token: string, reason: string | undefined): Promise<Task> {
    return this.retrying(async () => {
      const row = await this.leased(actor, id, token);
      const attempts = row.task.attempts + 1;
      const exhausted = attempts >= row.task.max_attempts;
      const moved = await this.move(
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
      if (exhausted) await this.escalate(moved, `failed: handed back ${attempts} times. ${reason ?? ''}`.trim());
      this.dispatch();
      return moved;
    });
  }

  async ask(actor: MemberRecord, id: string, token: string, question: string): Promise<Task> {
    return this.retrying(async () => {
      const row = await this.leased(actor, id, token);
      const moved = await this.move(row, 'ask', 'input_required', actor, { question, lease_expires_at: null });
      if (!moved) throw new HubError('task_conflict');
      // The files stay the worker's while a person thinks: no lease runs out meanwhile.
      if (moved.files.length > 0) await this.store.extendReservations(moved.id, this.iso(TaskLimits.maxLeaseMs));
      await this.escalate(moved, `@${actor.handle} asks: ${question}`);
      return moved;
    });
  }

  /** A person's (or the creator's) answer: the worker that asked resumes; an escalated task goes back to the queue. */
  async answer(actor: MemberRecord, id: string, answer: string): Promise<Task> {
    const row = await this.row(id);
    await this.requireReviewer(actor, row.task);
    const resumes = row.task.status === 'input_required' && row.assignee_id !== null && row.lease_token !== null;
    const moved = resumes
      ? await this.move(row, 'answer', 'running', actor, {
          feedback: answer,
          question: null,
          lease_expires_at: this.iso(row.task.lease_ms),
        })
      : await this.move(
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
    if (resumes && moved.files.length > 0) await this.store.extendReservations(moved.id, moved.lease_expires_at!);
    this.dispatch();
    return moved;
  }

  async accept(actor: MemberRecord, id: string): Promise<Task> {
    const row = await this.row(id);
    await this.requireReviewer(actor, row.task);
    const verdict: TaskVerdict = { valid: true, errors: [], by: actor.handle, at: this.iso() };
    const moved = await this.move(row, 'accept', 'completed', actor, { verdict });
    if (!moved) throw new HubError('task_conflict');
    return moved;
  }

  async reject(actor: MemberRecord, id: string, feedback: string): Promise<Task> {
    const row = await this.row(id);
    await this.requireReviewer(actor, row.task);
    const verdict: TaskVerdict = { valid: false, errors: [feedback], by: actor.handle, at: this.iso() };
    const moved = await this.move(
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
    this.dispatch();
    return moved;
  }

  async cancel(actor: MemberRecord, id: string, reason: string | undefined): Promise<Task> {
    const row = await this.visibleRow(actor, id);
    if (row.creator_id !== actor.id && actor.role !== 'admin') {
      throw new HubError('forbidden', 'Only the task’s creator or an admin may cancel it.');
    }
    const moved = await this.move(
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
    const event = await this.store.deleteTask(id, (task) => ({
      kind: 'task.deleted',
      actor: actor.handle,
      at: this.iso(),
      data: { id: task.id, title: task.title },
      agents: [],
    }));
    if (!event) throw new HubError('task_not_found');
    this.host.publishEvent(event);
  }

  // File reservations

  async reserveFiles(
    actor: MemberRecord,
    patterns: string[],
    mode: ReservationMode,
    ttlMs: number,
    taskId: string | undefined,
  ): Promise<FileReservation[]> {
    if (taskId) {
      const row = await this.visibleRow(actor, taskId);
      if (row.assignee_id !== actor.id)
        throw new HubError('forbidden', 'Only the task’s assignee reserves files for it.');
    }
    const held = await this.store.reserveFiles(
      {
        holder_id: actor.id,
        holder: actor.handle,
        task_id: taskId ?? null,
        patterns,
        mode,
        expires_at: this.iso(ttlMs),
        now: this.iso(),
      },
      patternsOverlap,
    );
    if ('conflicts' in held) {
      const conflicts = await this.shownTo(actor, held.conflicts);
      const named = conflicts.map(
        (other) =>
          `${other.pattern} (${other.mode}, held by @${other.holder}${other.task ? ` for ${other.task}` : ''})`,
      );
      throw new HubError('reservation_conflict', `Reserved by someone else: ${named.join('; ')}.`, {
        details: { conflicts },
      });
    }
    return held.reservations;
  }

  releaseFiles(actor: MemberRecord, patterns: string[] | undefined): Promise<number> {
    return this.store.releaseFiles({ holder_id: actor.id, patterns });
  }

  async listReservations(actor: MemberRecord, holder: string | undefined): Promise<FileReservation[]> {
    const holderId = holder ? ((await this.host.memberByHandle(holder))?.id ?? '-') : undefined;
    return this.shownTo(actor, await this.store.listReservations(this.iso(), holderId));
  }

  /**
   * Reservations as the actor may see them: every live claim on a path counts for everyone, but
   * the task behind it is named only to those who can see that task.
   */
  private async shownTo(actor: MemberRecord, reservations: FileReservation[]): Promise<FileReservation[]> {
    const visible = await this.visibility(actor);
    const seen = new Map<string, boolean>();
    const shown: FileReservation[] = [];
    for (const reservation of reservations) {
      const taskId = reservation.task;
      if (taskId !== null && !seen.has(taskId)) {
        const row = await this.store.taskRow(taskId);
        seen.set(taskId, row !== undefined && visible(row.task));
      }
      shown.push(taskId === null || seen.get(taskId) ? reservation : { ...reservation, task: null });
    }
    return shown;
  }

  // The reaper and push dispatch

  /** Takes back expired leases (retry, or fail and escalate after max attempts) and escalates tasks nobody took. */
  async reap(): Promise<void> {
    const now = this.iso();
    for (const row of await this.store.expiredTasks(now, REAP_BATCH)) {
      const attempts = row.task.attempts + 1;
      const exhausted = attempts >= row.task.max_attempts;
      const worker = row.task.assignee;
      const moved = await this.move(
        row,
        'expire',
        exhausted ? 'failed' : 'pending',
        undefined,
        {
          attempts,
          assignee: null,
          lease_expires_at: null,
          question: exhausted ? `The lease expired ${attempts} times; the last worker was @${worker}.` : null,
        },
        { assignee_id: null, lease_token: null },
      );
      if (moved && exhausted)
        await this.escalate(moved, `failed: its lease expired ${attempts} times (last worker @${worker}).`);
    }
    if (this.options.escalateAfterMs > 0) {
      const stale = this.iso(-this.options.escalateAfterMs);
      for (const row of await this.store.pendingTasks(REAP_BATCH, 0)) {
        if (row.task.updated_at > stale || (await this.someWorkerCan(row.task))) continue;
        const question = `No worker has taken this task for ${Math.round(this.options.escalateAfterMs / 60_000)} minutes.`;
        const moved = await this.move(row, 'escalate', 'input_required', undefined, { question });
        if (moved) await this.escalate(moved, question);
      }
    }
    this.dispatch();
  }

  /** Offers pending tasks to this instance's registered workers, least loaded first; one pass at a time. */
  dispatch(): void {
    if (this.workers.size === 0) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = this.pushPending()
      .catch((error) => this.onError(error, 'task dispatch failed'))
      .finally(() => {
        this.dispatching = undefined;
        if (this.dispatchAgain) {
          this.dispatchAgain = false;
          this.dispatch();
        }
      });
  }

  /** Whether a worker registered here may take the task (it may be busy, or wait for files). */
  private async someWorkerCan(task: Task): Promise<boolean> {
    for (const worker of this.workers.values()) {
      if (await this.mayTake(await this.host.memberById(worker.member.id), worker.capabilities, task)) return true;
    }
    return false;
  }

  /**
   * Whether a worker with these capabilities may take the task. Capabilities only route work: they
   * count as far as the hub granted them to the member now, and never open a private room. A task
   * logged in a private room goes only to that room's members and the agents its creator named.
   */
  private async mayTake(worker: MemberRecord, capabilities: ReadonlySet<string>, task: Task): Promise<boolean> {
    const granted = new Set(worker.capabilities);
    if (!task.capabilities.every((capability) => capabilities.has(capability) && granted.has(capability))) return false;
    // A task without a chosen room has a room of its own, made for whoever takes it.
    if (task.thread_id === null || task.workers.includes(worker.handle)) return true;
    if (await this.host.isMember(task.room, worker.id)) return true;
    return (await this.host.resolveRoom(task.room)).kind === 'public';
  }

  private async pushPending(): Promise<void> {
    const load = await this.store.activeTaskCounts();
    for (let offset = 0; ; offset += CLAIM_SCAN) {
      const candidates = await this.store.pendingTasks(CLAIM_SCAN, offset);
      let claimed = 0;
      for (const row of candidates) {
        const able: Array<{ worker: Worker; member: MemberRecord }> = [];
        for (const worker of this.workers.values()) {
          if ((load.get(worker.member.id) ?? 0) >= worker.concurrency) continue;
          // The member as the hub knows it now: capabilities taken away since registering no longer count.
          const member = await this.host.memberById(worker.member.id);
          if (await this.mayTake(member, worker.capabilities, row.task)) able.push({ worker, member });
        }
        able.sort((a, b) => (load.get(a.member.id) ?? 0) - (load.get(b.member.id) ?? 0));
        const chosen = able[0];
        if (!chosen) continue;
        const { worker, member } = chosen;
        const claim = await this.tryClaim(row, member);
        if (!claim) continue;
        claimed += 1;
        load.set(worker.member.id, (load.get(worker.member.id) ?? 0) + 1);
        if (!this.host.sendTo(worker.sessionId, { type: 'task.assigned', ...claim })) {
          // The worker left between the choice and the send: the lease will lapse and the reaper requeue it.
          this.workers.delete(worker.sessionId);
        }
      }
      // Claimed rows left the pending list, so the same offset now shows later ones.
      if (candidates.length < CLAIM_SCAN) return;
      if (claimed > 0) offset -= claimed;
    }
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

  // The one place a task changes

  /**
   * Moves a task by `action` to `to`, if the transition table allows it, as a compare-and-set on
   * its version; logs it in the task's room. Undefined when another change won the race.
   */
  private async move(
    row: TaskRow,
    action: TaskAction,
    to: TaskStatus,
    actor: MemberRecord | undefined,
    changes: Partial<Task>,
    hidden: Partial<Pick<TaskRow, 'assignee_id' | 'lease_token'>> = {},
  ): Promise<Task | undefined> {
    const from = row.task.status;
    if (!mayTransition(from, action, to)) {
      throw new HubError('invalid_transition', `A ${from} task cannot be moved by ${action} to ${to}.`);
    }
    const at = this.iso();
    const task: Task = { ...row.task, ...changes, status: to, updated_at: at, version: row.task.version + 1 };
    const next: TaskRow = { ...row, ...hidden, task };
    const audience = new Set(
      [row.creator_id, next.assignee_id, row.assignee_id].filter((id): id is string => id !== null),
    );
    const agents: string[] = [];
    for (const id of audience) if ((await this.host.memberById(id)).kind === 'agent') agents.push(id);
    const written = await this.store.replaceTask(next, (stored) => ({
      kind: 'task.updated',
      actor: actor?.handle ?? 'system',
      at,
      data: { task: stored, action, from, to },
      agents,
    }));
    if (!written) return undefined;
    if (written.event) this.host.publishEvent(written.event);
    if (HOLDS_FILES.has(from) && !HOLDS_FILES.has(to)) await this.store.releaseFiles({ task_id: task.id });
    return written.task;
  }

  /** A heartbeat on a running task: a new expiry, not worth a line in the room's log. */
  private async renew(row: TaskRow, expires: string): Promise<Task | undefined> {
    if (!(await this.store.renewLease(row.task.id, row.lease_token!, expires))) return undefined;
    return { ...row.task, lease_expires_at: expires };
  }

  private async escalate(task: Task, why: string): Promise<void> {
    await this.notifyPeople(task, `needs a person: ${why}`, [task.creator]);
  }

  private async notifyPeople(task: Task, what: string, also: string[]): Promise<void> {
    const people = await this.host.peopleIn(task.room);
    const mentions = [...new Set([...also, ...people])].filter((handle) => handle !== 'system');
    const content =
      `${mentions.map((handle) => `@${handle}`).join(' ')} Task “${task.title}” (${task.id}) ${what}\n\n` +
      `Answer with \`roundtable task answer ${task.id} "…"\`` +
      (task.status === 'review' ? `, or accept or reject it.` : '.');
    await this.host.postSystem(task.room, content, {
      mentions,
      threadId: task.thread_id,
      metadata: { task: task.id, status: task.status },
    });
  }

  // Checks

  private async row(id: string): Promise<TaskRow> {
    const row = await this.store.taskRow(id);
    if (!row) throw new HubError('task_not_found');
    return row;
  }

  /** The task, if the actor may see it: to anyone else it does not exist, whatever they meant to do with it. */
  private async visibleRow(actor: MemberRecord, id: string): Promise<TaskRow> {
    const row = await this.row(id);
    await this.requireVisible(actor, row.task);
    return row;
  }

  /** The room a task list is filtered by: a private room one is not in is as unknown as a missing one. */
  private async filterRoom(actor: MemberRecord, ref: string): Promise<RoomRecord> {
    const room = await this.host.resolveRoom(ref);
    if (room.kind !== 'public' && actor.role !== 'admin') await this.host.requireMember(room.id, actor);
    return room;
  }

  /** The agents a creator names as workers: each must be an agent of this hub. */
  private async namedWorkers(handles: string[]): Promise<string[]> {
    const named = [...new Set(handles)].sort();
    for (const handle of named) {
      const member = await this.host.memberByHandle(handle);
      if (!member) throw new HubError('member_not_found', `No member @${handle}.`);
      if (member.kind !== 'agent')
        throw new HubError('invalid_request', `@${handle} is not an agent: workers are agents.`);
      if (member.disabled) throw new HubError('forbidden', `@${handle} is disabled and cannot be named a worker.`);
    }
    return named;
  }

  /** The task, if the actor holds its live lease under this token. */
  private async leased(actor: MemberRecord, id: string, token: string): Promise<TaskRow> {
    const row = await this.visibleRow(actor, id);
    const live =
      row.assignee_id === actor.id &&
      row.lease_token === token &&
      (row.task.status === 'assigned' || row.task.status === 'running' || row.task.status === 'input_required') &&
      (row.task.lease_expires_at === null || row.task.lease_expires_at > this.iso());
    if (!live) throw new HubError('lease_invalid');
    return row;
  }

  private requireWorker(actor: MemberRecord): void {
    if (actor.kind !== 'agent') throw new HubError('forbidden', 'Only agents take tasks as workers.');
  }

  /** The creator, or a person in the task's room, may answer, accept and reject. */
  private async requireReviewer(actor: MemberRecord, task: Task): Promise<void> {
    await this.requireVisible(actor, task);
    if (actor.handle === task.assignee) throw new HubError('forbidden', 'A worker does not review its own result.');
    if (actor.handle === task.creator || actor.role === 'admin') return;
    if (actor.kind !== 'person') throw new HubError('forbidden', 'Only the task’s creator or a person may do this.');
    await this.host.requireMember(task.room, actor);
  }

  private async requireVisible(actor: MemberRecord, task: Task): Promise<void> {
    if (!(await this.visibility(actor))(task)) throw new HubError('task_not_found');
  }

  /** A task is seen by the members of its room, its creator and assignee, and admins; to others it does not exist. */
  private async visibility(actor: MemberRecord): Promise<(task: Task) => boolean> {
    if (actor.role === 'admin') return () => true;
    const mine = new Set(await this.host.roomIdsOf(actor));
    return (task) => mine.has(task.room) || task.creator === actor.handle || task.assignee === actor.handle;
  }

  private outsideReservation(task: Task, changed: string[]): string[] {
    if (task.files.length === 0) return [];
    const inside = picomatch(task.files, { dot: true });
    return changed.filter((file) => !inside(file));
  }
}

/**
 * Whether two path patterns may name a common file. Exact for plain paths; for two globs it is
 * cautious: globs under nested static directories are taken to overlap.
 */
export function patternsOverlap(a: string, b: string): boolean {
  if (a === b || picomatch(a, { dot: true })(b) || picomatch(b, { dot: true })(a)) return true;
  const first = picomatch.scan(a);
  const second = picomatch.scan(b);
  if (!first.isGlob || !second.isGlob) return false;
  const under = (base: string, parent: string) => parent === '' || base === parent || base.startsWith(`${parent}/`);
  return under(first.base, second.base) || under(second.base, first.base);
}

/**
 * The capabilities a worker works with: those it asks for (all it has when it names none), each of
 * which the hub must have granted it. What a frame claims is never believed.
 */
function grantedOf(member: MemberRecord, asked: string[] | undefined): Set<string> {
  const granted = new Set(member.capabilities);
  const missing = (asked ?? []).filter((capability) => !granted.has(capability));
  if (missing.length > 0) {
    throw new HubError(
      'forbidden',
      `@${member.handle} has not been granted ${missing.join(', ')}: an admin grants capabilities.`,
      { details: { missing } },
    );
  }
  return new Set(asked ?? member.capabilities);
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
