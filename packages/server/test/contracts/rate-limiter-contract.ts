/** The RateLimiter port's contract, run against the in-process limiter and the Redis one. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test, type TestContext } from 'node:test';
import { eventually } from '@roundtable/testkit';
import type { RateLimiter } from '../../src/core/ports.js';

/** Two limiters over the same shared state (the same object for the in-process one), closed on `t`. */
export type LimiterFactory = (t: TestContext) => Promise<{ first: RateLimiter; second: RateLimiter }>;

export function rateLimiterContract(name: string, makeLimiters: LimiterFactory): void {
  describe(`${name} passes the RateLimiter contract`, () => {
    test('allows a burst, then asks to wait no longer than one token takes', async (t) => {
      const { first } = await makeLimiters(t);
      const key = `k-${randomBytes(4).toString('hex')}`;
      const limit = { perSecond: 2, burst: 3 };
      const waits = [];
      for (let i = 0; i < 4; i++) waits.push(await first.take(key, limit));
      assert.deepEqual(waits.slice(0, 3), [0, 0, 0], 'the burst passes');
      assert.ok(waits[3]! > 0 && waits[3]! <= 500, `then one token at 2/s is at most 500 ms away, got ${waits[3]}`);
    });

    test('keys are independent', async (t) => {
      const { first } = await makeLimiters(t);
      const limit = { perSecond: 1, burst: 1 };
      const prefix = randomBytes(4).toString('hex');
      assert.equal(await first.take(`${prefix}-a`, limit), 0);
      assert.ok((await first.take(`${prefix}-a`, limit)) > 0, 'a is spent');
      assert.equal(await first.take(`${prefix}-b`, limit), 0, 'b is not');
    });

    test('a bucket refills over time', async (t) => {
      const { first } = await makeLimiters(t);
      const key = `r-${randomBytes(4).toString('hex')}`;
      const limit = { perSecond: 50, burst: 1 };
      assert.equal(await first.take(key, limit), 0);
      assert.ok((await first.take(key, limit)) > 0, 'spent');
      await eventually(async () => assert.equal(await first.take(key, limit), 0, 'refilled'), 2_000);
    });

    test('both holders of the limiter draw on one bucket, as instances of one hub do', async (t) => {
      const { first, second } = await makeLimiters(t);
      const key = `s-${randomBytes(4).toString('hex')}`;
      const limit = { perSecond: 1, burst: 2 };
      assert.equal(await first.take(key, limit), 0);
      assert.equal(await second.take(key, limit), 0);
      assert.ok((await first.take(key, limit)) > 0, 'the shared burst is spent');
      assert.ok((await second.take(key, limit)) > 0, 'on both');
    });

    test('peeking tells the wait a take would get, without taking', async (t) => {
      const { first, second } = await makeLimiters(t);
      const key = `p-${randomBytes(4).toString('hex')}`;
      const limit = { perSecond: 1, burst: 2 };
      assert.equal(await first.peek(key, limit), 0, 'an unused key is free');
      assert.equal(await first.peek(key, limit), 0, 'and stays free however often it is peeked at');
      assert.equal(await first.take(key, limit), 0);
      assert.equal(await first.take(key, limit), 0);
      const wait = await second.peek(key, limit);
      assert.ok(wait > 0 && wait <= 1_000, `the spent bucket shows its wait on both holders, got ${wait}`);
      assert.ok((await first.take(key, limit)) > 0, 'and the take agrees');
    });

    test('a marked key is remembered by both holders until it expires', async (t) => {
      const { first, second } = await makeLimiters(t);
      const key = `m-${randomBytes(4).toString('hex')}`;
      assert.equal(await second.marked(key), false);
      await first.mark(key, 60_000);
      assert.equal(await second.marked(key), true);
      await first.mark(`${key}-short`, 30);
      await eventually(async () => assert.equal(await second.marked(`${key}-short`), false, 'expired'), 2_000);
      assert.equal(await second.marked(key), true, 'the other stays');
    });

    test('a rolling window counts what both holders spend, oldest first, and lets it age out', async (t) => {
      const { first, second } = await makeLimiters(t);
      const key = `w-${randomBytes(4).toString('hex')}`;
      assert.deepEqual((await first.spend(key, 0, 60_000)).entries, [], 'an unused window is empty');
      await first.spend(key, 40, 60_000);
      await second.spend(key, 40, 60_000);
      const window = await second.spend(key, 2, 60_000);
      // Entries of one millisecond come in any order among themselves.
      assert.deepEqual(
        window.entries.map((entry) => entry.amount).sort((x, y) => x - y),
        [2, 40, 40],
        'the same amount twice counts twice',
      );
      assert.ok(
        window.entries.every((entry) => entry.at <= window.now && entry.at > window.now - 60_000),
        'every entry is within the window',
      );
      assert.ok(
        window.entries.every((entry, index) => index === 0 || window.entries[index - 1]!.at <= entry.at),
        'oldest first',
      );
      const other = `${key}-other`;
      assert.deepEqual((await first.spend(other, 0, 60_000)).entries, [], 'windows are per key');
      const short = `${key}-short`;
      await first.spend(short, 5, 50);
      await eventually(async () => assert.deepEqual((await second.spend(short, 0, 50)).entries, [], 'aged out'), 2_000);
    });

    test('a rate of zero disables the limit', async (t) => {
      const { first } = await makeLimiters(t);
      for (let i = 0; i < 5; i++) assert.equal(await first.take('off', { perSecond: 0, burst: 1 }), 0);
    });
  });
}
