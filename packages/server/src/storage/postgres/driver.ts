/**
 * Runs the store's steps on pg. Writes of one event-loop tick share one transaction (each in a
 * savepoint), like the SQLite store; a room's row lock orders its seqs, so they stay gap-free and
 * ordered when instances write to one room at once.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { HubError } from '../../core/hub-error.js';
import { ReadinessProbe } from '../readiness-probe.js';
import { enqueue, failAll, probeWrite, settle, type Outcome, type QueuedWrite } from '../sql/batch.js';
import { positional, values, type Positional } from '../sql/parameters.js';
import { runLater, type Query, type Result, type SqlDriver, type Step } from '../sql/step.js';

type Write = QueuedWrite<(client: pg.PoolClient) => Promise<unknown>>;

/**
 * A write queue with its own batch in flight. A room's messages always take the same lane, so they
 * commit in the order they were queued; lanes commit side by side on separate connections, and the
 * hub's room order puts events from different lanes back in seq order.
 */
interface Lane {
  queue: Write[];
  scheduled: boolean;
  flushing: Promise<void> | undefined;
}

/** Lane 0 also carries every write that is not a room's message (members, rooms, tasks...). */
const LANES = 4;

function laneOf(room: string): number {
  let hash = 0;
  for (let i = 0; i < room.length; i++) hash = (hash * 31 + room.charCodeAt(i)) | 0;
  return Math.abs(hash) % LANES;
}

/** How many times a batch aborted by a deadlock or serialization failure is run again. */
const LOCK_CONFLICT_ROUNDS = 5;

/** Distinct SQL texts whose numbered form is kept; lists make many shapes, so past this many, start over. */
const NUMBERED_CACHE_SIZE = 500;
/**
 * Statements each connection keeps prepared, at most: a prepared statement lives as long as its
 * connection, and SQL built from a list's length has many texts, so only a statement run this many
 * times is named, and past the cap the rest run unnamed (parsed at each call).
 */
const MAX_NAMED = 300;
const NAME_AFTER_USES = 3;

