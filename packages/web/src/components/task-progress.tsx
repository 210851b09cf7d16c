/**
 * A worker's progress on a task, as its last heartbeat told it: a bar and the note. Stored data is
 * untrusted: a progress outside 0–1 or a note that is not text shows nothing.
 */
import type { Task } from '@roundtable/client';
import { num, text } from '../safe.js';

/** "40% parsing the logs", or undefined when the task has no progress to show. */
export function progressText(task: Task): string | undefined {
  const value = num(task.progress);
  const note = text(task.progress_note)?.slice(0, 280);
  if (value === undefined || value < 0 || value > 1) return note || undefined;
  return [`${Math.round(value * 100)}%`, note].filter(Boolean).join(' ');
}

export function TaskProgress({ task }: { task: Task }) {
  const shown = progressText(task);
  if (!shown) return null;
  const value = num(task.progress);
  return (
    <span className="task-worker-progress">
      {value !== undefined && value >= 0 && value <= 1 && (
        <span className="task-progress" aria-hidden="true">
          <span style={{ width: `${value * 100}%` }} />
        </span>
      )}
      <span className="task-progress-text">{shown}</span>
    </span>
  );
}
