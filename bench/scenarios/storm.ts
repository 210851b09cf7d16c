/** Reconnect storm: clients dropped at once while messages keep coming, then all resuming: nothing lost, nothing twice. */
import { createMembers, withHubs } from '../harness/hubs.js';
import { SIZES } from '../harness/options.js';
import { measure } from '../harness/processes.js';
import { fixed, table } from '../harness/table.js';
import type { StormResult } from '../load/storm.js';

export async function runStorm(results: Record<string, unknown>): Promise<void> {
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
