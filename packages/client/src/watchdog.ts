/** Detects a silent connection: ping after a quiet spell, and declare it dead if even the ping brings nothing back. */

export interface WatchdogHooks {
  /** Called after 2.5 heartbeats without a frame; should send a request the hub will answer. */
  ping(): void;
  /** Called when a heartbeat passed after the ping without any frame. */
  dead(): void;
}

export class Watchdog {
  private readonly hooks: WatchdogHooks;
  private heartbeatMs = 0;
  private lastFrameAt = 0;
  /** When the probe ping went out; 0 while none is outstanding. */
  private pingAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(hooks: WatchdogHooks) {
    this.hooks = hooks;
  }

  /** A heartbeat of 0 or less disables the watchdog. */
  start(heartbeatMs: number): void {
    this.stop();
    if (!(heartbeatMs > 0)) return;
    this.heartbeatMs = heartbeatMs;
    this.lastFrameAt = Date.now();
    this.arm(this.idleMs);
  }

  /** Called for every frame, so it only records a time: the timer re-reads it when it fires. */
  seen(): void {
    this.lastFrameAt = Date.now();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pingAt = 0;
  }

  private get idleMs(): number {
    return this.heartbeatMs * 2.5;
  }

  private arm(ms: number): void {
    this.timer = setTimeout(this.tick, Math.max(ms, 0));
  }

  private readonly tick = (): void => {
    const now = Date.now();
    if (this.pingAt !== 0) {
      if (this.lastFrameAt < this.pingAt) {
        this.stop();
        this.hooks.dead();
        return;
      }
      this.pingAt = 0;
    }
    const quiet = now - this.lastFrameAt;
    if (quiet < this.idleMs) {
      this.arm(this.idleMs - quiet);
      return;
    }
    this.pingAt = now;
    this.arm(this.heartbeatMs);
    this.hooks.ping();
  };
}
