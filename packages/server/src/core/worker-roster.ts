/**
 * The workers list: workers registered on every instance. Each instance tells the others its own
 * (on every change, and as a snapshot every ten seconds); an instance not heard from in three
 * snapshots is forgotten, as presence does (presence-board.ts). Task heartbeats are told as they
 * come, so every instance knows each member's last one.
 */
import type { WorkerInfo } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import type { BusMessage, MemberRecord, WorkerEntry } from './ports.js';
import type { TaskDispatch } from './task-dispatch.js';

/** How often (ms) an instance tells the others its workers when nothing changed. */
const SNAPSHOT_MS = 10_000;

type WorkersControl = Extract<BusMessage, { action: 'workers' | 'workers.sync' | 'worker.heartbeat' }>;

/** Statuses in which a member holds a task. */
const HELD = ['assigned', 'running', 'input_required'] as const;

export class WorkerRoster {
  private readonly remote = new Map<string, { seenAt: number; workers: WorkerEntry[] }>();
  /** Per member id: its last task heartbeat, as any instance saw it (ISO time). */
  private readonly heartbeats = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: HubContext,
    private readonly dispatch: TaskDispatch,
  ) {
    dispatch.onChange = () => this.tell();
    ctx.bus.subscribe((message) => {
      if (
        message.kind === 'control' &&
        (message.action === 'workers' || message.action === 'workers.sync' || message.action === 'worker.heartbeat')
      )
        this.onControl(message);
    });
  }

  start(): void {
    this.timer = setInterval(() => this.tell(), SNAPSHOT_MS);
    this.timer.unref();
    this.ctx.bus.publish({ kind: 'control', action: 'workers.sync', instance: this.ctx.instanceId });
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** A member's task heartbeat arrived here. */
  heartbeat(member: MemberRecord): void {
    const at = new Date(this.ctx.clock.now()).toISOString();
    this.ctx.bus.publish({ kind: 'control', action: 'worker.heartbeat', memberId: member.id, at });
  }

  /** Every registered worker connection, on any instance, with the tasks its member holds that `actor` may see. */
  async list(actor: MemberRecord): Promise<WorkerInfo[]> {
    const now = this.ctx.clock.now();
    const entries: Array<[string, WorkerEntry]> = this.local().map((entry) => [this.ctx.instanceId, entry]);
    for (const [instance, known] of this.remote) {
      if (now - known.seenAt > SNAPSHOT_MS * 3) this.remote.delete(instance);
      else for (const entry of known.workers) entries.push([instance, entry]);
    }
    const visibleTo =
      actor.role === 'admin' ? undefined : { memberId: actor.id, roomIds: await this.ctx.store.roomIdsOf(actor.id) };
    const held = new Map<string, string[]>();
    for (const [, entry] of entries) {
      if (held.has(entry.memberId)) continue;
      const tasks = await this.ctx.store.listTasks({
        assigneeId: entry.memberId,
        status: [...HELD],
        visibleTo,
        limit: 200,
      });
      held.set(
        entry.memberId,
        tasks.map((task) => task.id),
      );
    }
    return entries
      .map(([instance, entry]) => ({
        member: entry.member,
        capabilities: entry.capabilities,
        concurrency: entry.concurrency,
        held: held.get(entry.memberId) ?? [],
        last_heartbeat_at: this.heartbeats.get(entry.memberId) ?? null,
        connected_at: entry.connectedAt,
        instance,
      }))
      .sort((a, b) => a.member.localeCompare(b.member) || a.connected_at.localeCompare(b.connected_at));
  }

  private local(): WorkerEntry[] {
    return this.dispatch.registered().map((worker) => ({
      sessionId: worker.sessionId,
      memberId: worker.member.id,
      member: worker.member.handle,
      capabilities: worker.capabilities,
      concurrency: worker.concurrency,
      connectedAt: worker.connectedAt,
    }));
  }

  private tell(): void {
    this.ctx.bus.publish({ kind: 'control', action: 'workers', instance: this.ctx.instanceId, workers: this.local() });
  }

  private onControl(message: WorkersControl): void {
    if (message.action === 'worker.heartbeat') {
      const before = this.heartbeats.get(message.memberId);
      if (!before || before < message.at) this.heartbeats.set(message.memberId, message.at);
      return;
    }
    if (message.instance === this.ctx.instanceId) return;
    if (message.action === 'workers.sync') this.tell();
    else this.remote.set(message.instance, { seenAt: this.ctx.clock.now(), workers: message.workers });
  }
}
