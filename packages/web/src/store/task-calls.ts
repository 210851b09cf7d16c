/** The task board's calls: loading what this person can see, a task's moves, filters, and deciding. */
import type { EventFrame, RequestParams, Task } from '@roundtable/client';
import { taskMoveOf } from './dispatch.js';
import { StoreBase } from './store-base.js';
import type { TaskFilters, TaskMove } from './tasks.js';

export abstract class TaskCalls extends StoreBase {
  /** Loads the task board: every task this person can see, newest first, page by page. */
  async loadTasks(): Promise<void> {
    const tasks: Record<string, Task> = {};
    let cursor: string | undefined;
    try {
      do {
        const page = await this.client.listTasks({ limit: 200, cursor });
        for (const task of page.tasks) tasks[task.id] = task;
        cursor = page.next ?? undefined;
      } while (cursor && Object.keys(tasks).length < 2_000);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.apply({ type: 'tasks.loaded', tasks });
  }

  /** A task's moves, read from its room's log. */
  async taskHistory(roomId: string, taskId: string): Promise<TaskMove[]> {
    const moves: TaskMove[] = [];
    let after = 0;
    try {
      for (;;) {
        const page = await this.rest.get<{ events: EventFrame[]; has_more: boolean }>(
          `/api/v1/rooms/${roomId}/events`,
          { after, limit: 1000 },
        );
        for (const event of page.events) {
          const move = taskMoveOf(event, taskId);
          if (move) moves.push(move);
        }
        if (!page.has_more || page.events.length === 0) return moves;
        after = page.events.at(-1)!.seq;
      }
    } catch (error) {
      this.fail(error);
      return moves;
    }
  }

  filterTasks(filters: TaskFilters): void {
    this.apply({ type: 'task.filtered', filters });
  }

  /** Creates a task; the hub's refusal is thrown as it came, for the form to show. */
  async createTask(params: RequestParams<'task.create'>): Promise<Task> {
    const task = await this.client.createTask(params);
    this.apply({ type: 'task.decided', task });
    return task;
  }

  async decideTask(task: Task, decision: 'accept' | 'reject' | 'answer' | 'cancel', text = ''): Promise<void> {
    const work =
      decision === 'accept'
        ? this.client.acceptTask(task.id)
        : decision === 'reject'
          ? this.client.rejectTask(task.id, text)
          : decision === 'answer'
            ? this.client.answerTask(task.id, text)
            : this.client.cancelTask(task.id, text || undefined);
    const updated = await this.guard(work);
    if (updated) this.apply({ type: 'task.decided', task: updated });
  }
}
