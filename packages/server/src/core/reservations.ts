/**
 * File reservations: exclusive or shared claims on path globs, under a lease, so workers do not
 * step on each other's files. Overlaps are conflicts; the task behind a claim is named only to
 * those who may see that task.
 */
import picomatch from 'picomatch';
import type { FileReservation, ReservationMode, Task } from '@roundtable/protocol';
import { HubError } from './hub-error.js';
import type { HubContext } from './context.js';
import type { MemberRecord } from './ports.js';
import type { TaskAccess } from './task-access.js';
import { HOLDS_FILES } from './task-moves.js';

export class FileReservations {
  constructor(
    private readonly ctx: HubContext,
    private readonly access: TaskAccess,
  ) {}

  private iso(offsetMs = 0): string {
    return new Date(this.ctx.clock.now() + offsetMs).toISOString();
  }

  async reserveFiles(
    actor: MemberRecord,
    patterns: string[],
    mode: ReservationMode,
    ttlMs: number,
    taskId: string | undefined,
  ): Promise<FileReservation[]> {
    if (taskId) {
      const row = await this.access.visibleRow(actor, taskId);
      if (row.assignee_id !== actor.id)
        throw new HubError('forbidden', 'Only the task’s assignee reserves files for it.');
      if (!HOLDS_FILES.has(row.task.status))
        throw new HubError('forbidden', `A ${row.task.status} task holds no files: its work is not under way.`);
    }
    const held = await this.ctx.store.reserveFiles(
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
    return this.ctx.store.releaseFiles({ holder_id: actor.id, patterns });
  }

  async listReservations(actor: MemberRecord, holder: string | undefined): Promise<FileReservation[]> {
    const holderId = holder ? ((await this.ctx.store.memberByHandle(holder))?.id ?? '-') : undefined;
    return this.shownTo(actor, await this.ctx.store.listReservations(this.iso(), holderId));
  }

  /**
   * Reservations as the actor may see them: every live claim on a path counts for everyone, but
   * the task behind it is named only to those who can see that task.
   */
  private async shownTo(actor: MemberRecord, reservations: FileReservation[]): Promise<FileReservation[]> {
    const visible = await this.access.visibility(actor);
    const seen = new Map<string, boolean>();
    const shown: FileReservation[] = [];
    for (const reservation of reservations) {
      const taskId = reservation.task;
      if (taskId !== null && !seen.has(taskId)) {
        const row = await this.ctx.store.taskRow(taskId);
        seen.set(taskId, row !== undefined && visible(row.task));
      }
      shown.push(taskId === null || seen.get(taskId) ? reservation : { ...reservation, task: null });
    }
    return shown;
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

/** The files a report says it changed that lie outside the task's files. */
export function outsideReservation(task: Task, changed: string[]): string[] {
  if (task.files.length === 0) return [];
  const inside = picomatch(task.files, { dot: true });
  return changed.filter((file) => !inside(file));
}
