/**
 * Push dispatch: the workers registered on this instance, and the pass that offers them pending
 * tasks, least loaded first, one pass at a time.
 */
import type { Task, TaskClaim } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import type { MemberRecord, TaskRow } from './ports.js';
import { grantedOf, type TaskAccess } from './task-access.js';

/** Pending tasks read per page while looking for one a worker may take. */
export const CLAIM_SCAN = 50;

interface Worker {
  sessionId: string;
  member: MemberRecord;
  capabilities: Set<string>;
  concurrency: number;
  connectedAt: string;
}

export class TaskDispatch {
  /** Registered workers connected to this instance, by session id. */
  private readonly workers = new Map<string, Worker>();
  private dispatching: Promise<void> | undefined;
  private dispatchAgain = false;
  /** Called when a worker registers or leaves this instance (the workers list tells the others). */
  onChange: () => void = () => {};

  constructor(
    private readonly ctx: HubContext,
    private readonly access: TaskAccess,
    /** Claims the task for the worker, files first; null when another claim won. */
    private readonly tryClaim: (row: TaskRow, worker: MemberRecord) => Promise<TaskClaim | null>,
  ) {}

  /** Registers a connection for pushed tasks; returns the capabilities it is registered with. */
  register(sessionId: string, member: MemberRecord, capabilities: string[] | undefined, concurrency: number): string[] {
    const own = grantedOf(member, capabilities);
    const connectedAt = new Date(this.ctx.clock.now()).toISOString();
    this.workers.set(sessionId, { sessionId, member, capabilities: own, concurrency, connectedAt });
    this.onChange();
    this.dispatch();
    return [...own].sort();
  }

  unregister(sessionId: string): void {
    if (this.workers.delete(sessionId)) this.onChange();
  }

  /** The workers registered on this instance. */
  registered(): Array<
    Pick<Worker, 'sessionId' | 'member' | 'concurrency' | 'connectedAt'> & { capabilities: string[] }
  > {
    return [...this.workers.values()].map((worker) => ({ ...worker, capabilities: [...worker.capabilities].sort() }));
  }

  /** Offers pending tasks to this instance's registered workers, least loaded first; one pass at a time. */
  dispatch(): void {
    if (this.workers.size === 0) return;
    if (this.dispatching) {
      this.dispatchAgain = true;
      return;
    }
    this.dispatching = this.pushPending()
      .catch((error) => this.ctx.logger.warn({ err: error }, 'task dispatch failed'))
      .finally(() => {
        this.dispatching = undefined;
        if (this.dispatchAgain) {
          this.dispatchAgain = false;
          this.dispatch();
        }
      });
  }

  /** Whether a worker registered here may take the task (it may be busy, or wait for files). */
  async someWorkerCan(task: Task): Promise<boolean> {
    for (const worker of this.workers.values()) {
      if (await this.access.mayTake(await this.ctx.member(worker.member.id), worker.capabilities, task)) return true;
    }
    return false;
  }

  private async pushPending(): Promise<void> {
    const load = await this.ctx.store.activeTaskCounts();
    for (let offset = 0; ; offset += CLAIM_SCAN) {
      const candidates = await this.ctx.store.pendingTasks(CLAIM_SCAN, offset);
      let claimed = 0;
      for (const row of candidates) {
        const able: Array<{ worker: Worker; member: MemberRecord }> = [];
        for (const worker of this.workers.values()) {
          if ((load.get(worker.member.id) ?? 0) >= worker.concurrency) continue;
          // The member as the hub knows it now: capabilities taken away since registering no longer count.
          const member = await this.ctx.member(worker.member.id);
          if (await this.access.mayTake(member, worker.capabilities, row.task)) able.push({ worker, member });
        }
        able.sort((a, b) => (load.get(a.member.id) ?? 0) - (load.get(b.member.id) ?? 0));
        const chosen = able[0];
        if (!chosen) continue;
        const { worker, member } = chosen;
        const claim = await this.tryClaim(row, member);
        if (!claim) continue;
        claimed += 1;
        load.set(worker.member.id, (load.get(worker.member.id) ?? 0) + 1);
        if (!this.sendTo(worker.sessionId, { type: 'task.assigned', ...claim })) {
          // The worker left between the choice and the send: the lease will lapse and the reaper requeue it.
          this.unregister(worker.sessionId);
        }
      }
      // Claimed rows left the pending list, so the same offset now shows later ones.
      if (candidates.length < CLAIM_SCAN) return;
      if (claimed > 0) offset -= claimed;
    }
  }

  /** Sends a frame to one connected session of this instance. */
  private sendTo(sessionId: string, frame: object): boolean {
    for (const session of this.ctx.sessions.all) {
      if (session.id === sessionId) {
        session.connection.send(JSON.stringify(frame));
        return true;
      }
    }
    return false;
  }
}
