/**
 * The loads, one file each under load/ (fan-out, ingest, idle connections, a reconnect storm,
 * history pages, MCP), over the wire protocols of load/connection.ts. Connections are opened first
 * (`prepare`); `run` is the measured part.
 */
import { prepareFanOut, type FanOutJob, type FanOutResult } from './load/fanout.js';
import { prepareHistory, type HistoryJob, type HistoryResult } from './load/history.js';
import { prepareIdle, type IdleJob, type IdleResult } from './load/idle.js';
import { prepareIngest, type IngestJob, type IngestResult } from './load/ingest.js';
import { prepareMcp, type McpJob, type McpResult } from './load/mcp.js';
import { prepareStorm, type StormJob, type StormResult } from './load/storm.js';

export type Job = FanOutJob | IngestJob | IdleJob | StormJob | HistoryJob | McpJob;
export type JobResult = FanOutResult | IngestResult | IdleResult | StormResult | HistoryResult | McpResult;

/** Opens every connection; the returned function runs the measured part. */
export async function prepare(job: Job): Promise<() => Promise<JobResult>> {
  if (job.kind === 'fanout') return prepareFanOut(job);
  if (job.kind === 'ingest') return prepareIngest(job);
  if (job.kind === 'idle') return prepareIdle(job);
  if (job.kind === 'history') return prepareHistory(job);
  if (job.kind === 'mcp') return prepareMcp(job);
  return prepareStorm(job);
}
