#!/usr/bin/env node
// Runs every *.test.ts under packages/*/test and bench/test with node's test runner, straight from the TypeScript
// sources (tsx, and the "development" export condition), so tests need no build step.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function findTests(dir) {
  const found = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry === 'dist') continue;
    if (statSync(path).isDirectory()) found.push(...findTests(path));
    else if (entry.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const filters = process.argv.slice(2);
const testDirs = [...readdirSync('packages').map((pkg) => join('packages', pkg, 'test')), join('bench', 'test')];
const files = testDirs
  .flatMap((dir) => {
    try {
      return statSync(dir).isDirectory() ? findTests(dir) : [];
    } catch {
      return [];
    }
  })
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();

if (files.length === 0) {
  console.error('No test files matched.');
  process.exit(1);
}

const result = spawnSync(
  process.execPath,
  ['--conditions=development', '--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=2', ...files],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
