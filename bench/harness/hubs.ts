/** Hubs for a scenario: their processes, their stores, and the members and rooms made through their REST API. */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { HUB_FLAGS, PROFILE_DIR } from './options.js';
import { spawnServer, type Server } from './processes.js';

/** The hub runs from its build, as `npm start` runs it; run.ts brings the build up to date first. */
const HUB_ENTRY = 'packages/server/dist/main.js';
export const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const UNLIMITED = '1000000';

function hubEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PORT: '0',
    LOG_LEVEL: 'warn',
    RATE_MEMBER_MESSAGES_PER_SEC: UNLIMITED,
    RATE_MEMBER_MESSAGES_BURST: UNLIMITED,
    RATE_CONNECTION_FRAMES_PER_SEC: UNLIMITED,
    RATE_CONNECTION_FRAMES_BURST: UNLIMITED,
    RATE_MEMBER_REQUESTS_PER_SEC: UNLIMITED,
    RATE_MEMBER_REQUESTS_BURST: UNLIMITED,
    RATE_ANONYMOUS_REQUESTS_PER_SEC: UNLIMITED,
    RATE_ANONYMOUS_REQUESTS_BURST: UNLIMITED,
    // The idle scenario holds thousands of connections with one token.
    MAX_CONNECTIONS_PER_MEMBER: '0',
    ...extra,
  };
}

/** A store for one scenario: a SQLite file, or a PostgreSQL schema (in the database at `postgresUrl`); removed by `cleanup`. */
async function storeEnv(
  kind: 'sqlite' | 'postgres',
  postgresUrl = POSTGRES_URL,
): Promise<{ env: Record<string, string>; cleanup: () => Promise<void> }> {
  if (kind === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'roundtable-bench-'));
    return {
      env: { DATABASE_PATH: join(dir, 'bench.db') },
      cleanup: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const schema = `rt_bench_${randomBytes(6).toString('hex')}`;
  return {
    env: { DATABASE_URL: postgresUrl, DATABASE_SCHEMA: schema, REDIS_PREFIX: schema },
    cleanup: async () => {
      const pool = new pg.Pool({ connectionString: postgresUrl, max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}

export async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
  const response = await fetch(url + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return response.json();
}

/** `member0`, `member1`, …: the first `agents` of them agents, the rest people. */
export async function createMembers(url: string, admin: string, count: number, agents = 0): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i += 20) {
    const batch = Array.from({ length: Math.min(20, count - i) }, (_, j) =>
      api(url, admin, 'POST', '/api/v1/members', {
        handle: `member${i + j}`,
        kind: i + j < agents ? 'agent' : 'person',
      }),
    );
    tokens.push(...(await Promise.all(batch)).map((created) => created.token as string));
  }
  return tokens;
}

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port) }, () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** PostgreSQL and Redis on 127.0.0.1, which the PostgreSQL and scale-out scenarios need. */
export async function servicesReachable(): Promise<boolean> {
  return (await reachable(POSTGRES_URL)) && (await reachable(REDIS_URL));
}

export interface HubsOptions {
  /** Pin the hubs to core 0 (where `taskset` exists). Default true. */
  pin?: boolean;
  /** The PostgreSQL database the hubs' schema goes in. Default the shared test database. */
  postgresUrl?: string;
  /** The Redis the hubs share: by default the shared one when there are several hubs, none for one. */
  redisUrl?: string;
}

export async function withHubs<T>(
  count: number,
  kind: 'sqlite' | 'postgres',
  run: (hubs: Server[], admin: string, env: Record<string, string>) => Promise<T>,
  { pin = true, postgresUrl, redisUrl = count > 1 ? REDIS_URL : undefined }: HubsOptions = {},
): Promise<T> {
  const store = await storeEnv(kind, postgresUrl);
  const env = hubEnv({ ...store.env, ...(redisUrl ? { REDIS_URL: redisUrl } : {}) });
  const hubs: Server[] = [];
  try {
    const flags = [
      ...(PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : []),
      ...(HUB_FLAGS ? HUB_FLAGS.split(' ') : []),
    ];
    for (let i = 0; i < count; i++) hubs.push(await spawnServer([HUB_ENTRY], env, flags, pin));
    return await run(hubs, /(rt_[\w-]+)/.exec(hubs[0]!.output)![1]!, env);
  } finally {
    // A hub stopped by SIGTERM exits cleanly, which is when a CPU profile is written.
    await Promise.all(hubs.map((hub) => new Promise((resolve) => hub.child.once('exit', resolve).kill())));
    await store.cleanup();
  }
}
