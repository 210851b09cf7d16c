/** The PostgreSQL store, for several hub instances over one database (see driver.ts for how they share it). */
import pg from 'pg';
import type { Store } from '../../core/ports.js';
import { newerSchema } from '../sql/schema.js';
import { SqlStore } from '../sql/store.js';
import { pgDialect } from './dialect.js';
import { PgDriver } from './driver.js';
import { PG_LATEST_VERSION, pgMigrations } from './migrations.js';

export interface PgStoreOptions {
  /** `postgres://user@host:port/database`. */
  url: string;
  /** Schema to keep the tables in (created if missing). Default `public`. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Called when a batch fails to commit: every write in it is rejected. */
  onCommitError?: (error: unknown) => void;
}

export class PgStore extends SqlStore implements Store {
  private constructor(pool: pg.Pool, onCommitError: ((error: unknown) => void) | undefined) {
    super(new PgDriver(pool, onCommitError), pgDialect);
  }

  /** Connects, creates the schema if needed, and applies the migrations this code knows. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid schema name: ${schema}`);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      // Every connection works in the store's schema.
      options: `-c search_path=${schema}`,
    });
    // An idle client losing its connection (database restart) must not crash the process.
    pool.on('error', () => {});
    try {
      await migrate(pool, schema);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PgStore(pool, options.onCommitError);
  }
}

async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Several instances may start at once: one creates the schema and migrates, the others wait for it.
    await client.query('SELECT pg_advisory_xact_lock(4004)');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)',
    );
    const current = Number(
      (await client.query('SELECT coalesce(max(version), 0) AS v FROM schema_migrations')).rows[0].v,
    );
    if (current > PG_LATEST_VERSION) throw newerSchema(current, PG_LATEST_VERSION);
    for (const migration of pgMigrations) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
