/**
 * Runs the store's steps on better-sqlite3: reads at once, and the writes queued since the last
 * commit in a single transaction, so that durable commits do not cost throughput. A batch settles
 * once the WAL is synced (wal-sync.ts), and no batch commits while a sync is under way: writes
 * arriving meanwhile wait for it and then commit together, so the slower the disk, the bigger the
 * batch. Statements are prepared once and kept: preparing costs more than running most of them.
 */
import type Database from 'better-sqlite3';
import { HubError } from '../../core/hub-error.js';
import { ReadinessProbe } from '../readiness-probe.js';
import { enqueue, failAll, probeWrite, settle, type Outcome, type QueuedWrite } from '../sql/batch.js';
import { positional, values } from '../sql/parameters.js';
import { runNow, type Query, type Result, type SqlDriver, type Step } from '../sql/step.js';
import type { WalSync } from './wal-sync.js';

/**
 * Writes one batch takes at most: a batch runs on the event loop, and after a slow sync the queue
 * can be long; the rest commit in the batches that follow.
 */
const MAX_BATCH_WRITES = 1_000;
/** A sync running this long takes the store out of rotation: a disk that hangs must not look healthy. */
const SYNC_STALL_MS = 5_000;

/** SQL built from a list's length (IN (@a0, @a1, ...)) has many shapes: past this many, start over rather than grow without end. */
const STATEMENT_CACHE_SIZE = 500;

type Write = QueuedWrite<() => unknown>;

export class SqliteDriver implements SqlDriver {
  private queue: Write[] = [];
  private flushScheduled = false;
  private closed = false;
  private healthy = true;
  /** The sync of the last batch, while it runs (never rejects): the next batch commits after it, and reads wait for it. */
  private syncing: Promise<void> | undefined;
  private syncStartedAt = 0;
  /**
   * A failed sync. Its batch is committed, and Linux reports a writeback error once and then marks
   * the pages clean, so no later sync can be trusted to have put anything on disk: the store takes
   * no more writes and stays not ready until the hub is restarted (as PostgreSQL does after a failed fsync).
   */
  private syncFailure: unknown;
  private closing: Promise<void> | undefined;
  private readonly statements = new Map<string, { statement: Database.Statement; names: string[] }>();
  private readonly runBatch: Database.Transaction<(writes: Write[]) => Outcome[]>;
  private readonly probe = new ReadinessProbe(async (payload) => {
    runNow(probeWrite(payload), this.execute);
    await this.wal.sync();
  });

  constructor(
    private readonly db: Database.Database,
    private readonly wal: WalSync,
    private readonly onCommitError: ((error: unknown) => void) | undefined,
  ) {
    // A nested better-sqlite3 transaction is a savepoint: one failing write rolls back alone.
    const runInSavepoint = db.transaction((write: Write) => write.run());
    this.runBatch = db.transaction((writes: Write[]) =>
      writes.map((write): Outcome => {
        try {
          return { ok: true, value: runInSavepoint(write) };
        } catch (error) {
          return { ok: false, value: storeFailure(error) };
        }
      }),
    );
  }

  private readonly execute = (query: Query): Result => {
    const { statement, names } = this.prepared(query.sql);
    const bound = values(names, query.params);
    if (!statement.reader) return { rows: [], changes: statement.run(bound).changes };
    if (!query.first) {
      const rows = statement.all(bound) as Result['rows'];
      return { rows, changes: rows.length };
    }
    const first = statement.get(bound) as Result['rows'][number] | undefined;
    return first ? { rows: [first], changes: 1 } : { rows: [], changes: 0 };
  };

  private prepared(sql: string): { statement: Database.Statement; names: string[] } {
    let found = this.statements.get(sql);
    if (!found) {
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      const { text, names } = positional(sql, false);
      found = { statement: this.db.prepare(text), names };
      this.statements.set(sql, found);
    }
    return found;
  }

