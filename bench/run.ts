/**
 * `npm run bench`: fan-out in one room of 100 members, Roundtable (every message committed to
 * SQLite before its ack and fan-out) against a bare `ws` broadcast server measured in the same run.
 * `--full` sends more messages. Prints a table and writes bench/results/latest.json.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLoad, type LoadResult } from './load.js';

const ROOT = join(import.meta.dirname, '..');
const full = process.argv.includes('--full');
const MEMBERS = 100;
const MESSAGES = full ? 10_000 : 2_000;
const WINDOW = 64;

async function spawnServer(
  args: string[],
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; output: string }> {
  const child = spawn(process.execPath, ['--conditions=development', '--import', 'tsx', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/[^\s]+)/.exec(output);
      if (match && (!/First start/.test(output) || /rt_[\w-]+/.test(output))) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
  });
  return { child, url, output };
}

async function benchBaseline(): Promise<LoadResult> {
  const server = await spawnServer(['bench/baselines/ws-broadcast.ts'], {});
  try {
    return await runLoad({
      url: server.url,
      tokens: Array(MEMBERS).fill(''),
      room: 'any',
      messages: MESSAGES,
      window: WINDOW,
    });
  } finally {
    server.child.kill();
  }
}

async function benchHub(): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'roundtable-bench-'));
  const unlimited = '1000000';
  const server = await spawnServer(['packages/server/src/main.ts'], {
    PORT: '0',
    DATABASE_PATH: join(dir, 'bench.db'),
    LOG_LEVEL: 'warn',
    RATE_MEMBER_MESSAGES_PER_SEC: unlimited,
    RATE_MEMBER_MESSAGES_BURST: unlimited,
    RATE_CONNECTION_FRAMES_PER_SEC: unlimited,
    RATE_CONNECTION_FRAMES_BURST: unlimited,
    RATE_MEMBER_REQUESTS_PER_SEC: unlimited,
    RATE_MEMBER_REQUESTS_BURST: unlimited,
  });
  try {
    const admin = /(rt_[\w-]+)/.exec(server.output)![1]!;
    const tokens: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      const response = await fetch(`${server.url}/api/v1/members`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ handle: `member${i}`, kind: 'person' }),
      });
      tokens.push(((await response.json()) as { token: string }).token);
    }
    return await runLoad({
      url: server.url,
      tokens,
      senderToken: admin,
      room: 'general',
      messages: MESSAGES,
      window: WINDOW,
    });
  } finally {
    server.child.kill();
    rmSync(dir, { recursive: true, force: true });
  }
}

function row(name: string, result: LoadResult, baseline: LoadResult): string {
  const ratio = (result.deliveriesPerSecond / baseline.deliveriesPerSecond).toFixed(2);
  return [
    name.padEnd(34),
    result.messagesPerSecond.toFixed(0).padStart(9),
    result.deliveriesPerSecond.toFixed(0).padStart(11),
    `${ratio}x`.padStart(7),
    result.ackP50.toFixed(1).padStart(8),
    result.ackP99.toFixed(1).padStart(8),
    result.deliveryP99.toFixed(1).padStart(10),
  ].join(' ');
}

const baseline = await benchBaseline();
const hub = await benchHub();
console.log(
  `\nFan-out, one room of ${MEMBERS} members, ${MESSAGES} messages, window ${WINDOW} (${full ? 'full' : 'quick'} run)`,
);
console.log(
  [
    'scenario'.padEnd(34),
    'msg/s'.padStart(9),
    'deliveries/s'.padStart(11),
    'ratio'.padStart(7),
    'ack p50'.padStart(8),
    'ack p99'.padStart(8),
    'deliv p99'.padStart(10),
  ].join(' '),
);
console.log(row('bare ws broadcast (baseline)', baseline, baseline));
console.log(row('roundtable, SQLite durable', hub, baseline));
console.log('(latencies in ms; ratio = deliveries/s against the baseline of this run)');
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench/results/latest.json'),
  JSON.stringify(
    { at: new Date().toISOString(), members: MEMBERS, messages: MESSAGES, window: WINDOW, baseline, hub },
    null,
    2,
  ),
);
