/** Idle connections: what open WebSockets cost the hub in memory, against bare ws. */
import { withHubs } from '../harness/hubs.js';
import { SIZES } from '../harness/options.js';
import { measure, withServer, type Measured } from '../harness/processes.js';
import { fixed, ratio, table } from '../harness/table.js';
import type { IdleResult } from '../load/idle.js';

export async function runIdle(results: Record<string, unknown>): Promise<void> {
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
