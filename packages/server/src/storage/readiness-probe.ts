/**
 * Readiness after a failed commit, for every store: a probe write as large as a real batch (a
 * one-row write can still fit where a message, its log event and its search index no longer do),
 * tried at most once a second however often `/health` is asked, since anyone may ask it.
 */
import { randomBytes } from 'node:crypto';

/** Bytes a probe commits: random, so no compression makes it smaller than it claims. */
export const READINESS_PROBE_BYTES = 1 << 20;
/** While a store is not ready, how often a probe may run; between probes the last outcome stands. */
const PROBE_INTERVAL_MS = 1_000;

export class ReadinessProbe {
  private running: Promise<boolean> | undefined;
  private lastAt = 0;
  private last = false;

  /** `write` commits the given bytes and lets them go again; it throws when the store cannot. */
  constructor(private readonly write: (payload: Buffer) => Promise<void>) {}

  check(): Promise<boolean> {
    if (this.running) return this.running;
    if (Date.now() - this.lastAt < PROBE_INTERVAL_MS) return Promise.resolve(this.last);
    this.lastAt = Date.now();
    this.running = this.write(randomBytes(READINESS_PROBE_BYTES))
      .then(
        () => true,
        () => false,
      )
      .then((ready) => {
        this.last = ready;
        this.running = undefined;
        return ready;
      });
    return this.running;
  }
}
