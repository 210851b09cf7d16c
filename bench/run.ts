/**
 * `npm run bench`: every scenario runs its servers and its load generator as separate processes
 * (pinned to different cores where `taskset` exists) and prints its figures beside baselines
 * measured in the same run, as ratios, including the server's CPU time per delivery. `--full`
 * runs the large sizes; `--smoke` runs tiny ones, to check the harness itself; `--scale` runs only
 * the scale scenario (K = 1 to 4 instances), which a quick run leaves out. Results are also
 * written to bench/results/latest.json. Each scenario's runs and table are in scenarios/.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mode, ROOT, wanted } from './harness/options.js';
import { PINNING } from './harness/processes.js';
import { ratiosOf } from './harness/ratios.js';
import { runFanOut } from './scenarios/fanout.js';
import { runHistory } from './scenarios/history.js';
import { runIdle } from './scenarios/idle.js';
import { runIngest } from './scenarios/ingest.js';
import { runLatency } from './scenarios/latency.js';
import { runMcp } from './scenarios/mcp.js';
import { runScale } from './scenarios/scale.js';
import { runScaleOut } from './scenarios/scaleout.js';
import { runStorm } from './scenarios/storm.js';

// The hubs run from their build, as `npm start` runs it: brought up to date first (a no-op when it is).
execFileSync(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/server'], { cwd: ROOT, stdio: 'inherit' });

/** In the order they run and print, by the names `--only=` takes. */
const SCENARIOS = {
  fanout: runFanOut,
  latency: runLatency,
  ingest: runIngest,
  scaleout: runScaleOut,
  scale: runScale,
  idle: runIdle,
  storm: runStorm,
  history: runHistory,
  mcp: runMcp,
};

const results: Record<string, unknown> = { at: new Date().toISOString(), mode, pinned: PINNING };
console.log(
  `Roundtable benchmarks (${mode} run; ${PINNING ? 'servers on core 0, load on core 1' : 'no taskset: cores shared'})`,
);
for (const [name, run] of Object.entries(SCENARIOS)) if (wanted(name)) await run(results);

console.log(
  '\n(latencies in ms; deliv/CPU-s = deliveries per second of server CPU time; ratios against baselines of this run)',
);
results.ratios = ratiosOf(results);
console.log(`\nratios: ${JSON.stringify(results.ratios)}`);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(join(ROOT, 'bench/results/latest.json'), JSON.stringify(results, null, 2));
