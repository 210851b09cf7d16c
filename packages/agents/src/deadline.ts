/**
 * A reply's time limits: its whole length, and the silence allowed between two parts of the model's
 * stream. Both stand still while the reply waits on a person (an approval), which is no model's delay.
 */
export class ReplyDeadline {
  private readonly controller = new AbortController();
  private totalLeft: number;
  private totalStarted = Date.now();
  private total: NodeJS.Timeout | undefined;
  private silence: NodeJS.Timeout | undefined;
  private holds = 0;

  constructor(
    totalMs: number,
    private readonly silenceMs: number,
  ) {
    this.totalLeft = totalMs;
    this.resume();
  }

  /** Aborted once either limit is passed. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The model said something: its silence starts again. */
  touch(): void {
    if (this.holds > 0 || this.signal.aborted) return;
    clearTimeout(this.silence);
    this.silence = setTimeout(() => this.controller.abort(new Error('timeout')), this.silenceMs);
  }

  /** Runs `work` with the clock stopped. */
  async hold<T>(work: () => Promise<T>): Promise<T> {
    if (this.holds++ === 0) this.pause();
    try {
      return await work();
    } finally {
      if (--this.holds === 0) this.resume();
    }
  }

  clear(): void {
    clearTimeout(this.total);
    clearTimeout(this.silence);
  }

  private pause(): void {
    this.clear();
    this.totalLeft -= Date.now() - this.totalStarted;
  }

  private resume(): void {
    if (this.signal.aborted) return;
    this.totalStarted = Date.now();
    this.total = setTimeout(() => this.controller.abort(new Error('timeout')), Math.max(0, this.totalLeft));
    this.touch();
  }
}
