/**
 * Task acceptance schemas, compiled and run off the event loop. A schema is a creator's code for the
 * hub to run against a worker's data: a backtracking `pattern`, `uniqueItems` over thousands of
 * objects or a maze of `anyOf` can take seconds, and on the hub's own thread they would stall every
 * connection. In a worker thread one check costs at most SCHEMA_CHECK_MS; then that worker is ended,
 * and a fresh one serves the next check. Checks run one at a time, at most a few per member, so one
 * member's slow schemas cannot queue everyone else's behind them for long.
 */
import { Worker } from 'node:worker_threads';
import { HubError } from './hub-error.js';
import type { SchemaOutcome, SchemaRequest } from './schema-worker.js';

/** How long one compile or validation may run before its worker is ended. */
export const SCHEMA_CHECK_MS = 2_000;
/**
 * How long a fresh worker may take to load. Its start-up (ajv, and in the tests the TypeScript
 * loader) can take seconds on a loaded machine: it does not count against a check's own time.
 */
const STARTUP_MS = 30_000;
/** Heap a worker may use: a schema that needs more fails instead of growing the hub. */
const WORKER_HEAP_MB = 64;
/** Checks one member may have waiting or running; more are refused with `rate_limited`. */
const PER_MEMBER = 2;
/** Checks waiting or running in all. */
const QUEUE = 64;

/** How a check ended: the worker's answer, or that the schema and data made it run out of time or memory. */
type Settled = { outcome: SchemaOutcome } | { exhausted: string } | { error: HubError };

interface Job {
  owner: string;
  request: SchemaRequest;
  settle(settled: Settled): void;
}

export class SchemaChecks {
  private worker: Worker | undefined;
  private readonly queue: Job[] = [];
  private readonly perOwner = new Map<string, number>();
  private current: { job: Job; id: number; timer: NodeJS.Timeout | undefined } | undefined;
  private ready = false;
  private startup: NodeJS.Timeout | undefined;
  private nextId = 0;
  private closed = false;

  /** Undefined when the schema compiles in time; otherwise why not. */
  async compile(owner: string, schema: object): Promise<string | undefined> {
    const settled = await this.submit(owner, { kind: 'compile', schema: JSON.stringify(schema) });
    if ('error' in settled) throw settled.error;
    return 'exhausted' in settled ? settled.exhausted : settled.outcome.error;
  }

  /**
   * What the data breaks in the schema: empty when it is valid. A check the schema and data made run
   * out of time or memory is a reason too; the hub stopping is not (it throws `shutting_down`).
   */
  async validate(owner: string, schema: object, data: unknown): Promise<string[]> {
    const request: SchemaRequest = { kind: 'validate', schema: JSON.stringify(schema) };
    if (data !== undefined) request.data = JSON.stringify(data);
    const settled = await this.submit(owner, request);
    if ('error' in settled) throw settled.error;
    if ('exhausted' in settled) return [settled.exhausted];
    if (settled.outcome.error !== undefined)
      return [`the acceptance schema does not compile: ${settled.outcome.error}`];
    return settled.outcome.errors ?? [];
  }

  /** Refuses new checks and ends those waiting or running with `shutting_down`. */
  async close(): Promise<void> {
    this.closed = true;
    const stopping = { error: new HubError('shutting_down') };
    for (const job of this.queue.splice(0)) this.settle(job, stopping);
    if (this.current) this.finish(stopping);
    clearTimeout(this.startup);
    await this.worker?.terminate();
    this.worker = undefined;
  }

  private submit(owner: string, request: SchemaRequest): Promise<Settled> {
    if (this.closed) throw new HubError('shutting_down');
    const mine = this.perOwner.get(owner) ?? 0;
    if (mine >= PER_MEMBER || this.queue.length + (this.current ? 1 : 0) >= QUEUE) {
      throw new HubError('rate_limited', 'Too many acceptance-schema checks at once; retry shortly.', {
        retryAfterMs: SCHEMA_CHECK_MS,
      });
    }
    this.perOwner.set(owner, mine + 1);
    return new Promise((resolve) => {
      this.queue.push({ owner, request, settle: resolve });
      this.next();
    });
  }

  private settle(job: Job, settled: Settled): void {
    const left = (this.perOwner.get(job.owner) ?? 1) - 1;
    if (left > 0) this.perOwner.set(job.owner, left);
    else this.perOwner.delete(job.owner);
    job.settle(settled);
  }

  private next(): void {
    if (this.current || this.closed) return;
    const job = this.queue.shift();
    if (!job) return;
    const id = ++this.nextId;
    const worker = this.spawn();
    this.current = { job, id, timer: undefined };
    worker.postMessage({ ...job.request, id });
    if (this.ready) this.startClock();
  }

  /** The current check's time starts once its worker has loaded. */
  private startClock(): void {
    if (!this.current || this.current.timer) return;
    this.current.timer = setTimeout(
      () =>
        this.abandon({
          exhausted: `checking against the acceptance schema took longer than ${SCHEMA_CHECK_MS / 1000} s`,
        }),
      SCHEMA_CHECK_MS,
    );
  }

  private spawn(): Worker {
    if (this.worker) return this.worker;
    const worker = startWorker();
    worker.unref();
    this.ready = false;
    this.startup = setTimeout(() => {
      if (this.worker === worker)
        this.abandon({ error: new HubError('internal', 'The schema checker did not start.') });
    }, STARTUP_MS);
    this.startup.unref();
    worker.on('message', (outcome: SchemaOutcome | { ready: true }) => {
      if (this.worker !== worker) return;
      if ('ready' in outcome) {
        clearTimeout(this.startup);
        this.ready = true;
        this.startClock();
      } else if (this.current?.id === outcome.id) this.finish({ outcome });
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (this.worker !== worker) return;
      // Out of memory is what the schema and data did; anything else is the hub's own failure.
      this.abandon(
        error.code === 'ERR_WORKER_OUT_OF_MEMORY'
          ? { exhausted: `checking against the acceptance schema needed more than ${WORKER_HEAP_MB} MB` }
          : { error: new HubError('internal', undefined, { cause: error }) },
      );
    });
    worker.on('exit', () => {
      if (this.worker === worker) {
        this.abandon({ error: new HubError('internal', 'The schema checker stopped unexpectedly.') });
      }
    });
    this.worker = worker;
    return worker;
  }

  private finish(settled: Settled): void {
    const running = this.current!;
    clearTimeout(running.timer);
    this.current = undefined;
    this.settle(running.job, settled);
    this.next();
  }

  /** Ends the worker under the current job, which ends as `settled`; the next job gets a fresh worker. */
  private abandon(settled: Settled): void {
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    clearTimeout(this.startup);
    void worker?.terminate();
    if (this.current) this.finish(settled);
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
