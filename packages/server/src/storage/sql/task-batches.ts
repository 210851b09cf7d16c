/** Task batches: subtask counts by status, and a batch's roll-up, recorded once under its key. */
import { TERMINAL_STATUSES, type TaskStatus } from '@roundtable/protocol';
import type { EventDraft, StatusCounts, StoredEvent, TaskBatchesStore, TaskScope } from '../../core/ports.js';
import type { Dialect } from './dialect.js';
import { appendEvent } from './log.js';
import { changes, rows, type Params, type SqlDriver, type Step } from './step.js';

export function taskBatchesStore(db: SqlDriver, d: Dialect): TaskBatchesStore {
  return {
    subtaskCounts: (parentIds) => db.read(subtaskCounts, d, parentIds),
    rollUp: (scope, key, roomId, event) => db.write(rollUp, d, scope, key, roomId, event),
  };
}

function* subtaskCounts(d: Dialect, parentIds: string[]): Step<Map<string, StatusCounts>> {
  const counts = new Map<string, StatusCounts>();
  if (parentIds.length === 0) return counts;
  const params: Params = {};
  const found = yield* rows(
    `SELECT parent_id, status, COUNT(*) AS n FROM tasks WHERE ${d.anyOf('parent_id', 'parents', parentIds, params)}
     GROUP BY parent_id, status`,
    params,
  );
  for (const stored of found) {
    const parent = stored.parent_id as string;
    counts.set(parent, { ...counts.get(parent), [stored.status as TaskStatus]: Number(stored.n) });
  }
  return counts;
}

function* rollUp(
  d: Dialect,
  scope: TaskScope,
  key: string,
  roomId: string,
  event: (tally: StatusCounts, total: number) => EventDraft,
): Step<{ tally: StatusCounts; total: number; event: StoredEvent } | undefined> {
  // Read after the caller's own move committed: whichever of two racing last moves reads second sees both ended.
  const found = yield* rows(
    'batch' in scope
      ? 'SELECT status, COUNT(*) AS n FROM tasks WHERE batch = @batch AND creator_id = @creator GROUP BY status'
      : 'SELECT status, COUNT(*) AS n FROM tasks WHERE parent_id = @parent GROUP BY status',
    'batch' in scope ? { batch: scope.batch, creator: scope.creatorId } : { parent: scope.parentId },
  );
  const tally: StatusCounts = {};
  let total = 0;
  for (const stored of found) {
    const status = stored.status as TaskStatus;
    if (!TERMINAL_STATUSES.has(status)) return undefined;
    tally[status] = Number(stored.n);
    total += Number(stored.n);
  }
  if (total === 0) return undefined;
  const draft = event(tally, total);
  // Both may read "all ended"; the key lets one of them record it. Tasks are never removed, so a
  // total is one state of the batch: one that grew after its tally and has ended again tallies anew.
  const recorded = yield* changes(
    d.insertIgnore('task_rollups (scope, room_id, created_at)', 'VALUES (@key, @room, @at)'),
    { key: `${key}#${total}`, room: roomId, at: draft.at },
  );
  if (recorded === 0) return undefined;
  return { tally, total, event: yield* appendEvent(d, roomId, draft) };
}
