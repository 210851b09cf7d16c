/**
 * The servers and the load generator as processes of their own, pinned to different cores where
 * `taskset` exists so they do not compete, and what the servers spend in CPU time and memory while a
 * load runs.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Job } from '../load.js';
import { DEBUG, ROOT } from './options.js';

export const PINNING = existsSync('/usr/bin/taskset') || existsSync('/bin/taskset');
const TICKS_PER_SECOND = clockTicks();

export interface Server {
  child: ChildProcess;
  url: string;
  output: string;
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
}

/** Runs a node script, on `core` when given and cores can be pinned; only TypeScript (the load generator) goes through tsx. */
function spawnPinned(
  core: number | undefined,
  args: string[],
  env: Record<string, string> = {},
  flags: string[] = [],
): ChildProcess {
  const loader = args[0]!.endsWith('.ts') ? ['--conditions=development', '--import', 'tsx'] : [];
  const node = [process.execPath, ...flags, ...loader, ...args];
  const [command, ...rest] = PINNING && core !== undefined ? ['taskset', '-c', String(core), ...node] : node;
  return spawn(command!, rest, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
}

export async function spawnServer(
  args: string[],
  env: Record<string, string>,
  flags: string[] = [],
  pin = true,
): Promise<Server> {
  const child = spawnPinned(pin ? 0 : undefined, args, env, flags);
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (DEBUG) process.stderr.write(chunk);
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

/** User plus system CPU time of a process so far, in seconds (Linux /proc; undefined elsewhere). */
export function cpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/stat`)) return undefined;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** Processes of the services a cluster of hubs uses, by the name the kernel gives them. */
const SERVICE_PROCESSES = new Set(['postgres', 'redis-server']);

/**
 * CPU seconds every PostgreSQL and Redis process on this machine has spent so far: what a cluster
 * costs beside its hubs. A backend that ends meanwhile takes its share with it, so the hubs keep their
 * pools open across a measurement.
 */
function serviceCpuSeconds(): number | undefined {
  if (!existsSync('/proc/self/stat')) return undefined;
  let sum = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (!SERVICE_PROCESSES.has(name)) continue;
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      sum += (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    } catch {
      // Ended while being read.
    }
  }
  return sum;
}

export interface Measured<R> {
  result: R;
  /** CPU seconds the servers spent during the measured part. */
  serverCpu: number | undefined;
  /** CPU seconds PostgreSQL and Redis spent meanwhile (all their processes on this machine). */
  servicesCpu: number | undefined;
  /** The servers' resident memory before the load generator connected, and at its result, in bytes. */
  rssBefore: number | undefined;
  rssAfter: number | undefined;
}

/**
 * Bytes a process of ours has read and written through system calls so far (Linux /proc/<pid>/io:
 * its sockets and files alike); undefined elsewhere, or for another user's process.
 */
export function ioBytes(pid: number | undefined): { read: number; written: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    return { read: Number(/rchar: (\d+)/.exec(text)![1]), written: Number(/wchar: (\d+)/.exec(text)![1]) };
  } catch {
    return undefined;
  }
}

/** Resident memory of a process, in bytes (Linux /proc; undefined elsewhere). */
function rssBytes(pid: number | undefined): number | undefined {
  if (pid === undefined || !existsSync(`/proc/${pid}/status`)) return undefined;
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return kb === undefined ? undefined : Number(kb) * 1024;
}

/**
 * How often, and for how many readings in a row, RSS must hold still to count as settled: longer
 * than V8 waits before it shrinks an idle heap (a hub at rest held 108 MB for 15 s, then 81 MB).
 */
const SETTLE_EVERY_MS = 500;
const SETTLE_READINGS = 40;
/** Within this share of their mean, readings hold still. */
const SETTLE_SPREAD = 0.01;
/** A server whose RSS never holds still is read after this long anyway. */
const SETTLE_MAX_MS = 60_000;

/**
 * RSS once it holds still. Right after a crowd of handshakes it still holds their garbage: V8 frees
 * it and returns the pages in the GCs it runs once the process has been idle a while, later in some
 * processes than in others. Every server of the idle scenario is read this way, the baselines too.
 */
async function settled(read: () => number | undefined): Promise<number | undefined> {
  const readings: number[] = [];
  const deadline = Date.now() + SETTLE_MAX_MS;
  for (;;) {
    const value = read();
    if (value === undefined) return undefined;
    readings.push(value);
    const last = readings.slice(-SETTLE_READINGS);
    const mean = last.reduce((sum, reading) => sum + reading, 0) / last.length;
    const still = Math.max(...last) - Math.min(...last) <= SETTLE_SPREAD * mean;
    if ((last.length === SETTLE_READINGS && still) || Date.now() >= deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_EVERY_MS));
  }
}

function total(values: Array<number | undefined>): number | undefined {
  return values.some((value) => value === undefined) ? undefined : values.reduce((sum, value) => sum! + value!, 0);
}

/**
 * What a scenario reads besides the servers' CPU time, once just before the measured part (after the
 * load generator's connections are open) and once just after it, around the servers' CPU readings.
 */
export type Probe<P> = (phase: 'before' | 'after') => Promise<P>;

/** Runs a job in the load-generator process; the servers' CPU time is read around its measured part only. */
export async function measure<R, P = never>(
  job: Job,
  servers: Server[],
  pin = true,
  probe?: Probe<P>,
): Promise<Measured<R> & { probed?: { before: P; after: P } }> {
  const rss = () => total(servers.map((server) => rssBytes(server.child.pid)));
  const rssBefore = rss();
  const child = spawnPinned(
    pin ? 1 : undefined,
    ['bench/loadgen.ts', Buffer.from(JSON.stringify(job)).toString('base64')],
    {},
    ['--expose-gc'],
  );
  let errors = '';
  child.stderr!.on('data', (chunk: Buffer) => {
    errors += chunk.toString();
    if (DEBUG) process.stderr.write(chunk);
  });
  const lines = createInterface({ input: child.stdout! });
  const cpu = () => total(servers.map((server) => cpuSeconds(server.child.pid)));
  let before: number | undefined;
  let servicesBefore: number | undefined;
  let probedBefore: P | undefined;
  for await (const line of lines) {
    if (line === 'ready') {
      if (probe) probedBefore = await probe('before');
      before = cpu();
      servicesBefore = serviceCpuSeconds();
      child.stdin!.write('go\n');
      continue;
    }
    if (line.startsWith('{')) {
      const after = cpu();
      const servicesAfter = serviceCpuSeconds();
      // Idle connections are measured by memory alone, so only they wait for the heap to settle.
      const rssAfter = job.kind === 'idle' ? await settled(rss) : rss();
      // Read before the load generator is stopped: its connections closing would count too.
      const probed = probe ? { before: probedBefore!, after: await probe('after') } : undefined;
      child.kill();
      return {
        ...(probed ? { probed } : {}),
        result: JSON.parse(line) as R,
        serverCpu: before === undefined || after === undefined ? undefined : after - before,
        servicesCpu:
          servicesBefore === undefined || servicesAfter === undefined ? undefined : servicesAfter - servicesBefore,
        rssBefore,
        rssAfter,
      };
    }
  }
  throw new Error(`the load generator ended without a result: ${errors}`);
}

export async function withServer<T>(script: string, run: (server: Server) => Promise<T>): Promise<T> {
  const server = await spawnServer([script], {});
  try {
    return await run(server);
  } finally {
    server.child.kill();
  }
}
