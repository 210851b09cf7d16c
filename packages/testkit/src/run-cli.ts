/** Runs the real roundtable command as a child process, from the TypeScript sources, and collects its output. */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CLI = ['--conditions=development', '--import', 'tsx', 'packages/cli/src/main.ts'];
/** The longest any CLI process may live, in ms; a hung one is killed and fails its test. */
const PROCESS_TIMEOUT_MS = 30_000;
/** How long to wait for an expected line of output, in ms. */
const OUTPUT_TIMEOUT_MS = 15_000;

export interface RunOptions {
  /** Added to a copy of this environment from which every ROUNDTABLE_ variable was removed. */
  env?: Record<string, string>;
  /** Written to the process's stdin, which is then closed. */
  input?: string;
}

export interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** A CLI process with its output collected as it comes. */
export class Cli {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<Result>;

  constructor(t: TestContext, args: string[], options: RunOptions = {}) {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    for (const name of Object.keys(env)) if (name.startsWith('ROUNDTABLE_')) delete env[name];
    this.child = spawn(process.execPath, [...CLI, ...args], {
      cwd: ROOT,
      env: { ...env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.child.stdin!.end(options.input);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), PROCESS_TIMEOUT_MS);
    this.exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        clearTimeout(timer);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
    t.after(async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
      await this.exited;
    });
  }

  /** Resolves with the first match of `pattern` in the stream's output so far or to come. */
  async waitFor(stream: 'stdout' | 'stderr', pattern: RegExp): Promise<RegExpMatchArray> {
    const deadline = Date.now() + OUTPUT_TIMEOUT_MS;
    for (;;) {
      const match = this[stream].match(pattern);
      if (match) return match;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`no ${pattern} on ${stream}; stdout: ${this.stdout}\nstderr: ${this.stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

export function run(t: TestContext, args: string[], options: RunOptions = {}): Promise<Result> {
  return new Cli(t, args, options).exited;
}

export async function ok(t: TestContext, args: string[], options: RunOptions = {}): Promise<Result> {
  const result = await run(t, args, options);
  assert.equal(result.code, 0, `roundtable ${args.join(' ')} failed: ${result.stderr}`);
  return result;
}
