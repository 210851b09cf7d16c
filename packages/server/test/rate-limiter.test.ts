/** Both RateLimiter adapters: in-process, and Redis shared between two connections. */
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { REDIS_URL, serviceSkip } from '@roundtable/testkit';
import { systemClock } from '../src/core/ports.js';
import { LocalRateLimiter } from '../src/core/rate-limit.js';
import { RedisRateLimiter } from '../src/limits/redis-rate-limiter.js';
import { rateLimiterContract } from './contracts/rate-limiter-contract.js';

rateLimiterContract('LocalRateLimiter', async (t) => {
  const limiter = new LocalRateLimiter(systemClock);
  t.after(() => limiter.close());
  return { first: limiter, second: limiter };
});

const skip = await serviceSkip('Redis', REDIS_URL);
if (skip) {
  test('RedisRateLimiter passes the RateLimiter contract', { skip }, () => {});
} else {
  rateLimiterContract('RedisRateLimiter', async (t) => {
    const prefix = `rt-test-${randomBytes(6).toString('hex')}`;
    const [first, second] = await Promise.all([
      RedisRateLimiter.open({ url: REDIS_URL, prefix }),
      RedisRateLimiter.open({ url: REDIS_URL, prefix }),
    ]);
    t.after(async () => {
      await first.close();
      await second.close();
    });
    return { first, second };
  });
}
