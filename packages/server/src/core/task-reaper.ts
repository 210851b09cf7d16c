/**
 * The reaper: takes back leases that lapsed, or attempts that ran past their `max_runtime_ms`
 * (retried, or failed and escalated after `max_attempts`), and escalates tasks nobody took.
 */
import type { HubContext } from './context.js';
import type { TaskDispatch } from './task-dispatch.js';
import type { TaskMoves } from './task-moves.js';
import { overran } from './task-runtime.js';

const REAP_BATCH = 200;

export async function reapTasks(ctx: HubContext, moves: TaskMoves, workers: TaskDispatch): Promise<void> {
  const nowMs = ctx.clock.now();
  const now = new Date(nowMs).toISOString();
  for (const row of await ctx.store.expiredTasks(now, REAP_BATCH)) {
    const attempts = row.task.attempts + 1;
    const exhausted = attempts >= row.task.max_attempts;
    const worker = row.task.assignee;
    // An attempt that overran its runtime keeps heartbeating, so its lease lapses only at the deadline.
    const ran = overran(row.task, nowMs) ? `ran past its max_runtime_ms of ${row.task.max_runtime_ms} ms` : null;
    const moved = await moves.move(
      row,
      'expire',
      exhausted ? 'failed' : 'pending',
      undefined,
      {
        attempts,
        assignee: null,
        lease_expires_at: null,
        run_deadline_at: null,
        question: !exhausted
          ? null
          : ran
            ? `Attempt ${attempts} ${ran}; the last worker was @${worker}.`
            : `The lease expired ${attempts} times; the last worker was @${worker}.`,
        feedback: ran ? `The last attempt ${ran}.` : row.task.feedback,
      },
      { assignee_id: null, lease_token: null },
    );
    if (moved && exhausted)
      await moves.escalate(
        moved,
        ran
          ? `failed: attempt ${attempts} ${ran} (worker @${worker}).`
          : `failed: its lease expired ${attempts} times (last worker @${worker}).`,
      );
  }
  if (ctx.settings.taskEscalateAfterMs > 0) {
    const stale = new Date(nowMs - ctx.settings.taskEscalateAfterMs).toISOString();
    for (const row of await ctx.store.pendingTasks(REAP_BATCH, 0)) {
      if (row.task.updated_at > stale || (await workers.someWorkerCan(row.task))) continue;
      const question = `No worker has taken this task for ${Math.round(ctx.settings.taskEscalateAfterMs / 60_000)} minutes.`;
      const moved = await moves.move(row, 'escalate', 'input_required', undefined, { question });
      if (moved) await moves.escalate(moved, question);
    }
  }
  workers.dispatch();
}
