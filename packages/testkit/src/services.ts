/**
 * Real PostgreSQL and Redis for the adapter suites. Outside CI a missing service skips its suites
 * with a loud line saying how to run them; in CI (CI=true) a missing service fails the run.
 */
import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { createConnection, createServer } from 'node:net';
import type { TestContext } from 'node:test';
import pg from 'pg';

export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    socket.setTimeout(2_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Undefined when the service is there; otherwise the reason to skip (never in CI, where it throws). */
export async function serviceSkip(name: 'PostgreSQL' | 'Redis', url: string): Promise<string | undefined> {
  if (await reachable(url)) return undefined;
  const how = `start ${name} at ${url} (or set ${name === 'PostgreSQL' ? 'TEST_DATABASE_URL' : 'TEST_REDIS_URL'}); .ci/run starts it by itself`;
  if (process.env.CI === 'true') throw new Error(`${name} is not reachable at ${url}, and CI=true: ${how}`);
  const line = `\n!!! SKIPPED: the ${name} suites did not run: ${name} is not reachable at ${url}. To run them, ${how}.\n`;
  process.stderr.write(line);
  return line.trim();
}

/** A fresh schema for one test, dropped when the test ends. */
export function pgSchema(t: TestContext): string {
  const schema = `rt_test_${randomBytes(6).toString('hex')}`;
  t.after(async () => {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });
  return schema;
}

/**
 * Runs a suite of hub scenarios again with the hub on PostgreSQL: each test file is its own
 * process, so the switch set here holds for every hub the suite starts.
 */
export async function onPostgres(suite: string, load: () => Promise<unknown>): Promise<void> {
  const skip = await serviceSkip('PostgreSQL', POSTGRES_URL);
  if (skip) {
    const { test } = await import('node:test');
    test(`${suite} on PostgreSQL`, { skip }, () => {});
    return;
  }
  process.env.ROUNDTABLE_TEST_STORE = 'postgres';
  await load();
}

/** A Redis server of the test's own on a free port, which the test may restart; stopped when the test ends. */
export async function startRedis(
  t: TestContext,
): Promise<{ url: string; restart(): Promise<void>; stop(): Promise<void> }> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const url = `redis://127.0.0.1:${port}`;
    for (let i = 0; i < 100 && !(await reachable(url)); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  };
  const stop = async () => {
    // A process killed by a signal keeps exitCode null: signalCode says it is gone.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  t.after(stop);
  return {
    url: `redis://127.0.0.1:${port}`,
    stop,
    async restart() {
      await stop();
      await start();
    },
  };
}

/** A TCP port free on 127.0.0.1 right now, for a process the test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
