/**
 * Scale: K = 1, 2, 3, 4 hub instances over PostgreSQL and Redis (one SQLite hub beside them, for
 * reference), one room, the sender on the first instance and the receivers spread evenly over all K,
 * so each event reaches the receivers elsewhere through Redis. Per K: deliveries per CPU-second of
 * each hub and of every process (the hubs, their PostgreSQL backends, Redis), and what one message
 * costs PostgreSQL and one event Redis; then what an instance with no one in the room pays per event.
 * The services are the run's own (harness/services.ts), so other programs on the machine do not move
 * their counters.
 */
import { createMembers, servicesReachable, withHubs } from '../harness/hubs.js';
import { SIZES } from '../harness/options.js';
import { cpuSeconds, ioBytes, measure, type Measured, type Server } from '../harness/processes.js';
import {
  startOwnServices,
  STATS_DELAY_MS,
  type OwnServices,
  type PostgresCounters,
  type RedisCounters,
} from '../harness/services.js';
import { fixed, ratio, table } from '../harness/table.js';
import type { FanOutResult } from '../load/fanout.js';

/**
 * Commands the hubs' Lua scripts run inside Redis (limits/redis-rate-limiter.ts), which INFO counts
 * among the commands processed, though no client sent them; the hubs never send them themselves.
 */
const SCRIPT_COMMANDS = new Set(['time', 'hmget', 'hset', 'pexpire', 'zremrangebyscore', 'zadd', 'zrange']);

/** How long the cluster is watched at rest before the load when PostgreSQL's counts are not awaited (smoke runs, SQLite), in ms. */
const REST_MS = 1_000;

type HubTimes = Array<{ cpu: number | undefined; io: { read: number; written: number } | undefined }>;

/** The counters read at one moment; those of the services only for a cluster over PostgreSQL and Redis. */
interface Reading {
  /** performance.now(), ms. */
  at: number;
  /** Each hub's CPU seconds and bytes through its system calls. */
  hubs: HubTimes;
  /** Each hub's `roundtable_db_statements_total`. */
  statements: number[];
  redis?: RedisCounters;
  redisCpu?: number;
  postgresCpu?: Record<string, number>;
  /** After the load: read STATS_DELAY_MS later, with each hub's statements at that moment. */
  postgres?: PostgresCounters;
  statementsAtPostgres?: number[];
}

interface Probed {
  /** Before the load, the rest that precedes it: a reading at its start, and the hubs' times at its end. */
  rest?: { start: Reading; end: HubTimes };
  reading: Reading;
}

/** Where the receivers are: spread evenly over every instance, or all on the first (the others are bystanders). */
type Layout = 'spread' | 'first';

