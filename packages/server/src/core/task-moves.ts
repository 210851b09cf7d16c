/**
 * The one place a task changes: `move` checks the transition against the protocol's table, writes
 * it as a compare-and-set on the task's version, logs it as a `task.updated` event in the task's
 * room, and releases the worker's files when it stops holding them. Escalations to people too.
 */
import { mayTransition, TERMINAL_STATUSES, type Task, type TaskAction, type TaskStatus } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { HubError } from './hub-error.js';
import type { MemberRecord, TaskRow } from './ports.js';
import type { TaskHost } from './tasks.js';

/** What every new task starts with, whatever its kind: pending, never attempted, nothing said of it yet. */
export function unstarted(at: string) {
  return {
    status: 'pending' as const,
    assignee: null,
    assigned_at: null,
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
}

/** Statuses in which a task's worker holds its files. */
export const HOLDS_FILES: ReadonlySet<TaskStatus> = new Set(['assigned', 'running', 'input_required']);

export class TaskMoves {
  constructor(
    private readonly ctx: HubContext,
    private readonly host: Pick<TaskHost, 'postSystem'>,
    /** A task reached an end (completed, failed, cancelled): its batch or parent may be done. */
    private readonly ended: (row: TaskRow) => Promise<void> = async () => {},
  ) {}

  private iso(): string {
    return new Date(this.ctx.clock.now()).toISOString();
  }

  /**
   * Moves a task by `action` to `to`, if the transition table allows it, as a compare-and-set on
   * its version; logs it in the task's room. Undefined when another change won the race.
   */
  async move(
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
    // A new holder (or none) is when "held since" starts over.
    if ('assignee' in changes) task.assigned_at = changes.assignee ? at : null;
    const next: TaskRow = { ...row, ...hidden, task };
    const audience = new Set(
      [row.creator_id, next.assignee_id, row.assignee_id].filter((id): id is string => id !== null),
    );
    const agents: string[] = [];
    for (const id of audience) if ((await this.ctx.member(id)).kind === 'agent') agents.push(id);
    const written = await this.ctx.store.replaceTask(next, (stored) => ({
      kind: 'task.updated',
      actor: actor?.handle ?? 'system',
      at,
      data: { task: stored, action, from, to },
      agents,
    }));
    if (!written) return undefined;
    if (written.event) this.ctx.publishEvent(written.event);
    if (HOLDS_FILES.has(from) && !HOLDS_FILES.has(to)) await this.ctx.store.releaseFiles({ task_id: task.id });
    if (TERMINAL_STATUSES.has(to)) await this.ended({ ...next, task: written.task });
    return written.task;
  }

  /** A heartbeat on a running task: a new expiry, not worth a line in the room's log. */
  async renew(row: TaskRow, expires: string, doc: Partial<Task> = {}): Promise<Task | undefined> {
    if (!(await this.ctx.store.renewLease(row.task.id, row.lease_token!, expires, doc))) return undefined;
    return { ...row.task, ...doc, lease_expires_at: expires };
  }

  async escalate(task: Task, why: string): Promise<void> {
    await this.notifyPeople(task, `needs a person: ${why}`, [task.creator]);
  }

  async notifyPeople(task: Task, what: string, also: string[]): Promise<void> {
    const views = await this.ctx.memberViews(task.room, await this.ctx.roomMembers(task.room));
    const people = views.filter((member) => member.kind === 'person').map((member) => member.handle);
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
}
