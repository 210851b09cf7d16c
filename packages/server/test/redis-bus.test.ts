/** The Redis bus: the Bus contract between two real connections, plus its recovery after a Redis restart. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { RedisBus } from '../src/bus/redis-bus.js';
import type { BusMessage } from '../src/core/ports.js';
import { busContract } from './contracts/bus-contract.js';
import { eventually } from './helpers.js';
import { REDIS_URL, serviceSkip, startRedis } from './services.js';

const skip = await serviceSkip('Redis', REDIS_URL);

if (skip) {
  test('RedisBus passes the Bus contract', { skip }, () => {});
} else {
  busContract('RedisBus', async (t) => {
    const prefix = `rt-test-${randomBytes(6).toString('hex')}`;
    const [first, second] = await Promise.all([
      RedisBus.open({ url: REDIS_URL, prefix }),
      RedisBus.open({ url: REDIS_URL, prefix }),
    ]);
    t.after(async () => {
      await first.close();
      await second.close();
    });
    return { first, second };
  });

  test('after Redis restarts, the bus reconnects by itself and asks the hub to resync', async (t) => {
    const redis = await startRedis(t);
    const [first, second] = await Promise.all([RedisBus.open({ url: redis.url }), RedisBus.open({ url: redis.url })]);
    t.after(async () => {
      await first.close();
      await second.close();
    });
    const received: BusMessage[] = [];
    second.subscribe((message) => received.push(message));
    let resyncs = 0;
    second.onResync(() => (resyncs += 1));
    await redis.restart();
    await eventually(() => assert.ok(resyncs >= 1, 'a resync was asked for'), 10_000);
    const message: BusMessage = { kind: 'control', action: 'member.updated', memberId: 'm_after' };
    await eventually(() => {
      first.publish(message);
      assert.ok(
        received.some((got) => got.kind === 'control' && got.action === 'member.updated'),
        'a message crossed after the restart',
      );
    }, 10_000);
  });

  test('an event whose publish failed while Redis was away reaches the other instances once it is back, with no later event', async (t) => {
    const redis = await startRedis(t);
    const [first, second] = await Promise.all([RedisBus.open({ url: redis.url }), RedisBus.open({ url: redis.url })]);
    t.after(async () => {
      await first.close();
      await second.close();
    });
    const received: BusMessage[] = [];
    second.subscribe((message) => received.push(message));
    await redis.stop();
    const event = (seq: number): BusMessage => {
      const stored = {
        room: 'r_quiet',
        seq,
        kind: 'message.created',
        at: '',
        actor: 'ada',
        data: {},
        agents: null,
        quiet: false,
      };
      return {
        kind: 'event',
        room: 'r_quiet',
        seq,
        agents: null,
        quiet: false,
        frame: JSON.stringify({ type: 'event', ...stored }),
        event: stored as never,
      };
    };
    // Published while Redis is down, and then the room goes quiet: nothing later would reveal the gap.
    first.publish(event(1));
    first.publish(event(2));
    await redis.restart();
    await eventually(
      () =>
        assert.ok(
          received.some((message) => message.kind === 'event' && message.seq === 2),
          'the newest unsent event of the room crossed',
        ),
      15_000,
    );
  });
}