/** The figures of one cluster, as the tables print them and the results file keeps them. */
export interface ScaleRow {
  instances: number;
  store: 'sqlite' | 'postgres';
  layout: Layout;
  messages: number;
  deliveries: number;
  deliveriesPerSecond: number;
  deliveryP99: number;
  /** Each hub's deliveries (its receivers × messages) per second of its own CPU. */
  perHubDeliveriesPerCpu: Array<number | undefined>;
  /** Each hub's CPU time per message, in µs, less what it spends at rest in as long. */
  perHubCpuPerMessageUs: Array<number | undefined>;
  hubsDeliveriesPerCpu: number | undefined;
  /** Hubs, the PostgreSQL backends of the run's database and Redis (its own; else the machine's services). */
  allDeliveriesPerCpu: number | undefined;
  /** CPU seconds of the measured part. */
  cpu: { hubs: Array<number | undefined>; postgres: number | undefined; redis: number | undefined };
  /** Statements the hubs' stores ran (SQLite or PostgreSQL; BEGIN, COMMIT and savepoints not counted). */
  statementsPerMessage: number;
  postgres?: {
    /**
     * pg_stat_database's, less the statements the hubs ran at rest after the load (until the counts
     * were read), and with autovacuum's own when `autovacuumRan`.
     */
    transactionsPerMessage: number;
    autovacuumRan: boolean;
    rowsWrittenPerMessage: number;
    /** Rows inserted or updated per message, by table (those of at least 0.01). */
    rowsByTable: Record<string, number>;
  };
  redis?: {
    /** INFO's total_commands_processed: also the commands that the hubs' Lua scripts run. */
    commandsPerEvent: number;
    /** Commands the hubs sent: the above less those run inside scripts. */
    roundTripsPerEvent: number;
    publishesPerEvent: number;
    bytesInPerEvent: number;
    bytesOutPerEvent: number;
    /** Calls per event of each command, those run by scripts included. */
    callsPerEvent: Record<string, number>;
  };
  /** Bytes the hubs wrote through their system calls (sockets; for SQLite, its files too) per delivery. */
  hubBytesOutPerDelivery: number | undefined;
  /** Resident memory of a hub on average, before the load generator connected, in MB. */
  rssPerInstanceMb: number | undefined;
  /** While the members are connected and nothing is sent: per instance and second. */
  rest: { seconds: number; statements: number; redisCommands: number | undefined; hubCpuMs: number | undefined };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function statementsOf(hub: Server): Promise<number> {
  const text = await (await fetch(`${hub.url}/metrics`)).text();
  return Number(/^roundtable_db_statements_total (\d+)/m.exec(text)?.[1] ?? NaN);
}

/**
 * Read around the measured part. A /metrics request costs a hub CPU, so the hubs' statements are read
 * before their CPU time at the start and after it at the end. PostgreSQL's counts are read
 * STATS_DELAY_MS after the load, once its backends have reported them; before the load, the same
 * wait lets setting up (members, the room) report, and is the rest measured. Smoke runs, and the
 * bystander cluster, do not wait: they read no PostgreSQL counts.
 */
function prober(hubs: Server[], services: OwnServices | undefined, postgresStats: boolean, restMs: number) {
  const statements = () => Promise.all(hubs.map(statementsOf));
  const times = (): HubTimes => hubs.map((hub) => ({ cpu: cpuSeconds(hub.child.pid), io: ioBytes(hub.child.pid) }));
  const read = async (counted: number[] | undefined): Promise<Reading> => {
    const at = performance.now();
    const hubTimes = times();
    const redis = await services?.redisCounters();
    const redisCpu = services?.redisCpu();
    const postgresCpu = await services?.postgresCpu();
    return { at, hubs: hubTimes, statements: counted ?? (await statements()), redis, redisCpu, postgresCpu };
  };
  return async (phase: 'before' | 'after'): Promise<Probed> => {
    if (phase === 'before') {
      const start = await read(await statements());
      await sleep(restMs);
      const end = times();
      const reading = await read(await statements());
      if (postgresStats) reading.postgres = await services!.postgresCounters();
      return { rest: { start, end }, reading };
    }
    const reading = await read(undefined);
    if (postgresStats) {
      await sleep(STATS_DELAY_MS);
      reading.statementsAtPostgres = await statements();
      reading.postgres = await services!.postgresCounters();
    }
    return { reading };
  };
}

function cluster(instances: number, store: 'sqlite' | 'postgres', services: OwnServices | undefined, layout: Layout) {
  const { members, messages, window } = SIZES.scale;
  const postgresStats = store === 'postgres' && layout === 'spread' && SIZES.scale.postgresStats;
  // The bystander's CPU per event is taken net of what it spends at rest, so that rest is measured for longer.
  const restMs = postgresStats
    ? STATS_DELAY_MS
    : store === 'postgres' && SIZES.scale.postgresStats
      ? 5 * REST_MS
      : REST_MS;
  return withHubs(
    instances,
    store,
    async (hubs, admin) => {
      const tokens = await createMembers(hubs[0]!.url, admin, members);
      return measure<FanOutResult, Probed>(
        {
          kind: 'fanout',
          protocol: 'roundtable',
          url: hubs[0]!.url,
          receiverUrls: (layout === 'spread' ? hubs : hubs.slice(0, 1)).map((hub) => hub.url),
          tokens,
          senderToken: admin,
          senderUrl: hubs[0]!.url,
          room: 'general',
          messages,
          window,
        },
        hubs,
        true,
        prober(hubs, services, postgresStats, restMs),
      );
    },
    services ? { postgresUrl: services.postgresUrl, redisUrl: services.redisUrl } : {},
  );
}

const difference = (after: number | undefined, before: number | undefined) =>
  after === undefined || before === undefined ? undefined : after - before;
const sum = (values: Array<number | undefined>) =>
  values.some((value) => value === undefined) ? undefined : values.reduce((total, value) => total! + value!, 0);
const cpuBetween = (before: HubTimes, after: HubTimes) => after.map((hub, i) => difference(hub.cpu, before[i]!.cpu));
const statementsBetween = (before: number[], after: number[]) =>
  after.reduce((total, count, i) => total + count - before[i]!, 0);

/** Redis's counts between two readings, less the harness's own INFO (counted in the later reading, not in its own). */
function redisBetween(before: RedisCounters, after: RedisCounters) {
  const calls: Record<string, number> = {};
  for (const [name, count] of Object.entries(after.calls)) {
    const made = count - (before.calls[name] ?? 0) - (name === 'info' ? 1 : 0);
    if (made > 0) calls[name] = made;
  }
  return { commands: after.commands - before.commands - 1, calls };
}

function summarize(
  instances: number,
  store: 'sqlite' | 'postgres',
  layout: Layout,
  measured: Measured<FanOutResult> & { probed?: { before: Probed; after: Probed } },
  ownRedis: boolean,
): ScaleRow {
  const { rest, reading: before } = measured.probed!.before;
  const after = measured.probed!.after.reading;
  const { messages, members } = SIZES.scale;
  const { deliveries } = measured.result;
  const hubCpu = cpuBetween(before.hubs, after.hubs);
  // Receiver j is on hub j % K (spread), or on the first.
  const receiversOn = (i: number) =>
    layout === 'first' ? (i === 0 ? members : 0) : Math.floor(members / instances) + (i < members % instances ? 1 : 0);
  const per = (count: number, cpu: number | undefined) => (cpu && count ? count / cpu : undefined);
  const written = sum(after.hubs.map((hub, i) => difference(hub.io?.written, before.hubs[i]!.io?.written)));
  const hubsCpu = measured.serverCpu;
  // A backend that is new since the start counts from zero.
  const postgresCpu = after.postgresCpu
    ? Object.entries(after.postgresCpu).reduce((total, [pid, cpu]) => total + cpu - (before.postgresCpu?.[pid] ?? 0), 0)
    : undefined;
  const redisCpu = difference(after.redisCpu, before.redisCpu);
  const servicesCpu =
    store === 'sqlite' ? 0 : ownRedis && postgresCpu !== undefined ? postgresCpu + redisCpu! : measured.servicesCpu;
  const restSeconds = (before.at - rest!.start.at) / 1000;
  const restCpu = cpuBetween(rest!.start.hubs, rest!.end);
  const loadSeconds = (after.at - before.at) / 1000;
  const netCpu = hubCpu.map((cpu, i) =>
    cpu === undefined || restCpu[i] === undefined ? undefined : cpu - (restCpu[i]! / restSeconds) * loadSeconds,
  );
  const row: ScaleRow = {
    instances,
    store,
    layout,
    messages,
    deliveries,
    deliveriesPerSecond: measured.result.deliveriesPerSecond,
    deliveryP99: measured.result.deliveryP99,
    perHubDeliveriesPerCpu: hubCpu.map((cpu, i) => per(receiversOn(i) * messages, cpu)),
    perHubCpuPerMessageUs: netCpu.map((cpu) => (cpu === undefined ? undefined : (cpu / messages) * 1e6)),
    hubsDeliveriesPerCpu: per(deliveries, hubsCpu),
    allDeliveriesPerCpu:
      hubsCpu === undefined || servicesCpu === undefined ? undefined : per(deliveries, hubsCpu + servicesCpu),
    cpu: { hubs: hubCpu, postgres: postgresCpu, redis: redisCpu },
    statementsPerMessage: statementsBetween(before.statements, after.statements) / messages,
    hubBytesOutPerDelivery: written === undefined ? undefined : written / deliveries,
    rssPerInstanceMb: measured.rssBefore === undefined ? undefined : measured.rssBefore / 1_048_576 / instances,
    rest: {
      seconds: restSeconds,
      statements: statementsBetween(rest!.start.statements, before.statements) / restSeconds / instances,
      redisCommands:
        before.redis && rest!.start.redis
          ? redisBetween(rest!.start.redis, before.redis).commands / restSeconds / instances
          : undefined,
      hubCpuMs: ((sum(restCpu) ?? NaN) * 1000) / restSeconds / instances,
    },
  };
  if (before.postgres && after.postgres) {
    const rowsByTable: Record<string, number> = {};
    let rowsWritten = 0;
    for (const [name, count] of Object.entries(after.postgres.rowsWritten)) {
      const rows = count - (before.postgres.rowsWritten[name] ?? 0);
      rowsWritten += rows;
      if (rows / messages >= 0.01) rowsByTable[name] = Number((rows / messages).toFixed(2));
    }
    // What the hubs ran at rest while PostgreSQL's counts were awaited: reads, each a transaction of its own.
    const restAfter = statementsBetween(after.statements, after.statementsAtPostgres!);
    row.postgres = {
      transactionsPerMessage: (after.postgres.transactions - before.postgres.transactions - restAfter) / messages,
      autovacuumRan: after.postgres.autovacuums !== before.postgres.autovacuums,
      rowsWrittenPerMessage: rowsWritten / messages,
      rowsByTable,
    };
  }
  if (before.redis && after.redis) {
    const { commands, calls } = redisBetween(before.redis, after.redis);
    const inScripts = Object.entries(calls).reduce(
      (total, [name, count]) => total + (SCRIPT_COMMANDS.has(name) ? count : 0),
      0,
    );
    row.redis = {
      commandsPerEvent: commands / messages,
      roundTripsPerEvent: (commands - inScripts) / messages,
      publishesPerEvent: (calls.publish ?? 0) / messages,
      bytesInPerEvent: (after.redis.netInputBytes - before.redis.netInputBytes) / messages,
      bytesOutPerEvent: (after.redis.netOutputBytes - before.redis.netOutputBytes) / messages,
      callsPerEvent: Object.fromEntries(
        Object.entries(calls).map(([name, count]) => [name, Number((count / messages).toFixed(3))]),
      ),
    };
  }
  return row;
}

const nameOf = (row: ScaleRow) =>
  row.store === 'sqlite'
    ? 'SQLite, one instance (reference)'
    : row.layout === 'first'
      ? `K = ${row.instances}, every receiver on the first`
      : `K = ${row.instances}, PostgreSQL + Redis`;

function print(rows: ScaleRow[]): void {
  const spread = rows.filter((row) => row.layout === 'spread');
  const single = spread.find((row) => row.store === 'postgres' && row.instances === 1);
  const thousands = (value: number | undefined) => (value === undefined ? '—' : `${(value / 1000).toFixed(1)}k`);
  table(
    ['cluster', 'deliveries/s', 'deliv p99', 'deliv/CPU-s: each hub', 'all hubs', 'all processes', 'vs K = 1'],
    spread.map((row) => [
      nameOf(row),
      fixed(row.deliveriesPerSecond),
      fixed(row.deliveryP99, 1),
      row.perHubDeliveriesPerCpu.map(thousands).join(' / '),
      thousands(row.hubsDeliveriesPerCpu),
      thousands(row.allDeliveriesPerCpu),
      row.store === 'postgres' ? ratio(row.allDeliveriesPerCpu, single?.allDeliveriesPerCpu) : '',
    ]),
  );
  console.log('');
  const micros = (seconds: number | undefined, count: number) =>
    seconds === undefined ? '—' : fixed((seconds / count) * 1e6, 1);
  const some = <T>(value: T | undefined, show: (value: T) => string) => (value === undefined ? '—' : show(value));
  table(
    [
      'per message or event',
      'SQL stmts',
      'PG xacts',
      'PG rows',
      'Redis cmds',
      'round trips',
      'publishes',
      'Redis bytes in / out',
      'CPU µs: hubs/deliv',
      'PG',
      'Redis',
      'hub bytes out/deliv',
    ],
    spread.map((row) => [
      nameOf(row),
      fixed(row.statementsPerMessage, 2),
      some(row.postgres, (pg) => `${fixed(pg.transactionsPerMessage, 2)}${pg.autovacuumRan ? '*' : ''}`),
      some(row.postgres, (pg) => fixed(pg.rowsWrittenPerMessage, 2)),
      some(row.redis, (redis) => fixed(redis.commandsPerEvent, 2)),
      some(row.redis, (redis) => fixed(redis.roundTripsPerEvent, 2)),
      some(row.redis, (redis) => fixed(redis.publishesPerEvent, 2)),
      some(row.redis, (redis) => `${fixed(redis.bytesInPerEvent)} / ${fixed(redis.bytesOutPerEvent)}`),
      micros(sum(row.cpu.hubs), row.deliveries),
      row.store === 'postgres' ? micros(row.cpu.postgres, row.messages) : '—',
      row.store === 'postgres' ? micros(row.cpu.redis, row.messages) : '—',
      fixed(row.hubBytesOutPerDelivery),
    ]),
  );
  if (rows.some((row) => row.postgres?.autovacuumRan))
    console.log('* autovacuum ran in the database meanwhile: its transactions are counted too');
  for (const row of rows.filter((row) => row.layout === 'first')) {
    console.log(
      `\n${nameOf(row)}: each hub's CPU µs per message, less its CPU at rest: ` +
        `${row.perHubCpuPerMessageUs.map((us) => fixed(us, 1)).join(' / ')} (the second has no one in the room)`,
    );
  }
  // A rest of a second says little in CPU ticks of 10 ms: only the long ones, awaiting PostgreSQL's counts, are shown.
  const rested = spread.filter((row) => row.rest.seconds * 1000 > 2 * REST_MS);
  if (rested.length === 0) return;
  console.log('');
  table(
    ['at rest, members connected: per instance and second', 'SQL stmts', 'Redis cmds', 'hub CPU ms'],
    rested.map((row) => [
      nameOf(row),
      fixed(row.rest.statements, 1),
      fixed(row.rest.redisCommands, 1),
      fixed(row.rest.hubCpuMs, 1),
    ]),
  );
}

export async function runScale(results: Record<string, unknown>): Promise<void> {
  const { members, messages, window, instances } = SIZES.scale;
  console.log(
    `\nScale: one room of ${members} members spread evenly over K = ${instances.join(', ')} instances, ` +
      `the sender on the first; ${messages} messages, ${window} in flight`,
  );
  if (!(await servicesReachable())) {
    console.log('!!! SKIPPED: the scale scenario needs PostgreSQL and Redis on 127.0.0.1');
    return;
  }
  const services = await startOwnServices();
  try {
    if (!services.ownRedis)
      console.log('(redis-server is not installed: the shared Redis is used, and its counts include other clients)');
    const run = async (count: number, store: 'sqlite' | 'postgres', layout: Layout) =>
      summarize(
        count,
        store,
        layout,
        await cluster(count, store, store === 'postgres' ? services : undefined, layout),
        services.ownRedis,
      );
    const rows = [await run(1, 'sqlite', 'spread')];
    for (const count of instances) rows.push(await run(count, 'postgres', 'spread'));
    // What the one channel costs an instance with no one in the room: it still reads every event.
    rows.push(await run(2, 'postgres', 'first'));
    print(rows);
    results.scale = { members, messages, window, ownRedis: services.ownRedis, rows };
  } finally {
    await services.close();
  }
}
