/**
 * What both drivers share about the write batch: the writes queued together (one event-loop tick's,
 * or on SQLite those queued while the last batch synced) commit in one transaction, each write's
 * failure its own (a savepoint), a failed commit every write's.
 */
import { HubError } from '../../core/hub-error.js';
import { changes, type Step } from './step.js';

export interface QueuedWrite<Run> {
  run: Run;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Queues `run`; the promise settles with its outcome once its batch has committed, or failed to. */
export function enqueue<Run, T>(queue: Array<QueuedWrite<Run>>, run: Run): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
  });
}

export interface Outcome {
  ok: boolean;
  value: unknown;
}

/** Each write learns its own outcome, once the batch committed. */
export function settle(writes: Array<QueuedWrite<unknown>>, outcomes: Outcome[]): void {
  outcomes.forEach((outcome, index) => {
    const write = writes[index]!;
    if (outcome.ok) write.resolve(outcome.value);
    else write.reject(outcome.value);
  });
}

/** A batch that did not commit stored none of its writes, whatever each would have done alone. */
export function failAll(writes: Array<QueuedWrite<unknown>>, error: unknown): void {
  const failure = new HubError('store_unavailable', undefined, { cause: error });
  for (const write of writes) write.reject(failure);
}

/** The readiness probe's write (see ReadinessProbe): committed, then let go, each statement on its own. */
export function* probeWrite(payload: Buffer): Step<void> {
  yield* changes(
    `INSERT INTO health_probe (id, at, payload) VALUES (1, @at, @payload)
     ON CONFLICT (id) DO UPDATE SET at = excluded.at, payload = excluded.payload`,
    { at: new Date().toISOString(), payload },
  );
  yield* changes('UPDATE health_probe SET payload = NULL WHERE id = 1');
}
