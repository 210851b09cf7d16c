/**
 * A task's longest attempt (`max_runtime_ms`): heartbeats keep the lease, but never past the
 * attempt's deadline, so the reaper takes an overrunning task back like any lapsed lease. The
 * deadline is set at the claim and moved on by the time the task waited for a person's answer.
 * And what a heartbeat says of the attempt: when it came, and the worker's progress.
 */
import type { Task } from '@roundtable/protocol';

/** The deadline of an attempt that starts at `now`; null without a limit. */
export function deadlineFrom(task: Task, now: number): string | null {
  return task.max_runtime_ms ? new Date(now + task.max_runtime_ms).toISOString() : null;
}

/** When a lease taken or renewed at `now` ends: `lease_ms` on, but not past the attempt's deadline. */
export function leaseUntil(task: Task, now: number): string {
  const lease = now + task.lease_ms;
  const deadline = task.run_deadline_at ? Date.parse(task.run_deadline_at) : Infinity;
  return new Date(Math.min(lease, deadline)).toISOString();
}

/** Whether the attempt has run out of its time at `now`. */
export function overran(task: Task, now: number): boolean {
  return !!task.run_deadline_at && Date.parse(task.run_deadline_at) <= now;
}

/**
 * The deadline once a person answered the worker's question: a waiting task changes only by that
 * answer, so its `updated_at` is when it began to wait, and the wait does not count.
 */
export function resumedDeadline(task: Task, now: number): string | null {
  if (!task.run_deadline_at) return null;
  const waited = Math.max(0, now - Date.parse(task.updated_at));
  return new Date(Date.parse(task.run_deadline_at) + waited).toISOString();
}

/** What a heartbeat writes on the task besides its lease: when it came, and the progress it carried. */
export function heartbeatFields(beat: { progress?: number; note?: string }, at: string): Partial<Task> {
  return {
    heartbeat_at: at,
    ...(beat.progress === undefined ? {} : { progress: beat.progress }),
    ...(beat.note === undefined ? {} : { progress_note: beat.note }),
  };
}
