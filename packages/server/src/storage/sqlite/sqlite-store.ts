/**
 * The SQLite store: one file in WAL mode, durable commits, and the writes queued meanwhile committed
 * together in a single transaction (see driver.ts).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Store } from '../../core/ports.js';
import { SqlStore } from '../sql/store.js';
import { newerSchema } from '../sql/schema.js';
import { sqliteDialect } from './dialect.js';
import { SqliteDriver } from './driver.js';
import { LATEST_VERSION, migrations } from './migrations.js';
import { WalSync } from './wal-sync.js';

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for a throwaway database. */
  path: string;
  /** Called when a batch fails to commit (disk full, I/O error): every write in it is rejected. */
  onCommitError?: (error: unknown) => void;
}

export class SqliteStore extends SqlStore implements Store {
  /** Kept for the SQLite suite, which reads the connection's own pragmas. */
  private readonly db: Database.Database;

  constructor(options: SqliteStoreOptions) {
    const db = openDatabase(options.path);
    // The file as SQLite resolved it (symbolic links followed): its WAL sits beside that, not beside the link.
    const main = (db.pragma('database_list') as Array<{ name: string; file: string }>).find((d) => d.name === 'main');
    const wal = new WalSync(main?.file ? main.file : undefined);
    super(new SqliteDriver(db, wal, options.onCommitError), sqliteDialect);
    this.db = db;
  }
}

function openDatabase(path: string): Database.Database {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // NORMAL syncs around checkpoints but not at COMMIT: the driver syncs each batch's WAL frames
  // itself, off the event loop, before it acknowledges them (wal-sync.ts).
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  // A lock held by another process (a backup tool) is waited for this long, with the event loop blocked.
  db.pragma('busy_timeout = 2000');
  // SQLite's default keeps 2 MiB of pages. A busy hub's commits touch the tail pages of every active
  // room's messages, indexes and addressees, more than that; past it, pages are read back in every
  // batch. Pages are cached as they are read, so an idle hub pays nothing (bench/README.md, Receipts).
  db.pragma('cache_size = -65536');
  migrate(db);
  return db;
}

function migrate(db: Database.Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const current = (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  if (current > LATEST_VERSION) throw newerSchema(current, LATEST_VERSION);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    })();
  }
}
