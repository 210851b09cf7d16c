/**
 * The stable top-level `ratios` of bench/results/latest.json: one number per goal of the scale-out
 * issue, read from the scenarios' own results of this run, `null` where a scenario did not run (or its
 * service was not there). Other programs read these keys: they never change name.
 */
import type { FanOutResult } from '../load/fanout.js';
import type { HistoryResult } from '../load/history.js';
import type { IdleResult } from '../load/idle.js';
import type { IngestResult } from '../load/ingest.js';
import type { Measured } from './processes.js';
import { ratioOf } from './table.js';

/** The ingest table's row names, as scenarios/ingest.ts writes them. */
export const INGEST_ROWS = {
  naive: 'naive durable (Socket.IO + SQLite, a commit per message)',
  sqlite: 'roundtable, SQLite',
  postgres: 'roundtable, PostgreSQL',
} as const;

/** Deliveries per CPU-second of every process involved: the hubs, and PostgreSQL and Redis when `withServices`. */
export function deliveriesPerCpu(measured: Measured<FanOutResult>, withServices: boolean): number | undefined {
  const cpu = withServices
    ? measured.serverCpu === undefined || measured.servicesCpu === undefined
      ? undefined
      : measured.serverCpu + measured.servicesCpu
    : measured.serverCpu;
  return cpu ? measured.result.deliveries / cpu : undefined;
}

export function ratiosOf(results: Record<string, unknown>): Record<string, number | null> {
  const ingest = results.ingest as Record<string, Measured<IngestResult>> | undefined;
  const naive = ingest?.[INGEST_ROWS.naive]?.result;
  const sqlite = ingest?.[INGEST_ROWS.sqlite]?.result;
  const postgres = ingest?.[INGEST_ROWS.postgres]?.result;
  const scaleOut = results.scaleOut as { single: Measured<FanOutResult>; pair: Measured<FanOutResult> } | undefined;
  const idle = results.idle as { bare: Measured<IdleResult>; roundtable: Measured<IdleResult> } | undefined;
  const history = results.history as Measured<HistoryResult> | undefined;
  return {
    pg_ingest_vs_naive: ratioOf(postgres?.messagesPerSecond, naive?.messagesPerSecond),
    pg_ingest_vs_sqlite: ratioOf(postgres?.messagesPerSecond, sqlite?.messagesPerSecond),
    pg_steady_ack_p99_vs_naive: ratioOf(postgres?.steady?.ackP99, naive?.steady?.ackP99),
    scaleout_vs_single: ratioOf(scaleOut?.pair.result.deliveriesPerSecond, scaleOut?.single.result.deliveriesPerSecond),
    scaleout_cpu_efficiency: scaleOut
      ? ratioOf(deliveriesPerCpu(scaleOut.pair, true), deliveriesPerCpu(scaleOut.single, false))
      : null,
    sqlite_steady_ack_p99_vs_naive: ratioOf(sqlite?.steady?.ackP99, naive?.steady?.ackP99),
    idle_rss_vs_ws: ratioOf(idle?.roundtable.rssAfter, idle?.bare.rssAfter),
    history_ws_p99_ms: history?.result.p99 === undefined ? null : Number(history.result.p99.toFixed(3)),
  };
}
