/**
 * `npm run bench`: each scenario runs its servers as separate processes and prints its figures
 * beside a baseline measured in the same run, as ratios. `--full` sends more messages. Results go
 * to bench/results/latest.json as well.
 *
 * - fan-out: one room of 100 members; bare `ws` broadcast (baseline) against Roundtable on SQLite,
 *   and Roundtable on SQLite (baseline) against two instances over PostgreSQL and Redis, the
 *   sender on one and every receiver on the other.
 * - ingest: many clients in many rooms, every send committed before its ack; SQLite (baseline)
 *   against PostgreSQL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { runIngest, runLoad, type IngestResult, type LoadResult } from './load.js';

const ROOT = join(import.meta.dirname, '..');
const full = process.argv.includes('--full');
const MEMBERS = 100;
const MESSAGES = full ? 10_000 : 2_000;
const WINDOW = 64;
const INGEST_CLIENTS = 50;
const INGEST_ROOMS = 10;
const INGEST_PER_CLIENT = full ? 400 : 100;
const INGEST_WINDOW = 8;
const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const UNLIMITED = '1000000';

interface Server {
  child: ChildProcess;
  url: string;
  output: string;
}

async function spawnServer(args: string[], env: Record<string, string>): Promise<Server> {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match && (!/First start/.test(output) || /rt_[\w-]+/.test(output))) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  return { child, url, output };
}

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
    ...extra,
  };
}

/** A store for one scenario: a SQLite file, or a PostgreSQL schema; removed by `cleanup`. */
async function storeEnv(
  kind: 'sqlite' | 'postgres',
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
    env: { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schema, REDIS_PREFIX: schema },
    cleanup: async () => {
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
      await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await pool.end();
    },
  };
}

