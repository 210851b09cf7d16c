/** Prometheus metrics: counters the hub keeps, read at scrape time, plus error counts by code. */
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { Hub } from '../core/hub.js';
import { statementCount } from '../storage/sql/step.js';
import { walSyncCount } from '../storage/sqlite/wal-sync.js';

export class Metrics {
  readonly registry = new Registry();
  private readonly errors: Counter<'code'>;
  private readonly errorCounts = new Map<string, number>();

  constructor(hub: Hub) {
    collectDefaultMetrics({ register: this.registry, prefix: 'roundtable_process_' });
    this.errors = new Counter({
      name: 'roundtable_errors_total',
      help: 'Errors sent to clients, by error code',
      labelNames: ['code'],
      registers: [this.registry],
    });
    new Gauge({
      name: 'roundtable_connections',
      help: 'Open WebSocket and SSE sessions',
      registers: [this.registry],
      collect() {
        this.set(hub.sessions.size);
      },
    });
    const counters: Array<[string, string, () => number]> = [
      ['roundtable_messages_sent_total', 'Messages stored and published', () => hub.stats.messagesSent],
      ['roundtable_events_delivered_total', 'Room-log events sent to live sessions', () => hub.stats.eventsDelivered],
      [
        'roundtable_duplicates_suppressed_total',
        'Retried sends and replayed events that were not delivered twice',
        () => hub.stats.duplicatesSuppressed,
      ],
      [
        'roundtable_db_statements_total',
        "SQL statements this process's store ran (SQLite or PostgreSQL; BEGIN, COMMIT and savepoints not counted)",
        statementCount,
      ],
      [
        'roundtable_db_syncs_total',
        "fdatasync calls of the SQLite store's WAL that completed: a batch of writes is acknowledged after one",
        walSyncCount,
      ],
    ];
    for (const [name, help, read] of counters) {
      new Gauge({
        name,
        help,
        registers: [this.registry],
        collect() {
          this.set(read());
        },
      });
    }
  }

  error(code: string): void {
    this.errors.inc({ code });
    this.errorCounts.set(code, (this.errorCounts.get(code) ?? 0) + 1);
  }

  get errorTotal(): number {
    let total = 0;
    for (const count of this.errorCounts.values()) total += count;
    return total;
  }
}