  /**
   * At once, unless a batch is syncing: then after its sync, so that nothing is read (a seq, a
   * client_id's message) that a power loss could still take back.
   */
  read<A extends unknown[], T>(step: (...args: A) => Step<T>, ...args: A): Promise<T> {
    if (this.closed) return Promise.reject(new HubError('shutting_down'));
    if (this.syncing) return this.syncing.then(() => this.read(step, ...args));
    try {
      return Promise.resolve(runNow(step(...args), this.execute));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Queues a write for the next batch; resolves once that batch is committed and on disk. */
  write<A extends unknown[], T>(step: (...args: A) => Step<T>, ...args: A): Promise<T> {
    if (this.closed) return Promise.reject(new HubError('shutting_down'));
    if (this.syncFailure !== undefined) return Promise.reject(unsynced(this.syncFailure));
    const queued = enqueue<() => unknown, T>(this.queue, () => runNow(step(...args), this.execute));
    this.scheduleFlush();
    return queued;
  }

  private scheduleFlush(): void {
    if (this.flushScheduled || this.syncing || this.queue.length === 0) return;
    this.flushScheduled = true;
    setImmediate(() => this.flush());
  }

  /** Writes commit in queue order, a batch at a time: a room's messages keep theirs already. */
  writeInRoom<A extends unknown[], T>(_room: string, step: (...args: A) => Step<T>, ...args: A): Promise<T> {
    return this.write(step, ...args);
  }

  async transaction<A extends unknown[], T>(step: (...args: A) => Step<T>, ...args: A): Promise<T> {
    const value = this.db.transaction(() => runNow(step(...args), this.execute))();
    await this.wal.sync();
    return value;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.queue.length === 0 || this.syncing) return;
    const writes = this.queue.splice(0, MAX_BATCH_WRITES);
    let outcomes: Outcome[];
    try {
      // IMMEDIATE takes the write lock first (waiting up to busy_timeout), instead of failing mid-transaction.
      outcomes = this.runBatch.immediate(writes);
    } catch (error) {
      this.failed(writes, error);
      return;
    }
    this.syncStartedAt = Date.now();
    this.syncing = this.wal
      .sync()
      .then(
        () => {
          this.healthy = true;
          settle(writes, outcomes);
        },
        (error: unknown) => {
          this.syncFailure = error;
          const queued = this.queue;
          this.queue = [];
          for (const write of [...writes, ...queued]) write.reject(unsynced(error));
          this.failed([], error);
        },
      )
      .finally(() => {
        this.syncing = undefined;
        this.scheduleFlush();
      });
  }

  private failed(writes: Write[], error: unknown): void {
    this.healthy = false;
    failAll(writes, error);
    try {
      this.onCommitError?.(error);
    } catch {
      // A failing report must not leave writes unanswered.
    }
  }

  /**
   * After a failed commit, ready again once a probe as large as a real batch commits (see
   * ReadinessProbe), so an instance taken out of rotation (and so sent no writes) comes back by itself.
   */
  async ready(): Promise<boolean> {
    if (this.closed || this.syncFailure !== undefined) return false;
    if (this.syncing && Date.now() - this.syncStartedAt > SYNC_STALL_MS) return false;
    if (this.healthy) return true;
    if (await this.probe.check()) this.healthy = true;
    return this.healthy;
  }

  close(): Promise<void> {
    this.closing ??= this.drainAndClose();
    return this.closing;
  }

  private async drainAndClose(): Promise<void> {
    this.closed = true;
    // What was queued before the close still commits and settles.
    while (this.syncing || this.queue.length > 0) {
      if (this.syncing) await this.syncing;
      else this.flush();
    }
    this.db.close();
    this.wal.close();
  }
}

/** A batch whose sync failed is committed, and may or may not be on disk: not acknowledged, and not to be retried blindly. */
function unsynced(cause: unknown): HubError {
  return new HubError('store_unavailable', 'The database could not confirm that writes reached the disk.', { cause });
}

/** Constraint violations are the caller's mistake; any other SQLite failure means the store cannot write. */
function storeFailure(error: unknown): unknown {
  if (error instanceof HubError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code.startsWith('SQLITE_') && !code.startsWith('SQLITE_CONSTRAINT')) {
    return new HubError('store_unavailable', undefined, { cause: error });
  }
  return error;
}
