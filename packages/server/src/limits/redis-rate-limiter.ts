/**
 * Rate limits shared by every hub instance: a token bucket per key in Redis, updated by one Lua
 * script so that take is atomic, and timed by Redis's clock so instances need not agree on theirs.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_CONNECTION } from '../bus/redis-connection.js';
import type { RateLimiter, SpentWindow } from '../core/ports.js';

/** The wait TAKE would answer, computed the same way, leaving the bucket as it is. */
const PEEK = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
if tokens >= 1 then return 0 end
return math.ceil((1 - tokens) / rate * 1000)
`;

const TAKE = `
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1]) or burst
local at = tonumber(state[2]) or now
tokens = math.min(burst, tokens + (now - at) / 1000 * rate)
local wait = 0
if tokens >= 1 then tokens = tokens - 1 else wait = math.ceil((1 - tokens) / rate * 1000) end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', now)
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return wait
`;

/**
 * A rolling window as a sorted set: each entry scored by its time, named by a unique id and its amount.
 * Returns the time, then each entry still in the window as amount and time, oldest first.
 */
const SPEND = `
local window = tonumber(ARGV[1])
local amount = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if amount > 0 then redis.call('ZADD', KEYS[1], now, ARGV[3] .. ':' .. ARGV[2]) end
redis.call('PEXPIRE', KEYS[1], window + 1000)
local found = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
local answer = { now }
for i = 1, #found, 2 do
  local name = found[i]
  table.insert(answer, string.sub(name, string.find(name, ':', 1, true) + 1))
  table.insert(answer, found[i + 1])
end
return answer
`;

export interface RedisRateLimiterOptions {
  url: string;
  /** Prefix of the keys. Default `roundtable`. */
  prefix?: string;
  onError?: (error: unknown) => void;
}

export class RedisRateLimiter implements RateLimiter {
  private readonly redis: Redis;
  private readonly prefix: string;

  private constructor(private readonly options: RedisRateLimiterOptions) {
    this.prefix = `${options.prefix ?? 'roundtable'}:rate:`;
    this.redis = new Redis(options.url, REDIS_CONNECTION);
    this.redis.on('error', (error) => options.onError?.(error));
    this.redis.defineCommand('rtTake', { numberOfKeys: 1, lua: TAKE });
    this.redis.defineCommand('rtPeek', { numberOfKeys: 1, lua: PEEK });
    this.redis.defineCommand('rtSpend', { numberOfKeys: 1, lua: SPEND });
  }

  static async open(options: RedisRateLimiterOptions): Promise<RedisRateLimiter> {
    const limiter = new RedisRateLimiter(options);
    await limiter.redis.connect();
    return limiter;
  }

  /** While Redis is unreachable the limit is not enforced: chat keeps working, and the error is reported. */
  async take(key: string, limit: { perSecond: number; burst: number }): Promise<number> {
    return this.bucket('rtTake', key, limit);
  }

  async peek(key: string, limit: { perSecond: number; burst: number }): Promise<number> {
    return this.bucket('rtPeek', key, limit);
  }

  /** While Redis is unreachable nothing is remembered, and nothing counts as marked. */
  async mark(key: string, ttlMs: number): Promise<void> {
    try {
      await this.redis.set(`${this.prefix}mark:${key}`, '1', 'PX', Math.max(1, Math.ceil(ttlMs)));
    } catch (error) {
      this.options.onError?.(error);
    }
  }

  async marked(key: string): Promise<boolean> {
    try {
      return (await this.redis.exists(`${this.prefix}mark:${key}`)) === 1;
    } catch (error) {
      this.options.onError?.(error);
      return false;
    }
  }

  /** While Redis is unreachable nothing is counted, and the window reads empty: agents are not held back. */
  async spend(key: string, amount: number, windowMs: number): Promise<SpentWindow> {
    try {
      const run = (this.redis as unknown as Record<string, (...args: unknown[]) => Promise<Array<string | number>>>)
        .rtSpend!;
      const [now, ...pairs] = await run.call(this.redis, `${this.prefix}window:${key}`, windowMs, amount, randomUUID());
      const entries: SpentWindow['entries'] = [];
      for (let i = 0; i + 1 < pairs.length; i += 2)
        entries.push({ amount: Number(pairs[i]), at: Number(pairs[i + 1]) });
      return { now: Number(now), entries };
    } catch (error) {
      this.options.onError?.(error);
      return { now: Date.now(), entries: [] };
    }
  }

  private async bucket(
    command: 'rtTake' | 'rtPeek',
    key: string,
    limit: { perSecond: number; burst: number },
  ): Promise<number> {
    if (limit.perSecond <= 0) return 0;
    try {
      const run = (this.redis as unknown as Record<string, (...args: unknown[]) => Promise<number>>)[command]!;
      return Number(await run.call(this.redis, this.prefix + key, limit.perSecond, limit.burst));
    } catch (error) {
      this.options.onError?.(error);
      return 0;
    }
  }

  async close(): Promise<void> {
    this.redis.disconnect();
  }
}