async function api(url: string, token: string, method: string, path: string, body?: unknown): Promise<any> {
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

async function createMembers(url: string, admin: string, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    tokens.push((await api(url, admin, 'POST', '/api/v1/members', { handle: `member${i}`, kind: 'person' })).token);
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

async function withHubs<T>(
  count: number,
  kind: 'sqlite' | 'postgres',
  run: (hubs: Server[], admin: string) => Promise<T>,
): Promise<T> {
  const store = await storeEnv(kind);
  const env = hubEnv({ ...store.env, ...(count > 1 ? { REDIS_URL } : {}) });
  const hubs: Server[] = [];
  try {
    hubs.push(await spawnServer(['packages/server/src/main.ts'], env));
    for (let i = 1; i < count; i++) hubs.push(await spawnServer(['packages/server/src/main.ts'], env));
    return await run(hubs, /(rt_[\w-]+)/.exec(hubs[0]!.output)![1]!);
  } finally {
    for (const hub of hubs) hub.child.kill();
    await store.cleanup();
  }
}

async function fanOutBaseline(): Promise<LoadResult> {
  const server = await spawnServer(['bench/baselines/ws-broadcast.ts'], {});
  try {
    return await runLoad({
      url: server.url,
      tokens: Array(MEMBERS).fill(''),
      room: 'any',
      messages: MESSAGES,
      window: WINDOW,
    });
  } finally {
    server.child.kill();
  }
}

/** The sender on the first hub, every receiver on the last: with two hubs, every delivery crosses Redis. */
function fanOut(count: number, kind: 'sqlite' | 'postgres'): Promise<LoadResult> {
  return withHubs(count, kind, async (hubs, admin) => {
    const tokens = await createMembers(hubs[0]!.url, admin, MEMBERS);
    const receivers = hubs.at(-1)!.url;
    const result = await runLoad({
      url: receivers,
      tokens,
      senderToken: admin,
      room: 'general',
      messages: MESSAGES,
      window: WINDOW,
      senderUrl: hubs[0]!.url,
    });
    return result;
  });
}

function ingest(kind: 'sqlite' | 'postgres'): Promise<IngestResult> {
  return withHubs(1, kind, async ([hub], admin) => {
    const url = hub!.url;
    const tokens = await createMembers(url, admin, INGEST_CLIENTS);
    const rooms: string[] = [];
    for (let i = 0; i < INGEST_ROOMS; i++) {
      rooms.push((await api(url, admin, 'POST', '/api/v1/rooms', { name: `ingest-${i}`, kind: 'public' })).room.id);
    }
    await Promise.all(
      tokens.map((token, i) => api(url, token, 'POST', `/api/v1/rooms/${rooms[i % INGEST_ROOMS]}/join`)),
    );
    return runIngest({ url, tokens, rooms, messagesPerClient: INGEST_PER_CLIENT, window: INGEST_WINDOW });
  });
}

const pad = (text: string, width: number) => text.padStart(width);
function fanOutRow(name: string, result: LoadResult, baseline: LoadResult): string {
  return [
    name.padEnd(40),
    pad(result.messagesPerSecond.toFixed(0), 8),
    pad(result.deliveriesPerSecond.toFixed(0), 12),
    pad(`${(result.deliveriesPerSecond / baseline.deliveriesPerSecond).toFixed(2)}x`, 7),
    pad(result.ackP50.toFixed(1), 8),
    pad(result.ackP99.toFixed(1), 8),
    pad(result.deliveryP99.toFixed(1), 10),
  ].join(' ');
}

function ingestRow(name: string, result: IngestResult, baseline: IngestResult): string {
  return [
    name.padEnd(40),
    pad(result.messagesPerSecond.toFixed(0), 8),
    pad(`${(result.messagesPerSecond / baseline.messagesPerSecond).toFixed(2)}x`, 7),
    pad(result.ackP50.toFixed(1), 8),
    pad(result.ackP99.toFixed(1), 8),
  ].join(' ');
}

const services = (await reachable(POSTGRES_URL)) && (await reachable(REDIS_URL));
const results: Record<string, unknown> = { at: new Date().toISOString(), full };

console.log(
  `\nFan-out, one room of ${MEMBERS} members, ${MESSAGES} messages, ${WINDOW} in flight (${full ? 'full' : 'quick'} run)`,
);
console.log(
  [
    'scenario'.padEnd(40),
    pad('msg/s', 8),
    pad('deliveries/s', 12),
    pad('ratio', 7),
    pad('ack p50', 8),
    pad('ack p99', 8),
    pad('deliv p99', 10),
  ].join(' '),
);
const bare = await fanOutBaseline();
const single = await fanOut(1, 'sqlite');
console.log(fanOutRow('bare ws broadcast (baseline)', bare, bare));
console.log(fanOutRow('roundtable, SQLite, one instance', single, bare));
results.fanOut = { bare, single };
if (services) {
  const pair = await fanOut(2, 'postgres');
  console.log(fanOutRow('  (baseline: the line above)', single, single));
  console.log(fanOutRow('roundtable, 2 instances, PostgreSQL+Redis', pair, single));
  results.fanOut = { bare, single, twoInstances: pair };
}

console.log(
  `\nDurable ingest: ${INGEST_CLIENTS} clients in ${INGEST_ROOMS} rooms, ${INGEST_PER_CLIENT} messages each, ${INGEST_WINDOW} in flight per client, every ack after commit`,
);
console.log(['scenario'.padEnd(40), pad('msg/s', 8), pad('ratio', 7), pad('ack p50', 8), pad('ack p99', 8)].join(' '));
const sqliteIngest = await ingest('sqlite');
console.log(ingestRow('roundtable, SQLite (baseline)', sqliteIngest, sqliteIngest));
results.ingest = { sqlite: sqliteIngest };
if (services) {
  const postgresIngest = await ingest('postgres');
  console.log(ingestRow('roundtable, PostgreSQL', postgresIngest, sqliteIngest));
  results.ingest = { sqlite: sqliteIngest, postgres: postgresIngest };
} else {
  console.log('!!! SKIPPED: the PostgreSQL and two-instance scenarios need PostgreSQL and Redis on 127.0.0.1');
}
console.log('(latencies in ms; ratio = throughput against the baseline of its table, measured in this run)');
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify(results, null, 2));
