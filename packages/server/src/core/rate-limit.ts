/** Token buckets for rate limits: per connection in the transports, per member in the core. */
import type { Clock, RateLimiter, SpentWindow } from './ports.js';

export interface RateLimit {
  /** Sustained rate, per second. 0 disables the limit. */
  perSecond: number;
  /** How many may arrive at once before the sustained rate applies. */
  burst: number;
}

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock,
  ) {
    this.tokens = limit.burst;
    this.updatedAt = clock.now();
  }

  /** Takes one token; returns 0 when allowed, otherwise how many ms until one is available. */
  take(): number {
    if (this.limit.perSecond <= 0) return 0;
    const now = this.clock.now();
    this.tokens = Math.min(this.limit.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.limit.perSecond);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) / this.limit.perSecond) * 1000);
  }

  /** What `take` would return now, leaving the bucket as it is. */
  peek(): number {
    if (this.limit.perSecond <= 0) return 0;
    const elapsed = (this.clock.now() - this.updatedAt) / 1000;
    const tokens = Math.min(this.limit.burst, this.tokens + elapsed * this.limit.perSecond);
    return tokens >= 1 ? 0 : Math.ceil(((1 - tokens) / this.limit.perSecond) * 1000);
  }

  /** Whether the bucket is back to full, so a keyed limiter may forget it. */
  idle(): boolean {
    const now = this.clock.now();
    return this.tokens + ((now - this.updatedAt) / 1000) * this.limit.perSecond >= this.limit.burst;
  }
}

/** One bucket per key (a member id), forgotten once full again so memory stays bounded. */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    private readonly limit: RateLimit,
    private readonly clock: Clock,
  ) {}

  take(key: string): number {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(this.limit, this.clock);
      this.buckets.set(key, bucket);
    }
    return bucket.take();
  }

  peek(key: string): number {
    return this.buckets.get(key)?.peek() ?? 0;
  }

  sweep(): void {
    for (const [key, bucket] of this.buckets) if (bucket.idle()) this.buckets.delete(key);
  }
}

/** The in-process RateLimiter: one bucket per key and limit, for a single instance. */
export class LocalRateLimiter implements RateLimiter {
  private readonly limiters = new Map<string, KeyedRateLimiter>();
  /** Marked keys, with when they expire. */
  private readonly marks = new Map<string, number>();
  /** Rolling windows: their entries, and how long each entry counts. */
  private readonly windows = new Map<string, { windowMs: number; entries: SpentWindow['entries'] }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly clock: Clock) {
    this.sweeper = setInterval(() => {
      for (const limiter of this.limiters.values()) limiter.sweep();
      const now = this.clock.now();
      for (const [key, expires] of this.marks) if (expires <= now) this.marks.delete(key);
      for (const [key, window] of this.windows) {
        window.entries = window.entries.filter((entry) => entry.at > now - window.windowMs);
        if (window.entries.length === 0) this.windows.delete(key);
      }
    }, 60_000);
    this.sweeper.unref();
  }

  async spend(key: string, amount: number, windowMs: number): Promise<SpentWindow> {
    const now = this.clock.now();
    let window = this.windows.get(key);
    if (!window) this.windows.set(key, (window = { windowMs, entries: [] }));
    window.windowMs = windowMs;
    window.entries = window.entries.filter((entry) => entry.at > now - windowMs);
    if (amount > 0) window.entries.push({ at: now, amount });
    return { now, entries: [...window.entries] };
  }

  async take(key: string, limit: RateLimit): Promise<number> {
    return this.limiterFor(limit).take(key);
  }

  async peek(key: string, limit: RateLimit): Promise<number> {
    if (limit.perSecond <= 0) return 0;
    return this.limiterFor(limit).peek(key);
  }

  async mark(key: string, ttlMs: number): Promise<void> {
    this.marks.set(key, this.clock.now() + ttlMs);
  }

  async marked(key: string): Promise<boolean> {
    return (this.marks.get(key) ?? 0) > this.clock.now();
  }

  private limiterFor(limit: RateLimit): KeyedRateLimiter {
    const name = `${limit.perSecond}/${limit.burst}`;
    let limiter = this.limiters.get(name);
    if (!limiter) {
      limiter = new KeyedRateLimiter(limit, this.clock);
      this.limiters.set(name, limiter);
    }
    return limiter;
  }

  async close(): Promise<void> {
    clearInterval(this.sweeper);
  }
}
