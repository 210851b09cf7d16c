/** A real hub on port 0 over a real SQLite file (or a PostgreSQL schema), with an admin and a REST caller. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import type { Member } from '@roundtable/protocol';
import { createLogger, loadConfig, startServer, type Clock, type RunningServer } from '@roundtable/server';
import { POSTGRES_URL } from './services.js';

export interface TestHub extends RunningServer {
  dir: string;
  dbPath: string;
  adminToken: string;
  /** Creates a member through the admin API and returns its handle and token. */
  member(
    handle: string,
    kind?: 'person' | 'agent',
    extra?: Record<string, unknown>,
  ): Promise<{ handle: string; token: string; member: Member }>;
  api<T = any>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

/** Each test's cleanups, added by `onCleanup`. */
const cleanups = new WeakMap<TestContext, Array<() => unknown>>();

/**
 * Runs `cleanup` after the test, before those added earlier through here: a hub closes before the
 * directory and schema it was started on are removed (`after` hooks run in the order they were added).
 * Every cleanup runs even if one fails; the first failure is thrown.
 */
function onCleanup(t: TestContext, cleanup: () => unknown): void {
  let list = cleanups.get(t);
  if (!list) {
    const added: Array<() => unknown> = (list = []);
    cleanups.set(t, added);
    t.after(async () => {
      const failures: unknown[] = [];
      for (const run of added.reverse()) {
        try {
          await run();
        } catch (error) {
          failures.push(error);
        }
      }
      if (failures.length > 0) throw failures[0];
    });
  }
  list.push(cleanup);
}

export function tempDir(t: TestContext, name = 'roundtable-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), name));
  onCleanup(t, () => rmSync(dir, { recursive: true, force: true }));
  if (onPostgres()) onCleanup(t, () => dropSchema(schemaFor(join(dir, 'roundtable.db'))));
  return dir;
}

/** Every row of a table, read straight from the hub's database (SQLite file or PostgreSQL schema). */
export async function storeRows(hub: TestHub, table: string): Promise<unknown[]> {
  if (onPostgres()) {
    const pool = new pg.Pool({
      connectionString: POSTGRES_URL,
      max: 1,
      options: `-c search_path=${schemaFor(hub.dbPath)}`,
    });
    const rows = (await pool.query(`SELECT * FROM ${table}`)).rows;
    await pool.end();
    return rows;
  }
  const db = new Database(hub.dbPath, { readonly: true });
  const rows = db.prepare(`SELECT * FROM ${table}`).all();
  db.close();
  return rows;
}

function onPostgres(): boolean {
  return process.env.ROUNDTABLE_TEST_STORE === 'postgres';
}

/** One PostgreSQL schema per test directory, so a restarted hub finds its data again. */
function schemaFor(dbPath: string): string {
  return `rt_test_${createHash('sha256').update(dbPath).digest('hex').slice(0, 16)}`;
}

/**
 * Hubs started by `startHub` are closed before this runs, but a hub in a child process (the cluster
 * tests kill theirs in hooks of their own) may still hold locks the drop deadlocks with: PostgreSQL
 * then cancels the drop, which is tried again.
 */
async function dropSchema(schema: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        return;
      } catch (error) {
        const deadlock = (error as { code?: string }).code === '40P01';
        if (!deadlock || attempt === 5) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
  } finally {
    await pool.end();
  }
}

/**
 * Env-style settings for tests: generous rate limits unless a test asks otherwise. With
 * ROUNDTABLE_TEST_STORE=postgres the hub runs on PostgreSQL, in a schema named after the directory.
 */
export function testEnv(dbPath: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_PATH: dbPath,
    ...(onPostgres() ? { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schemaFor(dbPath) } : {}),
    LOG_LEVEL: 'silent',
    RATE_MEMBER_MESSAGES_PER_SEC: '10000',
    RATE_MEMBER_MESSAGES_BURST: '10000',
    RATE_CONNECTION_FRAMES_PER_SEC: '10000',
    RATE_CONNECTION_FRAMES_BURST: '10000',
    RATE_MEMBER_REQUESTS_PER_SEC: '10000',
    RATE_MEMBER_REQUESTS_BURST: '10000',
    RATE_ANONYMOUS_REQUESTS_PER_SEC: '10000',
    RATE_ANONYMOUS_REQUESTS_BURST: '10000',
    ...overrides,
  };
}

export async function startHub(
  t: TestContext,
  options: { env?: Record<string, string>; dir?: string; logLines?: string[]; adminToken?: string; clock?: Clock } = {},
): Promise<TestHub> {
  const dir = options.dir ?? tempDir(t);
  const dbPath = join(dir, 'roundtable.db');
  const logLines = options.logLines;
  const server = await startServer(loadConfig(testEnv(dbPath, options.env)), {
    logger: logLines ? createLogger('debug', (line) => void logLines.push(line)) : undefined,
    clock: options.clock,
  });
  onCleanup(t, () => server.close());
  const adminToken = server.adminToken ?? options.adminToken;
  if (!adminToken) throw new Error('startHub on an existing database needs the adminToken');
  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    ...server,
    dir,
    dbPath,
    adminToken,
    api,
    async member(handle, kind = 'person', extra = {}) {
      const created = await api(adminToken, 'POST', '/api/v1/members', { handle, kind, ...extra });
      if (created.status !== 201) throw new Error(`could not create @${handle}: ${JSON.stringify(created.body)}`);
      return { handle, token: created.body.token, member: created.body.member };
    },
  };
}
