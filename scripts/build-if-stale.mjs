#!/usr/bin/env node
// What `npm start` runs first: the TypeScript projects (tsc -b leaves what is up to date alone) and
// the web bundle, rebuilt only when one of its inputs is newer than it, so a start with nothing
// changed costs no bundling. The bundler's output is shown only when it fails: a start prints the
// hub's own lines. `npm run build` (and so `npm ci`) always rebuilds everything.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE = join(ROOT, 'packages/web/dist/index.html');
// Vite reads the SDK and the protocol from their builds, which tsc -b has just brought up to date.
const INPUTS = [
  'packages/web/src',
  'packages/web/index.html',
  'packages/web/vite.config.ts',
  'packages/web/package.json',
  'packages/client/dist',
  'packages/protocol/dist',
  'package-lock.json',
];

/** The latest modification time under `path`, 0 when it does not exist. */
function newest(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) return stats.mtimeMs;
  return readdirSync(path).reduce((latest, entry) => Math.max(latest, newest(join(path, entry))), stats.mtimeMs);
}

function run(command, args, cwd, quiet) {
  const result = spawnSync(command, args, { cwd, stdio: quiet ? 'pipe' : 'inherit', encoding: 'utf8' });
  if (result.status === 0) return;
  if (quiet) process.stderr.write(`${result.stdout ?? ''}${result.stderr ?? ''}`);
  process.exit(result.status ?? 1);
}

run(join(ROOT, 'node_modules/.bin/tsc'), ['-b', 'packages/cli'], ROOT, false);
const built = newest(BUNDLE);
if (built === 0 || INPUTS.some((input) => newest(join(ROOT, input)) > built)) {
  console.log('Building the web UI (its sources changed)…');
  run(join(ROOT, 'node_modules/.bin/vite'), ['build'], join(ROOT, 'packages/web'), true);
}
