/** How a task's status and title read on the board, the worker view and a task's detail. */
import type { Task } from '@roundtable/client';
import { TaskStatus } from '@roundtable/protocol';
import { oneOf, text } from '../safe.js';

export const COLUMNS: Array<{ title: string; statuses: Task['status'][] }> = [
  { title: 'Pending', statuses: ['pending'] },
  { title: 'In progress', statuses: ['assigned', 'running'] },
  { title: 'Needs a person', statuses: ['input_required', 'review'] },
  { title: 'Done', statuses: ['completed'] },
  { title: 'Failed or cancelled', statuses: ['failed', 'cancelled'] },
];

export const LABELS: Record<Task['status'], string> = {
  pending: 'pending',
  assigned: 'assigned',
  running: 'running',
  review: 'review',
  input_required: 'needs input',
  completed: 'completed',
  failed: 'failed',
  cancelled: 'cancelled',
};

/** A status's label; a status this board does not know is shown as it came. */
export function label(status: unknown): string | undefined {
  const known = oneOf(status, TaskStatus.options);
  return known ? LABELS[known] : text(status);
}

/** A status as a class name: only the statuses the stylesheet knows. */
export function statusClass(status: unknown): string {
  return oneOf(status, TaskStatus.options) ?? '';
}

export function titleOf(task: Task): string {
  return text(task.title) || 'Untitled task';
}
