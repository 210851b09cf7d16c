/**
 * Durable ingest: many clients in many rooms, every ack after its commit, first at a steady offered
 * rate and then saturated, against Socket.IO committing each message on its own; PostgreSQL too when
 * it is there.
 */
import { api, createMembers, servicesReachable, withHubs } from '../harness/hubs.js';
import { SIZES } from '../harness/options.js';
import { measure, withServer, type Measured } from '../harness/processes.js';
import { INGEST_ROWS } from '../harness/ratios.js';
import { each, inTurns, median, medianRun } from '../harness/pairs.js';
import { fixed, ratio, ratioOf, table } from '../harness/table.js';
import type { IngestJob, IngestResult } from '../load/ingest.js';

const INGEST_WINDOW = 4;

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

/** With `receipts`, every message mentions the first member of its room (`member<r>` is in room r), so each keeps a receipt. */
function ingestHub(kind: 'sqlite' | 'postgres', shape: IngestShape, receipts = false) {
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
    const mentions = receipts ? rooms.map((_, index) => `member${index}`) : undefined;
    return measure<IngestResult>({ kind: 'ingest', protocol: 'roundtable', url, tokens, rooms, mentions, ...shape }, [
      hub!,
    ]);
  });
}

export async function runIngest(results: Record<string, unknown>): Promise<void> {
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
  const runs = await inTurns(
    () => ingestHub('sqlite', shape),
    () => ingestHub('sqlite', shape, true),
  );
  const throughput = (run: Measured<IngestResult>) => run.result.messagesPerSecond;
  const sqlite = medianRun(runs.without, throughput);
  const sqliteReceipts = medianRun(runs.with, throughput);
  const rows: Array<[string, Measured<IngestResult>]> = [
    [INGEST_ROWS.naive, naive],
    [INGEST_ROWS.sqlite, sqlite],
    ['roundtable, SQLite, each message @mentions a member (receipts)', sqliteReceipts],
  ];
  if (await servicesReachable()) rows.push([INGEST_ROWS.postgres, await ingestHub('postgres', shape)]);
  else console.log('!!! SKIPPED: the PostgreSQL scenario needs PostgreSQL on 127.0.0.1');
  table(
    [
      'server',
      'first sends: ack p99',
      'steady: achieved',
      'ack p50',
      'ack p99',
      'saturated: msg/s',
      'vs naive',
      'ack p50',
      'ack p99',
    ],
    rows.map(([name, measured]) => [
      name,
      fixed(measured.result.steady?.firstAckP99, 1),
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
  const cpuPerMessage = (run: Measured<IngestResult>) =>
    run.serverCpu === undefined
      ? undefined
      : (run.serverCpu * 1e6) /
        (run.result.messages + (run.result.steady?.messages ?? 0) + (run.result.steady?.firstMessages ?? 0));
  const runsOf = runs.with.length === 1 ? '' : ` (medians of ${runs.with.length} runs each, in turns)`;
  console.log(
    `receipts${runsOf}: saturated ingest ${ratio(median(runs.with, throughput), median(runs.without, throughput))} ` +
      `of SQLite without (msg/s ${each(runs.with, throughput)} against ${each(runs.without, throughput)}); ` +
      `server CPU per message ${ratio(median(runs.with, cpuPerMessage), median(runs.without, cpuPerMessage))} ` +
      `(µs ${each(runs.with, cpuPerMessage)} against ${each(runs.without, cpuPerMessage)}); ` +
      `steady ack p99 ${ratio(sqliteReceipts.result.steady?.ackP99, sqlite.result.steady?.ackP99)}`,
  );
  results.receipts = {
    ...(results.receipts as object | undefined),
    ingest_vs_plain: ratioOf(median(runs.with, throughput), median(runs.without, throughput)),
    ingest_cpu_per_message_vs_plain: ratioOf(median(runs.with, cpuPerMessage), median(runs.without, cpuPerMessage)),
    steady_ack_p99_vs_plain: ratioOf(sqliteReceipts.result.steady?.ackP99, sqlite.result.steady?.ackP99),
    runs: SIZES.pairs,
  };
}
