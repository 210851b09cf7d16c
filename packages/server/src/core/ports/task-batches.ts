/** The task batches slice of the Store: subtask counts, and the roll-up of a batch recorded once. */
import type { TaskStatus } from '@roundtable/protocol';
import type { EventDraft, StoredEvent } from './log.js';

/** A batch of one creator's tasks, or the subtasks of one parent. */
export type TaskScope = { batch: string; creatorId: string } | { parentId: string };

/** How many tasks are in each status. */
export type StatusCounts = Partial<Record<TaskStatus, number>>;

export interface TaskBatchesStore {
  /** Per parent id given: how many of its subtasks are in each status (parents without any are absent). */
  subtaskCounts(parentIds: string[]): Promise<Map<string, StatusCounts>>;
  /**
   * When every task of the scope has ended and no roll-up was recorded for it yet: records one under
   * `key` and logs the event in `roomId`, in one transaction, so that of two instances ending the
   * last two tasks at once exactly one gets it. Undefined otherwise.
   */
  rollUp(
    scope: TaskScope,
    key: string,
    roomId: string,
    event: (tally: StatusCounts, total: number) => EventDraft,
  ): Promise<{ tally: StatusCounts; total: number; event: StoredEvent } | undefined>;
}
