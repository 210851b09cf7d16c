/** File reservations: checked against every live one of other holders, then stored, in one transaction. */
import type { FileReservation } from '@roundtable/protocol';
import { newId } from '../../core/ids.js';
import type { PatternsOverlap, ReservationRequest, ReservationsStore } from '../../core/ports.js';
import type { Dialect } from './dialect.js';
import { toReservation, type Row } from './records.js';
import { changes, rows, type Params, type SqlDriver, type Step } from './step.js';

const RESERVATION_COLUMNS = ['id', 'holder_id', 'holder', 'task_id', 'pattern', 'mode', 'expires_at', 'created_at'];
const INSERT_RESERVATION = `INSERT INTO reservations (${RESERVATION_COLUMNS.join(', ')})
  VALUES (${RESERVATION_COLUMNS.map((column) => `@${column}`).join(', ')})`;

/** The live reservations of other holders that the request would overlap. */
function conflicts(request: ReservationRequest, live: Row[], overlaps: PatternsOverlap): FileReservation[] {
  return live
    .filter((held) => held.holder_id !== request.holder_id || otherTask(held, request))
    .filter((held) => request.mode === 'exclusive' || held.mode === 'exclusive')
    .filter((held) => request.patterns.some((pattern) => overlaps(pattern, held.pattern as string)))
    .map(toReservation);
}

/** One holder's locks for two different tasks exclude each other as if they were two holders'. */
function otherTask(held: Row, request: ReservationRequest): boolean {
  return held.task_id !== null && request.task_id !== null && held.task_id !== request.task_id;
}

/** The rows a granted request stores, one per pattern. */
function grantedRows(request: ReservationRequest): Row[] {
  return [...new Set(request.patterns)].map((pattern) => ({
    id: newId('rsv'),
    holder_id: request.holder_id,
    holder: request.holder,
    task_id: request.task_id,
    pattern,
    mode: request.mode,
    expires_at: request.expires_at,
    created_at: request.now,
  }));
}

export function reservationsStore(db: SqlDriver, d: Dialect): ReservationsStore {
  return {
    reserveFiles: (request, overlaps) => db.write(reserveFiles, d, request, overlaps),
    releaseFiles: (filter) => db.write(releaseFiles, d, filter),
    extendReservations: (taskId, expiresAt) => db.write(extendReservations, taskId, expiresAt),
    listReservations: (now, holderId) => db.read(listReservations, now, holderId),
  };
}

function* reserveFiles(
  d: Dialect,
  request: ReservationRequest,
  overlaps: PatternsOverlap,
): Step<{ reservations: FileReservation[] } | { conflicts: FileReservation[] }> {
  if (d.reservationsLock) yield* changes(d.reservationsLock);
  const live = yield* rows('SELECT * FROM reservations WHERE expires_at > @now', request);
  const found = conflicts(request, live, overlaps);
  if (found.length > 0) return { conflicts: found };
  const granted = grantedRows(request);
  for (const reservation of granted) {
    yield* changes(
      'DELETE FROM reservations WHERE holder_id = @holder_id AND pattern = @pattern AND task_id IS NOT DISTINCT FROM @task_id',
      reservation,
    );
    yield* changes(INSERT_RESERVATION, reservation);
  }
  return { reservations: granted.map(toReservation) };
}

function* releaseFiles(
  d: Dialect,
  filter: { holder_id: string; patterns?: string[] } | { task_id: string },
): Step<number> {
  if ('task_id' in filter) return yield* changes('DELETE FROM reservations WHERE task_id = @task_id', filter);
  if (!filter.patterns) return yield* changes('DELETE FROM reservations WHERE holder_id = @holder_id', filter);
  const params: Params = { holder: filter.holder_id };
  const patterns = d.anyOf('pattern', 'patterns', filter.patterns, params);
  return yield* changes(`DELETE FROM reservations WHERE holder_id = @holder AND ${patterns}`, params);
}

function* extendReservations(taskId: string, expiresAt: string): Step<void> {
  yield* changes('UPDATE reservations SET expires_at = @expiresAt WHERE task_id = @taskId', { taskId, expiresAt });
}

function* listReservations(now: string, holderId: string | undefined): Step<FileReservation[]> {
  const found = holderId
    ? yield* rows('SELECT * FROM reservations WHERE expires_at > @now AND holder_id = @holderId ORDER BY created_at', {
        now,
        holderId,
      })
    : yield* rows('SELECT * FROM reservations WHERE expires_at > @now ORDER BY created_at', { now });
  return found.map(toReservation);
}