export class PgDriver implements SqlDriver {
  private readonly lanes: Lane[] = Array.from({ length: LANES }, () => ({
    queue: [],
    scheduled: false,
    flushing: undefined,
  }));
  private closed = false;
  private healthy = true;
  private readonly probe = new ReadinessProbe((payload) =>
    runLater(probeWrite(payload), (query) => this.execute(this.pool, query)),
  );
  private readonly numbered = new Map<string, Positional & { name: string; uses: number }>();
  /** Names ever given, kept across clears of `numbered`: the connections keep those statements. */
  private readonly named = new Set<string>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly onCommitError: ((error: unknown) => void) | undefined,
  ) {}

  private async execute(db: pg.Pool | pg.PoolClient, query: Query): Promise<Result> {
    let found = this.numbered.get(query.sql);
    if (!found) {
      if (this.numbered.size >= NUMBERED_CACHE_SIZE) this.numbered.clear();
      const numbered = positional(query.sql, true);
      found = {
        ...numbered,
        name: `rt_${createHash('sha256').update(numbered.text).digest('base64url').slice(0, 22)}`,
        uses: 0,
      };
      this.numbered.set(query.sql, found);
    }
    found.uses += 1;
    // Named, so each connection parses and plans a frequent statement once, not at every call.
    if (!this.named.has(found.name) && found.uses >= NAME_AFTER_USES && this.named.size < MAX_NAMED)
      this.named.add(found.name);
    const name = this.named.has(found.name) ? found.name : undefined;
    const result = await db.query({ name, text: found.text, values: values(found.names, query.params) });
    return { rows: result.rows, changes: result.rowCount ?? 0 };
  }

  async read<A extends unknown[], T>(step: (...args: A) => Step<T>, ...args: A): Promise<T> {
    if (this.closed) throw new HubError('shutting_down');
    try {
      return await runLater(step(...args), (query) => this.execute(this.pool, query));
    } catch (error) {
      throw storeFailure(error);
    }
  }

  write<A extends unknown[], T>(step: (...args: A) => Step<T>, ...args: A): Promise<T> {
    return this.queue(this.lanes[0]!, step, args);
  }

  writeInRoom<A extends unknown[], T>(room: string, step: (...args: A) => Step<T>, ...args: A): Promise<T> {
    return this.queue(this.lanes[laneOf(room)]!, step, args);
  }

  private queue<A extends unknown[], T>(lane: Lane, step: (...args: A) => Step<T>, args: A): Promise<T> {
    if (this.closed) return Promise.reject(new HubError('shutting_down'));
    const queued = enqueue<Write['run'], T>(lane.queue, (client) =>
      runLater(step(...args), (query) => this.execute(client, query)),
    );
    this.schedule(lane);
    return queued;
  }

  async transaction<A extends unknown[], T>(step: (...args: A) => Step<T>, ...args: A): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const value = await runLater(step(...args), (query) => this.execute(client, query));
      await client.query('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  private schedule(lane: Lane): void {
    if (lane.scheduled || lane.flushing) return;
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      lane.flushing = this.flush(lane).finally(() => {
        lane.flushing = undefined;
        if (lane.queue.length > 0) this.schedule(lane);
      });
    });
  }

  /** One transaction for everything queued in a lane; a batch at a time, so the lane's writes commit in queue order. */
  private async flush(lane: Lane): Promise<void> {
    const writes = lane.queue;
    lane.queue = [];
    if (writes.length === 0) return;
    let client: pg.PoolClient | undefined;
    let outcomes: Outcome[] | undefined;
    try {
      client = await this.pool.connect();
      for (let round = 1; ; round += 1) {
        try {
          // Most batches have no failing write: run them without savepoints (two round trips fewer per
          // write); if one fails, roll the batch back and run it again with a savepoint around each write.
          outcomes = (await this.attempt(client, writes, false)) ?? (await this.attempt(client, writes, true));
          break;
        } catch (error) {
          // Two instances' batches can lock the same rows in opposite orders: PostgreSQL aborts one,
          // which runs again whole, after a short random pause.
          if (!isLockConflict(error) || round >= LOCK_CONFLICT_ROUNDS) throw error;
          await client.query('ROLLBACK').catch(() => {});
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * round));
        }
      }
      this.healthy = true;
    } catch (error) {
      this.healthy = false;
      this.onCommitError?.(error);
      await client?.query('ROLLBACK').catch(() => {});
      client?.release(true);
      client = undefined;
      failAll(writes, error);
      return;
    } finally {
      client?.release();
    }
    settle(writes, outcomes!);
  }

  /** One transaction over the batch; without savepoints, undefined when a write failed (and all was rolled back). */
  private async attempt(client: pg.PoolClient, writes: Write[], savepoints: boolean): Promise<Outcome[] | undefined> {
    const outcomes: Outcome[] = [];
    await client.query('BEGIN');
    for (const write of writes) {
      if (savepoints) await client.query('SAVEPOINT w');
      try {
        outcomes.push({ ok: true, value: await write.run(client) });
        if (savepoints) await client.query('RELEASE SAVEPOINT w');
      } catch (error) {
        if (isConnectionError(error) || isLockConflict(error)) throw error;
        if (!savepoints) {
          await client.query('ROLLBACK');
          return undefined;
        }
        await client.query('ROLLBACK TO SAVEPOINT w');
        outcomes.push({ ok: false, value: storeFailure(error) });
      }
    }
    await client.query('COMMIT');
    return outcomes;
  }

  /** After a failed commit or a lost connection, ready again once a probe as large as a real batch commits. */
  async ready(): Promise<boolean> {
    if (this.closed) return false;
    if (!this.healthy) {
      if (await this.probe.check()) this.healthy = true;
      return this.healthy;
    }
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      this.healthy = false;
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const busy = () => this.lanes.filter((lane) => lane.flushing || lane.queue.length > 0 || lane.scheduled);
    for (let lanes = busy(); lanes.length > 0; lanes = busy()) {
      for (const lane of lanes) this.schedule(lane);
      const flushing = lanes.flatMap((lane) => (lane.flushing ? [lane.flushing] : []));
      await (flushing.length > 0 ? Promise.race(flushing) : new Promise((resolve) => setImmediate(resolve)));
    }
    this.closed = true;
    await this.pool.end();
  }
}

/** A deadlock (40P01) or serialization failure (40001): nothing was written, and running again may succeed. */
function isLockConflict(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && 'code' in error && ['40P01', '40001'].includes(String(error.code))
  );
}

/** Lost connections, a server shutting down or out of resources: the store cannot write right now. */
function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = 'code' in error ? String(error.code) : '';
  const message = 'message' in error ? String(error.message) : '';
  return (
    /^(08|57P|53)/.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    )
  );
}

/**
 * Text PostgreSQL cannot hold (a NUL: 22021; in JSON, a NUL or lone surrogate escape: 22P05, 22P02)
 * is the input's fault, not the store's: the transports refuse it first, and this catches any path they missed.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05', '22P02']);

function storeFailure(error: unknown): unknown {
  if (error instanceof HubError) return error;
  if (isConnectionError(error)) return new HubError('store_unavailable', undefined, { cause: error });
  if (typeof error === 'object' && error !== null && UNSTORABLE_TEXT.has(String((error as { code?: unknown }).code))) {
    return new HubError('invalid_request', 'Text may not contain NUL characters or unpaired surrogates.', {
      cause: error,
    });
  }
  return error;
}
