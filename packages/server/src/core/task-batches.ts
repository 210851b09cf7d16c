/**
 * Batches and subtasks: a parent task read with its subtasks' counts by status, and the roll-up
 * sent once when every task of a creator's batch, or every subtask of a parent, has ended: a
 * `task.batch_done` event and a system message with the tally, addressed to the creator.
 */
import type { Task, TaskBatchDone, TaskStatus } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import type { StatusCounts, TaskRow, TaskScope } from './ports.js';
import type { TaskHost } from './tasks.js';

/** The order a tally is told in. */
const TALLY_ORDER: TaskStatus[] = ['completed', 'failed', 'cancelled'];

export class TaskBatches {
  constructor(
    private readonly ctx: HubContext,
    private readonly host: Pick<TaskHost, 'postSystem'>,
  ) {}

  /** The tasks as read, each parent with `subtasks`: its subtasks' counts by status. */
  async withSubtasks(tasks: Task[]): Promise<Task[]> {
    const counts = await this.ctx.store.subtaskCounts(tasks.map((task) => task.id));
    if (counts.size === 0) return tasks;
    return tasks.map((task) => (counts.has(task.id) ? { ...task, subtasks: counts.get(task.id) } : task));
  }

  /** After a task ended: rolls up its batch and its parent's subtasks, each if that was the last to end. */
  async ended(row: TaskRow): Promise<void> {
    const { task } = row;
    try {
      if (task.batch) {
        await this.rollUp(
          { batch: task.batch, creatorId: row.creator_id },
          `batch:${row.creator_id}:${task.batch}`,
          row.creator_id,
          task.room,
          null,
          { batch: task.batch, parent: null },
        );
      }
      const parent = task.parent ? await this.ctx.store.taskRow(task.parent) : undefined;
      if (parent) {
        await this.rollUp(
          { parentId: parent.task.id },
          `parent:${parent.task.id}`,
          parent.creator_id,
          parent.task.room,
          parent.task.thread_id,
          { batch: null, parent: parent.task.id },
        );
      }
    } catch (error) {
      // The move that ended the task stands; a roll-up that failed here is logged, not thrown at the worker.
      this.ctx.logger.warn({ err: error, task: task.id }, 'task roll-up failed');
    }
  }

  private async rollUp(
    scope: TaskScope,
    key: string,
    creatorId: string,
    roomId: string,
    threadId: string | null,
    what: Pick<TaskBatchDone, 'batch' | 'parent'>,
  ): Promise<void> {
    const creator = await this.ctx.member(creatorId);
    const at = new Date(this.ctx.clock.now()).toISOString();
    const done = await this.ctx.store.rollUp(scope, key, roomId, (tally, total) => ({
      kind: 'task.batch_done',
      actor: 'system',
      at,
      data: { ...what, creator: creator.handle, total, tally },
      agents: creator.kind === 'agent' ? [creator.id] : [],
    }));
    if (!done) return;
    this.ctx.publishEvent(done.event);
    const name = what.batch !== null ? `Batch “${what.batch}”` : `The subtasks of task ${what.parent}`;
    await this.host.postSystem(
      roomId,
      `@${creator.handle} ${name}: all ${done.total} ended, ${tellTally(done.tally)}.`,
      {
        mentions: [creator.handle],
        threadId,
        metadata: { task_batch: { ...what, total: done.total, tally: done.tally } },
      },
    );
  }
}

function tellTally(tally: StatusCounts): string {
  return TALLY_ORDER.filter((status) => tally[status])
    .map((status) => `${tally[status]} ${status}`)
    .join(', ');
}
