/**
 * Fan-out: one room, one sender keeping a window of sends in flight, the hub against bare ws and
 * Socket.IO in deliveries per second of server CPU. The latency and scale-out scenarios run the same
 * load, so they take their baseline and hub runs from here.
 */
import { createMembers, withHubs } from '../harness/hubs.js';
import { SIZES } from '../harness/options.js';
import { measure, withServer, type Measured } from '../harness/processes.js';
import { each, inTurns, median, medianRun } from '../harness/pairs.js';
import { fixed, ratio, ratioOf, table } from '../harness/table.js';
import type { FanOutJob, FanOutResult } from '../load/fanout.js';

export type FanOutShape = Pick<FanOutJob, 'messages' | 'window' | 'rate'>;

export function fanOutBaseline(script: string, protocol: 'ws' | 'socketio', members: number, shape: FanOutShape) {
  return withServer(script, (server) =>
    measure<FanOutResult>(
      { kind: 'fanout', protocol, url: server.url, tokens: Array(members).fill(''), room: 'general', ...shape },
      [server],
    ),
  );
}

/**
 * The sender on the first hub, every receiver on the last: with two hubs, every delivery crosses Redis.
 * With `receipts`, the first receiver is an agent that every message mentions, so each one keeps a
 * receipt, is marked delivered and tells its sender.
 */
export function fanOutHub(
  count: number,
  kind: 'sqlite' | 'postgres',
  members: number,
  shape: FanOutShape,
  receipts = false,
) {
  return withHubs(count, kind, async (hubs, admin) => {
    const tokens = await createMembers(hubs[0]!.url, admin, members, receipts ? 1 : 0);
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
        ...(receipts ? { prefix: '@member0 ' } : {}),
      },
      hubs,
    );
  });
}

/** Deliveries per second of server CPU: what a server costs per message delivered. */
const perCpu = (measured: Measured<FanOutResult>) =>
  measured.serverCpu ? measured.result.deliveries / measured.serverCpu : undefined;

/** A fan-out run delivers at most this many frames per server, so the 1,000-member room takes seconds, not minutes. */
const MAX_DELIVERIES = 2_000_000;

export async function runFanOut(results: Record<string, unknown>): Promise<void> {
  for (const members of SIZES.fanOut) {
    const shape = { messages: Math.min(SIZES.messages, Math.floor(MAX_DELIVERIES / members)), window: SIZES.window };
    console.log(`\nFan-out: one room of ${members} members, ${shape.messages} messages, ${shape.window} in flight`);
    const bare = await fanOutBaseline('bench/baselines/ws-broadcast.mjs', 'ws', members, shape);
    const socketio = await fanOutBaseline('bench/baselines/socketio-broadcast.mjs', 'socketio', members, shape);
    const runs = await inTurns(
      () => fanOutHub(1, 'sqlite', members, shape),
      () => fanOutHub(1, 'sqlite', members, shape, true),
    );
    const hub = medianRun(runs.without, perCpu);
    const withReceipts = medianRun(runs.with, perCpu);
    const rows: Array<[string, Measured<FanOutResult>]> = [
      ['bare ws broadcast, nothing stored', bare],
      ['Socket.IO broadcast, nothing stored', socketio],
      ['roundtable, SQLite, stored before fan-out', hub],
      ['roundtable, SQLite, each message @mentions an agent (receipts)', withReceipts],
    ];
    table(
      [
        'server',
        'deliveries/s',
        'deliv/CPU-s',
        'vs ws',
        'vs Socket.IO',
        'vs no receipts',
        'ack p50',
        'ack p99',
        'deliv p99',
      ],
      rows.map(([name, measured]) => [
        name,
        fixed(measured.result.deliveriesPerSecond),
        fixed(perCpu(measured)),
        ratio(perCpu(measured), perCpu(bare)),
        ratio(perCpu(measured), perCpu(socketio)),
        measured === withReceipts ? ratio(perCpu(measured), perCpu(hub)) : '',
        fixed(measured.result.ackP50, 1),
        fixed(measured.result.ackP99, 1),
        fixed(measured.result.deliveryP99, 1),
      ]),
    );
    results[`fanOut${members}`] = Object.fromEntries(rows.map(([name, measured]) => [name, measured]));
    if (runs.with.length > 1)
      console.log(
        `receipts (medians of ${runs.with.length} runs each, in turns): deliveries per CPU-second ` +
          `${ratio(median(runs.with, perCpu), median(runs.without, perCpu))} of SQLite without ` +
          `(${each(runs.with, perCpu)} against ${each(runs.without, perCpu)})`,
      );
    results.receipts = {
      ...(results.receipts as object | undefined),
      [`fanout${members}_per_cpu_vs_plain`]: ratioOf(median(runs.with, perCpu), median(runs.without, perCpu)),
    };
  }
}
