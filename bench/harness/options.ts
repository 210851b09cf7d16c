/** What the command line and the environment ask of a run: its sizes, its scenarios, its profiling and debugging. */
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const mode = process.argv.includes('--smoke') ? 'smoke' : process.argv.includes('--full') ? 'full' : 'quick';
export const SIZES = {
  smoke: {
    history: 2_000,
    idle: 100,
    storm: 50,
    stormMessages: 20,
    fanOut: [10],
    messages: 50,
    window: 16,
    latencyMessages: 100,
    rate: 200,
    ingestClients: 20,
    ingestRooms: 5,
    ingestEach: 5,
    steadyRate: 100,
    steadySeconds: 1,
    mcpRounds: 20,
    pairs: 1,
    scale: { members: 12, messages: 50, window: 16, instances: [1, 2], postgresStats: false },
  },
  quick: {
    history: 20_000,
    idle: 2_000,
    storm: 500,
    stormMessages: 200,
    fanOut: [100],
    messages: 2_000,
    window: 64,
    latencyMessages: 2_000,
    rate: 1_000,
    ingestClients: 1_000,
    ingestRooms: 100,
    ingestEach: 15,
    steadyRate: 1_000,
    steadySeconds: 3,
    mcpRounds: 300,
    pairs: 3,
    scale: { members: 120, messages: 1_500, window: 64, instances: [1, 2, 3, 4], postgresStats: true },
  },
  full: {
    history: 1_000_000,
    idle: 10_000,
    storm: 2_000,
    stormMessages: 200,
    fanOut: [100, 1_000],
    messages: 10_000,
    window: 64,
    latencyMessages: 10_000,
    rate: 1_000,
    ingestClients: 1_000,
    ingestRooms: 100,
    ingestEach: 50,
    steadyRate: 1_000,
    steadySeconds: 10,
    mcpRounds: 1_000,
    pairs: 5,
    scale: { members: 1_200, messages: 1_000, window: 64, instances: [1, 2, 3, 4], postgresStats: true },
  },
}[mode];
/**
 * `--only=fanout,ingest`: run just those scenarios (fanout, latency, ingest, scaleout, idle, storm,
 * history, mcp, scale), e.g. while optimizing one; `--scale` is `--only=scale`.
 */
const only = process.argv.includes('--scale')
  ? ['scale']
  : process.argv
      .find((arg) => arg.startsWith('--only='))
      ?.slice('--only='.length)
      .split(',');
/** Left out of a quick run unless asked for: `scale` starts five clusters (eleven hubs): about two minutes more. */
const ASKED_FOR_IN_QUICK_RUNS = new Set(['scale']);
export const wanted = (scenario: string) =>
  only ? only.includes(scenario) : mode !== 'quick' || !ASKED_FOR_IN_QUICK_RUNS.has(scenario);
/** `--profile`: each hub writes a V8 CPU profile to bench/results/profiles/ (open it in Chrome DevTools or speedscope). */
export const PROFILE_DIR = process.argv.includes('--profile') ? join(ROOT, 'bench/results/profiles') : undefined;
/** BENCH_HUB_FLAGS: extra Node flags for every hub, e.g. `--trace-gc`; BENCH_DEBUG=1 passes the servers' and load generator's output through. */
export const HUB_FLAGS = process.env.BENCH_HUB_FLAGS;
export const DEBUG = process.env.BENCH_DEBUG === '1';
