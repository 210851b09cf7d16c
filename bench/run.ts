/**
 * `npm run bench`: every scenario runs its servers and its load generator as separate processes
 * (pinned to different cores where `taskset` exists) and prints its figures beside baselines
 * measured in the same run, as ratios, including the server's CPU time per delivery. `--full`
 * runs the large sizes; `--smoke` runs tiny ones, to check the harness itself. Results are also
 * written to bench/results/latest.json.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import type {
  FanOutJob,
  FanOutResult,
  HistoryResult,
  IdleResult,
  IngestJob,
  IngestResult,
  Job,
  McpResult,
  StormResult,
} from './load.js';

const ROOT = join(import.meta.dirname, '..');
/** The hub runs from its build, as `npm start` runs it; brought up to date first (a no-op when it is). */
const HUB_ENTRY = 'packages/server/dist/main.js';
execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/server'], { cwd: ROOT, stdio: 'inherit' });
const mode = process.argv.includes('--smoke') ? 'smoke' : process.argv.includes('--full') ? 'full' : 'quick';
const SIZES = {
  smoke: {
    history: 2_000,
    idle: 100,
    storm: 50,
    stormMessages: 20,
    fanOut: [10],
    messages: 50,
    window: 16,
    latencyMessages: 100,
    rate: 200,
    ingestClients: 20,
    ingestRooms: 5,
    ingestEach: 5,
    steadyRate: 100,
    steadySeconds: 1,
    mcpRounds: 20,
  },
  quick: {
    history: 20_000,
    idle: 2_000,
    storm: 500,
    stormMessages: 200,
    fanOut: [100],
    messages: 2_000,
    window: 64,
    latencyMessages: 2_000,
    rate: 1_000,
    ingestClients: 1_000,
    ingestRooms: 100,
    ingestEach: 15,
    steadyRate: 1_000,
    steadySeconds: 3,
    mcpRounds: 300,
  },
  full: {
    history: 1_000_000,
    idle: 10_000,
    storm: 2_000,
    stormMessages: 200,
    fanOut: [100, 1_000],
    messages: 10_000,
    window: 64,
    latencyMessages: 10_000,
    rate: 1_000,
    ingestClients: 1_000,
    ingestRooms: 100,
    ingestEach: 50,
    steadyRate: 1_000,
    steadySeconds: 10,
    mcpRounds: 1_000,
  },
}[mode];
const INGEST_WINDOW = 4;
/** `--only=fanout,ingest`: run just those scenarios (fanout, latency, ingest, scaleout, idle, storm, history, mcp), e.g. while optimizing one. */
const only = process.argv
  .find((arg) => arg.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const wanted = (scenario: string) => !only || only.includes(scenario);
/** `--profile`: each hub writes a V8 CPU profile to bench/results/profiles/ (open it in Chrome DevTools or speedscope). */
const PROFILE_DIR = process.argv.includes('--profile') ? join(ROOT, 'bench/results/profiles') : undefined;
/** BENCH_HUB_FLAGS: extra Node flags for every hub, e.g. `--trace-gc`; BENCH_DEBUG=1 passes the servers' and load generator's output through. */
const HUB_FLAGS = process.env.BENCH_HUB_FLAGS;
const DEBUG = process.env.BENCH_DEBUG === '1';
const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const UNLIMITED = '1000000';
const PINNING = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');
const TICKS_PER_SECOND = clockTicks();

interface Server {
  child: ChildProcess;
  url: string;
  output: string;
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}

/** Runs a node script, on `core` when given and cores can be pinned; only TypeScript (the load generator) goes through tsx. */
function spawnPinned(
  core: number | undefined,
  args: string[],
  env: Record<string, string> = {},
  flags: string[] = [],
): ChildProcess {
  const loader = args[0]!.endsWith('.ts') ? ['--conditions=development', '--import', 'tsx'] : [];
  const node = [process.execPath, ...flags, ...loader, ...args];
  const [command, ...rest] = PINNING && core !== undefined ? ['taskset', '-c', String(core), ...node] : node;
  return spawn(command!, rest, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

async function spawnServer(
  args: string[],
  env: Record<string, string>,
  flags: string[] = [],
  pin = true,
): Promise<Server> {
  const child = spawnPinned(pin ? 0 : undefined, args, env, flags);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (DEBUG) process.stderr.write(chunk);
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

/** User plus system CPU time of a process so far, in seconds (Linux /proc; undefined elsewhere). */
function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

interface Measured<R> {
  result: R;
  /** CPU seconds the servers spent during the measured part. */
  serverCpu: number | undefined;
  /** The servers' resident memory before the load generator connected, and at its result, in bytes. */
  rssBefore: number | undefined;
  rssAfter: number | undefined;
}

/** Resident memory of a process, in bytes (Linux /proc; undefined elsewhere). */
function rssBytes(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

function total(values: Array<number | undefined>): number | undefined {
  return values.some((value) => value === undefined) ? undefined : values.reduce((sum, value) => sum! + value!, 0);
}

/** Runs a job in the load-generator process; the servers' CPU time is read around its measured part only. */
async function measure<R>(job: Job, servers: Server[], pin = true): Promise<Measured<R>> {
  const rss = () => total(servers.map((server) => rssBytes(server.child.pid)));
  const rssBefore = rss();
  const child = spawnPinned(
    pin ? 1 : undefined,
    ['bench/loadgen.ts', Buffer.from(JSON.stringify(job)).toString('base64')],
    {},
    ['--expose-gc'],
  );
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
    if (DEBUG) process.stderr.write(chunk);
  });
  const lines = createInterface({ input: child.stdout! });
  const cpu = () => total(servers.map((server) => cpuSeconds(server.child.pid)));
  let before: number | undefined;
  for await (const line of lines) {
    if (line === 'ready') {
      before = cpu();
      child.stdin!.write('go\n');
      continue;
    }
    if (line.startsWith('{')) {
      const after = cpu();
      const rssAfter = rss();
      child.kill();
      return {
        result: JSON.parse(line) as R,
        serverCpu: before === undefined || after === undefined ? undefined : after - before,
        rssBefore,
        rssAfter,
      };
    }
  }
  throw new Error(`the load generator ended without a result: ${errors}`);
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
    RATE_ANONYMOUS_REQUESTS_PER_SEC: UNLIMITED,
    RATE_ANONYMOUS_REQUESTS_BURST: UNLIMITED,
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
  for (let i = 0; i < count; i += 20) {
    const batch = Array.from({ length: Math.min(20, count - i) }, (_, j) =>
      api(url, admin, 'POST', '/api/v1/members', { handle: `member${i + j}`, kind: 'person' }),
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

async function withServer<T>(script: string, run: (server: Server) => Promise<T>): Promise<T> {
  const server = await spawnServer([script], {});
  try {
    return await run(server);
  } finally {
    server.child.kill();
  }
}

async function withHubs<T>(
  count: number,
  kind: 'sqlite' | 'postgres',
  run: (hubs: Server[], admin: string, env: Record<string, string>) => Promise<T>,
  pin = true,
): Promise<T> {
  const store = await storeEnv(kind);
  const env = hubEnv({ ...store.env, ...(count > 1 ? { REDIS_URL } : {}) });
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

type FanOutShape = Pick<FanOutJob, 'messages' | 'window' | 'rate'>;

function fanOutBaseline(script: string, protocol: 'ws' | 'socketio', members: number, shape: FanOutShape) {
  return withServer(script, (server) =>
    measure<FanOutResult>(
      { kind: 'fanout', protocol, url: server.url, tokens: Array(members).fill(''), room: 'general', ...shape },
      [server],
    ),
  );
}

/** The sender on the first hub, every receiver on the last: with two hubs, every delivery crosses Redis. */
function fanOutHub(count: number, kind: 'sqlite' | 'postgres', members: number, shape: FanOutShape) {
  return withHubs(count, kind, async (hubs, admin) => {
    const tokens = await createMembers(hubs[0]!.url, admin, members);
    return measure<FanOutResult>(
      {
        kind: 'fanout',
        protocol: 'roundtable',
        url: hubs.at(-1)!.url,
        tokens,
        senderToken: admin,
        senderUrl: hubs[0]!.url,
        room: 'general',
        ...shape,
      },
      hubs,
    );
  });
}

type IngestShape = Pick<IngestJob, 'messagesPerClient' | 'window' | 'steady'>;

function ingestBaseline(shape: IngestShape) {
  return withServer('bench/baselines/naive-durable.mjs', (server) =>
    measure<IngestResult>(
      {
        kind: 'ingest',
        protocol: 'socketio',
        url: server.url,
        tokens: Array(SIZES.ingestClients).fill(''),
        rooms: Array.from({ length: SIZES.ingestRooms }, (_, i) => `room${i}`),
        ...shape,
      },
      [server],
    ),
  );
}

function ingestHub(kind: 'sqlite' | 'postgres', shape: IngestShape) {
  return withHubs(1, kind, async ([hub], admin) => {
    const url = hub!.url;
    const tokens = await createMembers(url, admin, SIZES.ingestClients);
    const rooms: string[] = [];
    for (let i = 0; i < SIZES.ingestRooms; i++) {
      rooms.push((await api(url, admin, 'POST', '/api/v1/rooms', { name: `ingest-${i}`, kind: 'public' })).room.id);
    }
    for (let i = 0; i < tokens.length; i += 50) {
      await Promise.all(
        tokens
          .slice(i, i + 50)
          .map((token, j) => api(url, token, 'POST', `/api/v1/rooms/${rooms[(i + j) % rooms.length]}/join`)),
      );
    }
    return measure<IngestResult>({ kind: 'ingest', protocol: 'roundtable', url, tokens, rooms, ...shape }, [hub!]);
  });
}

const fixed = (value: number | undefined, digits = 0) => (value === undefined ? '—' : value.toFixed(digits));
const ratio = (value: number | undefined, base: number | undefined) =>
  value === undefined || base === undefined || base === 0 ? '—' : `${(value / base).toFixed(2)}x`;

function table(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}

/** Deliveries per second of server CPU: what a server costs per message delivered. */
const perCpu = (measured: Measured<FanOutResult>) =>
  measured.serverCpu ? measured.result.deliveries / measured.serverCpu : undefined;

const results: Record<string, unknown> = { at: new Date().toISOString(), mode, pinned: PINNING };
console.log(
  `Roundtable benchmarks (${mode} run; ${PINNING ? 'servers on core 0, load on core 1' : 'no taskset: cores shared'})`,
);

/** A fan-out run delivers at most this many frames per server, so the 1,000-member room takes seconds, not minutes. */
const MAX_DELIVERIES = 2_000_000;

for (const members of wanted('fanout') ? SIZES.fanOut : []) {
  const shape = { messages: Math.min(SIZES.messages, Math.floor(MAX_DELIVERIES / members)), window: SIZES.window };
  console.log(`\nFan-out: one room of ${members} members, ${shape.messages} messages, ${shape.window} in flight`);
  const bare = await fanOutBaseline('bench/baselines/ws-broadcast.mjs', 'ws', members, shape);
  const socketio = await fanOutBaseline('bench/baselines/socketio-broadcast.mjs', 'socketio', members, shape);
  const hub = await fanOutHub(1, 'sqlite', members, shape);
  const rows: Array<[string, Measured<FanOutResult>]> = [
    ['bare ws broadcast, nothing stored', bare],
    ['Socket.IO broadcast, nothing stored', socketio],
    ['roundtable, SQLite, stored before fan-out', hub],
  ];
  table(
    ['server', 'deliveries/s', 'deliv/CPU-s', 'vs ws', 'vs Socket.IO', 'ack p50', 'ack p99', 'deliv p99'],
    rows.map(([name, measured]) => [
      name,
      fixed(measured.result.deliveriesPerSecond),
      fixed(perCpu(measured)),
      ratio(perCpu(measured), perCpu(bare)),
      ratio(perCpu(measured), perCpu(socketio)),
      fixed(measured.result.ackP50, 1),
      fixed(measured.result.ackP99, 1),
      fixed(measured.result.deliveryP99, 1),
    ]),
  );
  results[`fanOut${members}`] = Object.fromEntries(rows.map(([name, measured]) => [name, measured]));
}

if (wanted('latency')) {
  const shape = { messages: SIZES.latencyMessages, window: Number.MAX_SAFE_INTEGER, rate: SIZES.rate };
  console.log(`\nLatency: one room of ${SIZES.fanOut[0]} members, ${SIZES.rate} messages/s, send to delivery`);
  const bare = await fanOutBaseline('bench/baselines/ws-broadcast.mjs', 'ws', SIZES.fanOut[0]!, shape);
  const hub = await fanOutHub(1, 'sqlite', SIZES.fanOut[0]!, shape);
  table(
    ['server', 'deliv p50', 'deliv p99', 'p99 vs ws'],
    [
      ['bare ws broadcast', fixed(bare.result.deliveryP50, 2), fixed(bare.result.deliveryP99, 2), '1.00x'],
      [
        'roundtable, SQLite',
        fixed(hub.result.deliveryP50, 2),
        fixed(hub.result.deliveryP99, 2),
        ratio(hub.result.deliveryP99, bare.result.deliveryP99),
      ],
    ],
  );
  results.latency = { bare, roundtable: hub };
}

if (wanted('ingest')) {
  const shape = {
    messagesPerClient: SIZES.ingestEach,
    window: INGEST_WINDOW,
    steady: { rate: SIZES.steadyRate, seconds: SIZES.steadySeconds },
  };
  console.log(
    `\nDurable ingest: ${SIZES.ingestClients} clients in ${SIZES.ingestRooms} rooms, every ack after its commit; ` +
      `first ${shape.steady.rate} msg/s offered for ${shape.steady.seconds} s, then saturated: ` +
      `${shape.messagesPerClient} messages each, ${shape.window} in flight per client`,
  );
  const naive = await ingestBaseline(shape);
  const sqlite = await ingestHub('sqlite', shape);
  const rows: Array<[string, Measured<IngestResult>]> = [
    ['naive durable (Socket.IO + SQLite, a commit per message)', naive],
    ['roundtable, SQLite', sqlite],
  ];
  const services = (await reachable(POSTGRES_URL)) && (await reachable(REDIS_URL));
  if (services) rows.push(['roundtable, PostgreSQL', await ingestHub('postgres', shape)]);
  else console.log('!!! SKIPPED: the PostgreSQL scenario needs PostgreSQL on 127.0.0.1');
  table(
    ['server', 'steady: achieved', 'ack p50', 'ack p99', 'saturated: msg/s', 'vs naive', 'ack p50', 'ack p99'],
    rows.map(([name, measured]) => [
      name,
      fixed(measured.result.steady?.achieved),
      fixed(measured.result.steady?.ackP50, 1),
      fixed(measured.result.steady?.ackP99, 1),
      fixed(measured.result.messagesPerSecond),
      ratio(measured.result.messagesPerSecond, naive.result.messagesPerSecond),
      fixed(measured.result.ackP50, 1),
      fixed(measured.result.ackP99, 1),
    ]),
  );
  results.ingest = Object.fromEntries(rows.map(([name, measured]) => [name, measured]));
}

if (wanted('scaleout')) {
  const services = (await reachable(POSTGRES_URL)) && (await reachable(REDIS_URL));
  if (services) {
    const members = SIZES.fanOut[0]!;
    const shape = { messages: SIZES.messages, window: SIZES.window };
    console.log(`\nScale-out: ${members} members, sender on one instance, every receiver on another`);
    const single = await fanOutHub(1, 'sqlite', members, shape);
    const pair = await fanOutHub(2, 'postgres', members, shape);
    table(
      ['server', 'deliveries/s', 'ratio', 'deliv p99'],
      [
        [
          'roundtable, SQLite, one instance',
          fixed(single.result.deliveriesPerSecond),
          '1.00x',
          fixed(single.result.deliveryP99, 1),
        ],
        [
          'roundtable, 2 instances, PostgreSQL + Redis',
          fixed(pair.result.deliveriesPerSecond),
          ratio(pair.result.deliveriesPerSecond, single.result.deliveriesPerSecond),
          fixed(pair.result.deliveryP99, 1),
        ],
      ],
    );
    results.scaleOut = { single, pair };
  } else {
    console.log('\n!!! SKIPPED: the scale-out scenario needs PostgreSQL and Redis on 127.0.0.1');
  }
}

if (wanted('idle')) {
  console.log(`\nIdle connections: ${SIZES.idle} open WebSockets, server memory (RSS)`);
  const bare = await withServer('bench/baselines/ws-broadcast.mjs', (server) =>
    measure<IdleResult>({ kind: 'idle', protocol: 'ws', url: server.url, connections: SIZES.idle }, [server]),
  );
  const hub = await withHubs(1, 'sqlite', (hubs, admin) =>
    measure<IdleResult>(
      { kind: 'idle', protocol: 'roundtable', url: hubs[0]!.url, token: admin, connections: SIZES.idle },
      hubs,
    ),
  );
  const mb = (bytes: number | undefined) => (bytes === undefined ? '—' : (bytes / 1_048_576).toFixed(1));
  const perConnection = (measured: Measured<IdleResult>) =>
    measured.rssAfter === undefined || measured.rssBefore === undefined
      ? undefined
      : (measured.rssAfter - measured.rssBefore) / measured.result.connections;
  table(
    ['server', 'RSS MB', 'RSS vs ws', 'KB per connection'],
    [
      ['bare ws', mb(bare.rssAfter), '1.00x', fixed((perConnection(bare) ?? 0) / 1024, 1)],
      [
        'roundtable, SQLite',
        mb(hub.rssAfter),
        ratio(hub.rssAfter, bare.rssAfter),
        fixed((perConnection(hub) ?? 0) / 1024, 1),
      ],
    ],
  );
  results.idle = { bare, roundtable: hub };
}

if (wanted('storm')) {
  console.log(
    `\nReconnect storm: ${SIZES.storm} clients dropped at once, ${SIZES.stormMessages} messages sent meanwhile, all resuming`,
  );
  const storm = await withHubs(1, 'sqlite', async (hubs, admin) => {
    const [reader] = await createMembers(hubs[0]!.url, admin, 1);
    return measure<StormResult>(
      {
        kind: 'storm',
        url: hubs[0]!.url,
        token: reader!,
        senderToken: admin,
        clients: SIZES.storm,
        messages: SIZES.stormMessages,
      },
      hubs,
    );
  });
  table(
    ['server', 'clients', 'lost', 'duplicated', 'full catch-up'],
    [
      [
        'roundtable, SQLite',
        String(storm.result.clients),
        String(storm.result.lost),
        String(storm.result.duplicated),
        `${fixed(storm.result.catchUpMs)} ms`,
      ],
    ],
  );
  results.storm = storm;
}

if (wanted('history')) {
  console.log(`\nHistory: pages of 50 at random points of a room of ${SIZES.history.toLocaleString('en-US')} messages`);
  // Unpinned: one client reads one page at a time, so the load generator never competes with the hub;
  // pinned to one core, a process's main thread loses that core to V8's background threads in slices of
  // about 4 ms, which would be most of the p99 (measured: 4.5 ms stalls pinned, none unpinned).
  const history = await withHubs(
    1,
    'sqlite',
    async ([hub], admin, env) => {
      const url = hub!.url;
      // Written through the hub itself, as 100 clients posting into one room.
      const writers = await createMembers(url, admin, 100);
      await measure<IngestResult>(
        {
          kind: 'ingest',
          protocol: 'roundtable',
          url,
          tokens: writers,
          rooms: ['general'],
          messagesPerClient: SIZES.history / 100,
          window: 16,
        },
        [hub!],
      );
      const lastSeq = (await api(url, admin, 'GET', '/api/v1/rooms/general')).room.last_seq as number;
      return measure<HistoryResult>(
        { kind: 'history', url, token: admin, room: 'general', lastSeq, pages: 500, databasePath: env.DATABASE_PATH! },
        [hub!],
        false,
      );
    },
    false,
  );
  table(
    ['roundtable, SQLite', 'pages', 'p50', 'p99', 'goal p99'],
    [
      [
        'over a WebSocket round trip',
        String(history.result.pages),
        `${fixed(history.result.p50, 2)} ms`,
        `${fixed(history.result.p99, 2)} ms`,
        '2 ms',
      ],
      [
        'the store query alone',
        String(history.result.pages),
        `${fixed(history.result.storeP50, 2)} ms`,
        `${fixed(history.result.storeP99, 2)} ms`,
        '2 ms',
      ],
    ],
  );
  results.history = history;
}

if (wanted('mcp')) {
  console.log(`\nMCP: an agent over /mcp against one over WebSocket, ${SIZES.mcpRounds} rounds in one hub`);
  const mcp = await withHubs(1, 'sqlite', async ([hub], admin) => {
    const url = hub!.url;
    const [person] = await createMembers(url, admin, 1);
    const agent = async (handle: string) =>
      (await api(url, admin, 'POST', '/api/v1/members', { handle, kind: 'agent' })).token as string;
    return measure<McpResult>(
      {
        kind: 'mcp',
        url,
        personToken: person!,
        mcpToken: await agent('mcp-agent'),
        mcpHandle: 'mcp-agent',
        wsToken: await agent('ws-agent'),
        wsHandle: 'ws-agent',
        rounds: SIZES.mcpRounds,
      },
      [hub!],
    );
  });
  const { result } = mcp;
  table(
    ['agent', 'wake p50', 'wake p99', 'send p50', 'send p99'],
    [
      [
        'WebSocket (baseline)',
        fixed(result.wakeWsP50, 2),
        fixed(result.wakeWsP99, 2),
        fixed(result.sendWsP50, 2),
        fixed(result.sendWsP99, 2),
      ],
      [
        'MCP session',
        fixed(result.wakeMcpP50, 2),
        fixed(result.wakeMcpP99, 2),
        fixed(result.sendMcpP50, 2),
        fixed(result.sendMcpP99, 2),
      ],
      [
        'MCP / WebSocket',
        ratio(result.wakeMcpP50, result.wakeWsP50),
        ratio(result.wakeMcpP99, result.wakeWsP99),
        ratio(result.sendMcpP50, result.sendWsP50),
        ratio(result.sendMcpP99, result.sendWsP99),
      ],
    ],
  );
  results.mcp = mcp;
}

console.log(
  '\n(latencies in ms; deliv/CPU-s = deliveries per second of server CPU time; ratios against baselines of this run)',
);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify(results, null, 2));
