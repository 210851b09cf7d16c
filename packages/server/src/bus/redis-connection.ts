/**
 * How every Redis client of the hub connects: when Redis is away, commands fail at once rather than
 * wait in a queue (each caller knows what to do without it: recover from the store, skip a limit,
 * answer `sessions_unavailable`), and the connection retries every 2 s at most.
 */
import type { RedisOptions } from 'ioredis';

export const REDIS_CONNECTION = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 1,
  retryStrategy: (times: number) => Math.min(times * 100, 2_000),
} satisfies RedisOptions;
