/** Scale-out: the fan-out load with the sender on one hub and every receiver on another, across Redis. */
import { servicesReachable } from '../harness/hubs.js';
import { SIZES } from '../harness/options.js';
import { deliveriesPerCpu } from '../harness/ratios.js';
import { fixed, ratio, table } from '../harness/table.js';
import { fanOutHub } from './fanout.js';

export async function runScaleOut(results: Record<string, unknown>): Promise<void> {
  if (await servicesReachable()) {
    const members = SIZES.fanOut[0]!;
    const shape = { messages: SIZES.messages, window: SIZES.window };
    console.log(`\nScale-out: ${members} members, sender on one instance, every receiver on another`);
    const single = await fanOutHub(1, 'sqlite', members, shape);
    const pair = await fanOutHub(2, 'postgres', members, shape);
    // Per CPU-second of every process involved: the pair's hubs, PostgreSQL and Redis; the single hub alone.
    const singlePerCpu = deliveriesPerCpu(single, false);
    const pairPerCpu = deliveriesPerCpu(pair, true);
    table(
      ['server', 'deliveries/s', 'ratio', 'deliv/CPU-s (all processes)', 'ratio', 'deliv p99'],
      [
        [
          'roundtable, SQLite, one instance',
          fixed(single.result.deliveriesPerSecond),
          '1.00x',
          fixed(singlePerCpu),
          '1.00x',
          fixed(single.result.deliveryP99, 1),
        ],
        [
          'roundtable, 2 instances, PostgreSQL + Redis',
          fixed(pair.result.deliveriesPerSecond),
          ratio(pair.result.deliveriesPerSecond, single.result.deliveriesPerSecond),
          fixed(pairPerCpu),
          ratio(pairPerCpu, singlePerCpu),
          fixed(pair.result.deliveryP99, 1),
        ],
      ],
    );
    results.scaleOut = { single, pair };
  } else {
    console.log('\n!!! SKIPPED: the scale-out scenario needs PostgreSQL and Redis on 127.0.0.1');
  }
}
