/**
 * Task acceptance schemas, compiled and run off the event loop. A schema is a creator's code for the
 * hub to run against a worker's data: a backtracking `pattern`, `uniqueItems` over thousands of
 * objects or a maze of `anyOf` can take seconds, and on the hub's own thread they would stall every
 * connection. In a worker thread one check costs at most SCHEMA_CHECK_MS; then that worker is ended,
 * and a fresh one serves the next check.
 */
import { Worker } from 'node:worker_threads';
import type { SchemaOutcome, SchemaRequest } from './schema-worker.js';

/** How long one compile or validation may run before its worker is ended. */
export const SCHEMA_CHECK_MS = 2_000;
/** Heap a worker may use: a schema that needs more fails instead of growing the hub. */
const WORKER_HEAP_MB = 64;

interface Job {
  request: SchemaRequest;
  /** The worker's answer, or why there is none (time or memory ran out, the hub stopped). */
  settle(outcome: SchemaOutcome | undefined, failure?: string): void;
}

export class SchemaChecks {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private current: { job: Job; id: number; timer: NodeJS.Timeout } | undefined;
  private nextId = 0;
  private closed = false;

  /** Undefined when the schema compiles in time; otherwise why not. */
  async compile(schema: object): Promise<string | undefined> {
    const { outcome, failure } = await this.submit({ kind: 'compile', schema: JSON.stringify(schema) });
    return failure ?? outcome!.error;
  }

  /** What the data breaks in the schema: empty when it is valid. A check that cannot finish is a reason too. */
  async validate(schema: object, data: unknown): Promise<string[]> {
    const request: SchemaRequest = { kind: 'validate', schema: JSON.stringify(schema) };
    if (data !== undefined) request.data = JSON.stringify(data);
    const { outcome, failure } = await this.submit(request);
    if (failure !== undefined) return [failure];
    if (outcome!.error !== undefined) return [`the acceptance schema does not compile: ${outcome!.error}`];
    return outcome!.errors ?? [];
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.settle(undefined, 'the hub is stopping');
    if (this.current) this.finish(undefined, 'the hub is stopping');
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private submit(request: SchemaRequest): Promise<{ outcome?: SchemaOutcome; failure?: string }> {
    if (this.closed) return Promise.resolve({ failure: 'the hub is stopping' });
    return new Promise((resolve) => {
      this.queue.push({ request, settle: (outcome, failure) => resolve({ outcome, failure }) });
      this.next();
    });
  }

  /** One job at a time, so that a timeout ends only the job that caused it. */
  private next(): void {
    if (this.current || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    const id = ++this.nextId;
    const worker = this.spawn();
    const timer = setTimeout(() => this.abandon(`took longer than ${SCHEMA_CHECK_MS / 1000} s`), SCHEMA_CHECK_MS);
    this.current = { job, id, timer };
    worker.postMessage({ ...job.request, id });
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    worker.unref();
    worker.on('message', (outcome: SchemaOutcome) => {
      if (this.current?.id === outcome.id) this.finish(outcome);
    });
    worker.on('error', (error) => {
      if (this.worker === worker) this.abandon(`failed: ${error.message}`);
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.abandon('failed: its worker stopped');
    });
    this.worker = worker;
    return worker;
  }

  private finish(outcome: SchemaOutcome | undefined, failure?: string): void {
    const running = this.current!;
    clearTimeout(running.timer);
    this.current = undefined;
    running.job.settle(outcome, failure);
    this.next();
  }

  /** Ends the worker under the current job, which fails with `why`; the next job gets a fresh worker. */
  private abandon(why: string): void {
    const worker = this.worker;
    this.worker = undefined;
    void worker?.terminate();
    if (this.current) this.finish(undefined, `checking against the acceptance schema ${why}`);
  }
}

/**
 * The built hub runs the compiled worker. Run from its TypeScript sources (the tests), the worker
 * first registers the same TypeScript loader, which a worker thread does not inherit.
 */
function startWorker(): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: WORKER_HEAP_MB };
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./schema-worker.js', import.meta.url), { resourceLimits });
  }
  const entry = JSON.stringify(new URL('./schema-worker.ts', import.meta.url).href);
  const source = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${entry}); });`;
  return new Worker(source, { eval: true, resourceLimits });
}
