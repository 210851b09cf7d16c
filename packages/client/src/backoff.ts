/** Reconnect delays: exponential backoff with full jitter, so clients spread out instead of stampeding a restarted hub. */

export interface BackoffOptions {
  /** Ceiling of the first delay, in ms. Default 250. */
  baseMs?: number;
  /** Largest ceiling the doubling may reach, in ms. Default 10,000. */
  maxMs?: number;
  /** Uniform source in [0, 1); injectable so tests can pin the jitter. Default Math.random. */
  random?: () => number;
}

export class Backoff {
  readonly baseMs: number;
  readonly maxMs: number;
  private readonly random: () => number;
  private ceiling: number;

  constructor(options: BackoffOptions = {}) {
    this.baseMs = options.baseMs ?? 250;
    this.maxMs = Math.max(options.maxMs ?? 10_000, this.baseMs);
    this.random = options.random ?? Math.random;
    this.ceiling = this.baseMs;
  }

  /** A delay uniform in [0, ceiling), then doubles the ceiling up to `maxMs`. */
  next(): number {
    const delay = Math.floor(this.random() * this.ceiling);
    this.ceiling = Math.min(this.ceiling * 2, this.maxMs);
    return delay;
  }

  /** Called once a connection has proven healthy, so the next outage starts with short delays again. */
  reset(): void {
    this.ceiling = this.baseMs;
  }
}
