/** Latency: the fan-out load at a fixed rate instead of a window, send to delivery, against bare ws. */
import { SIZES } from '../harness/options.js';
import { fixed, ratio, table } from '../harness/table.js';
import { fanOutBaseline, fanOutHub } from './fanout.js';

export async function runLatency(results: Record<string, unknown>): Promise<void> {
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
