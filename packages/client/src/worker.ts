/**
 * A task worker on top of a RoundtableClient: registers for pushed tasks (again after every
 * reconnect), keeps each lease alive with heartbeats at half the lease time while the handler
 * runs, reports the result, and runs the handler again with the hub's verdict when a result is
 * refused but attempts remain. An attempt that runs past the task's `max_runtime_ms` (or the
 * worker's own `timeoutMs`) has its signal aborted and is handed back at once.
 */
import type { Task, TaskClaim, TaskResult, TaskVerdict } from '@roundtable/protocol';
import type { RoundtableClient } from './client.js';
import { RoundtableError } from './errors.js';

export interface TaskContext {
  /**
   * Aborted when the lease is lost (expired, taken back), the attempt runs out of time (its reason
   * is then a `TaskTimeoutError`) or the worker stops: stop working then.
   */
  signal: AbortSignal;
  /** The verdict on the previous attempt's result, when the hub refused it. */
  previous: TaskVerdict | null;
  /** How far along the work is (0 to 1) and a short note; sent with the next heartbeat and shown on the board. */
  progress(value: number, note?: string): void;
}

/** The reason a handler's signal is aborted when its attempt ran out of time. */
export class TaskTimeoutError extends Error {
  override readonly name = 'TaskTimeoutError';

  constructor(readonly limitMs: number) {
    super(`the task ran past its time limit of ${limitMs} ms`);
  }
}

export type TaskHandler = (task: Task, context: TaskContext) => Promise<RequestResult>;
type RequestResult = Partial<TaskResult> & Pick<TaskResult, 'summary'>;

export interface TaskWorkerOptions {
  /** Some of the capabilities the hub granted this agent (an admin grants them); default: all of them. */
  capabilities?: string[];
  /** Tasks run at once. Default 1. */
  concurrency?: number;
  handler: TaskHandler;
  /** Called with what went wrong around a task (a failed report, a lost lease); default console.warn. */
  onError?: (error: unknown, task: Task) => void;
  /**
   * The longest this worker lets any task run (ms), below the task's own `max_runtime_ms` when that
   * is shorter; past it the handler's signal is aborted and the task handed back. Default: no limit of its own.
   */
  timeoutMs?: number;
}

export class TaskWorker {
  private readonly running = new Map<string, AbortController>();
  private readonly offs: Array<() => void> = [];
  private readonly options: Required<Omit<TaskWorkerOptions, 'capabilities' | 'timeoutMs'>> &
    Pick<TaskWorkerOptions, 'capabilities' | 'timeoutMs'>;

  constructor(
    private readonly client: RoundtableClient,
    options: TaskWorkerOptions,
  ) {
    this.options = {
      concurrency: 1,
      onError: (error, task) => console.warn(`roundtable worker: task ${task.id}:`, error),
      ...options,
    };
  }

  /** Registers now (the client must be connected) and after every reconnect. */
  async start(): Promise<void> {
    this.offs.push(
      this.client.on('task.assigned', (claim) => void this.run(claim)),
      this.client.on('ready', () => {
        this.register().catch(() => {});
      }),
    );
    await this.register();
  }

  /** Stops taking tasks and aborts the ones running; their leases lapse and the hub requeues them. */
  stop(): void {
    for (const off of this.offs.splice(0)) off();
    for (const controller of this.running.values()) controller.abort(new Error('the worker stopped'));
  }

  /** Task ids being worked on now. */
  get active(): string[] {
    return [...this.running.keys()];
  }

  private register(): Promise<void> {
    return this.client.registerWorker(this.options.capabilities, this.options.concurrency);
  }

  private async run({ task: assigned, lease }: TaskClaim): Promise<void> {
    const controller = new AbortController();
    this.running.set(assigned.id, controller);
    let progress: { progress?: number; note?: string } = {};
    const beat = setInterval(
      () => {
        this.client.heartbeatTask(assigned.id, lease.token, progress).catch((error: unknown) => {
          if (error instanceof RoundtableError && (error.code === 'lease_invalid' || error.code === 'task_not_found')) {
            controller.abort(error);
          }
        });
      },
      Math.max(50, assigned.lease_ms / 2),
    );
    const limitMs = timeLimit(assigned.max_runtime_ms, this.options.timeoutMs);
    // The handler may not heed its signal: the task is handed back at the limit, not when the handler returns.
    const timer =
      limitMs === undefined
        ? undefined
        : setTimeout(() => {
            const reason = new TaskTimeoutError(limitMs);
            controller.abort(reason);
            this.options.onError(reason, assigned);
            this.client.releaseTask(assigned.id, lease.token, reason.message).catch(() => {});
          }, limitMs);
    // Once aborted the run is over for the hub, whether or not the handler ever returns: its beats,
    // its timer and its place among the running stop then, or a hung handler would keep them forever.
    const end = () => {
      clearInterval(beat);
      clearTimeout(timer);
      if (this.running.get(assigned.id) === controller) this.running.delete(assigned.id);
    };
    controller.signal.addEventListener('abort', end, { once: true });
    let task = assigned;
    let previous: TaskVerdict | null = null;
    const context = (): TaskContext => ({
      signal: controller.signal,
      previous,
      progress: (value, note) => {
        progress = {
          progress: Math.min(1, Math.max(0, value)),
          ...(note === undefined ? {} : { note: note.slice(0, 280) }),
        };
      },
    });
    try {
      await this.client.heartbeatTask(task.id, lease.token);
      for (;;) {
        const result = await this.options.handler(task, context());
        if (controller.signal.aborted) return;
        const answer = await this.client.reportTask(task.id, lease.token, {
          summary: result.summary,
          files_changed: result.files_changed ?? [],
          data: result.data,
        });
        if (answer.verdict.valid || answer.task.status !== 'running') return;
        task = answer.task;
        previous = answer.verdict;
      }
    } catch (error) {
      if (controller.signal.aborted) return;
      this.options.onError(error, task);
      // Handing the task back at once beats letting the lease lapse: another worker can start now.
      const reason = error instanceof Error ? error.message : String(error);
      await this.client
        .releaseTask(task.id, lease.token, `the worker failed: ${reason}`.slice(0, 2000))
        .catch(() => {});
    } finally {
      // The same task may have come back to this worker meanwhile: only this run's entry goes.
      end();
    }
  }
}

/** The shorter of the task's limit and the worker's own, if either is set. */
function timeLimit(taskMs: number | null | undefined, workerMs: number | undefined): number | undefined {
  const limits = [taskMs, workerMs].filter((ms): ms is number => typeof ms === 'number' && ms > 0);
  return limits.length === 0 ? undefined : Math.min(...limits);
}
