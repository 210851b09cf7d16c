/** History: pages of a long room at random points, over a WebSocket and straight from the store. */
import { api, createMembers, withHubs } from '../harness/hubs.js';
import { SIZES } from '../harness/options.js';
import { measure } from '../harness/processes.js';
import { fixed, table } from '../harness/table.js';
import type { HistoryResult } from '../load/history.js';
import type { IngestResult } from '../load/ingest.js';

export async function runHistory(results: Record<string, unknown>): Promise<void> {
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
    { pin: false },
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
