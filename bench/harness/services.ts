/**
 * PostgreSQL and Redis of a scenario's own, so that what it counts in them is its alone on a machine
 * whose shared services other programs use meanwhile: a database of its own on the shared PostgreSQL
 * server (its row of pg_stat_database, and the CPU time of the backends connected to it), and, where
 * `redis-server` is installed, a Redis server of its own (its INFO counters and its CPU time).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createConnection, createServer } from 'node:net';
import pg from 'pg';
import { POSTGRES_URL, REDIS_URL } from './hubs.js';
import { DEBUG } from './options.js';
import { cpuSeconds } from './processes.js';

/** What Redis has processed so far (INFO), each figure a running total. */
export interface RedisCounters {
  /** `total_commands_processed`: what clients sent, and also every command a Lua script ran. */
  commands: number;
  /** `cmdstat_<name>` calls, by command name. */
  calls: Record<string, number>;
  netInputBytes: number;
  netOutputBytes: number;
}

/** What PostgreSQL has counted for the database so far, each a running total. */
export interface PostgresCounters {
  /** Committed and rolled back (pg_stat_database), less this harness's own reading queries. */
  transactions: number;
  /** Times autovacuum vacuumed or analyzed a table of the database: its transactions count above too. */
  autovacuums: number;
  /** Rows inserted and updated in each table of the hubs' schema (pg_stat_user_tables), by table name. */
  rowsWritten: Record<string, number>;
}

export interface OwnServices {
  postgresUrl: string;
  redisUrl: string;
  /** False when `redis-server` is not installed: the shared Redis is used, whose counters others move too. */
  ownRedis: boolean;
  redisCounters(): Promise<RedisCounters>;
  /** Redis's CPU seconds so far; undefined for the shared one. */
  redisCpu(): number | undefined;
  /**
   * CPU seconds so far of each PostgreSQL backend connected to the database, by pid. A backend that
   * ends between two readings takes its share with it: the hubs keep their pools open meanwhile.
   */
  postgresCpu(): Promise<Record<string, number>>;
  /**
   * A backend reports its counts when it goes idle, at most once a second; counts held back by that
   * are reported when it has been idle for 10 s (PostgreSQL 15's PGSTAT_IDLE_INTERVAL): read them
   * `STATS_DELAY_MS` after the backends' last transaction.
   */
  postgresCounters(): Promise<PostgresCounters>;
  close(): Promise<void>;
}

/** How long after its last transaction a backend's counts are surely in PostgreSQL's statistics. */
export const STATS_DELAY_MS = 10_500;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A Redis server on a free port, or undefined when `redis-server` cannot be run here. */
async function startRedis(): Promise<{ child: ChildProcess; url: string } | undefined> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const started = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 10_000);
    child.once('error', () => resolve(false));
    child.once('exit', () => resolve(false));
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (DEBUG) process.stderr.write(chunk);
      if (/Ready to accept connections/.test(output)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
  });
  if (started) return { child, url: `redis://127.0.0.1:${port}` };
  child.kill();
  return undefined;
}

/** `INFO all` over a connection of its own, in Redis's wire protocol: no client library needed. */
function redisInfo(url: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: hostname, port: Number(port) });
    let reply = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk]);
      const header = /^\$(\d+)\r\n/.exec(reply.subarray(0, 32).toString());
      if (header && reply.length >= header[0].length + Number(header[1])) {
        socket.end();
        resolve(reply.subarray(header[0].length, header[0].length + Number(header[1])).toString());
      }
    });
    socket.once('error', reject);
    socket.write('INFO all\r\n');
  });
}

async function readRedisCounters(url: string): Promise<RedisCounters> {
  const info = await redisInfo(url);
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
  const calls: Record<string, number> = {};
  for (const [, name, count] of info.matchAll(/^cmdstat_([\w|-]+):calls=(\d+)/gm)) calls[name!] = Number(count);
  return {
    commands: field('total_commands_processed'),
    calls,
    netInputBytes: field('total_net_input_bytes'),
    netOutputBytes: field('total_net_output_bytes'),
  };
}

export async function startOwnServices(): Promise<OwnServices> {
  const database = `rt_bench_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${database}`);
  const postgresUrl = Object.assign(new URL(POSTGRES_URL), { pathname: `/${database}` }).toString();
  const stats = new pg.Client({ connectionString: postgresUrl });
  await stats.connect();
  // Each of the readings below is a transaction of the database too; they are taken off its count.
  let readings = 0;
  const read = <R extends pg.QueryResultRow>(sql: string) => {
    readings += 1;
    return stats.query<R>(sql);
  };
  const redis = await startRedis();
  const redisUrl = redis?.url ?? REDIS_URL;
  return {
    postgresUrl,
    redisUrl,
    ownRedis: redis !== undefined,
    redisCounters: () => readRedisCounters(redisUrl),
    redisCpu: () => (redis ? cpuSeconds(redis.child.pid) : undefined),
    async postgresCpu() {
      const { rows } = await read<{ pid: number }>(
        'SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      const cpu: Record<string, number> = {};
      for (const { pid } of rows) {
        const seconds = cpuSeconds(pid);
        if (seconds !== undefined) cpu[pid] = seconds;
      }
      return cpu;
    },
    async postgresCounters() {
      const earlier = readings;
      const { rows } = await read<{ transactions: string; autovacuums: string; rows: Record<string, number> }>(
        `SELECT (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = current_database()) AS transactions,
           (SELECT sum(autovacuum_count + autoanalyze_count) FROM pg_stat_all_tables) AS autovacuums,
           (SELECT coalesce(jsonb_object_agg(relname, n_tup_ins + n_tup_upd), '{}') FROM pg_stat_user_tables) AS rows`,
      );
      const row = rows[0]!;
      return {
        transactions: Number(row.transactions) - earlier,
        autovacuums: Number(row.autovacuums),
        rowsWritten: row.rows,
      };
    },
    async close() {
      redis?.child.kill();
      await stats.end();
      // The hubs' connections and the schema's cleanup are closing: let them go before dropping the
      // database, which would end them with an error their pools no longer listen for.
      for (let waited = 0; waited < 5_000; waited += 50) {
        const { rows } = await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [
          database,
        ]);
        if (rows[0].n === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      await admin.end();
    },
  };
}
