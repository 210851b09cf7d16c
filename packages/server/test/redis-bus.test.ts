/** The Redis bus: the Bus contract between two real connections, plus its recovery after a Redis restart. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { tcpBalancer, eventually, REDIS_URL, serviceSkip, startRedis } from '@roundtable/testkit';
import { RedisBus } from '../src/bus/redis-bus.js';
import type { BusMessage } from '../src/core/ports.js';
import { busContract } from './contracts/bus-contract.js';

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

  test('an instance whose events could not be published asks the others to read the logs again once it is back', async (t) => {
    // Only the first instance loses Redis (through a proxy it can be cut from); the second stays connected.
    const redisPort = Number(new URL(REDIS_URL).port);
    const proxy = await tcpBalancer(t, () => [redisPort]);
    const prefix = `rt-test-${randomBytes(6).toString('hex')}`;
    const [first, second] = await Promise.all([
      RedisBus.open({ url: proxy.url.replace(/^http/, 'redis'), prefix }),
      RedisBus.open({ url: REDIS_URL, prefix }),
    ]);
    t.after(async () => {
      await first.close();
      await second.close();
    });
    let resyncs = 0;
    second.onResync(() => (resyncs += 1));
    const received: BusMessage[] = [];
    second.subscribe((message) => received.push(message));
    proxy.cut();
    // Only once the first instance knows its connection is gone does a publish fail, rather than wait to be resent.
    await eventually(() =>
      assert.notEqual((first as unknown as { publisher: { status: string } }).publisher.status, 'ready'),
    );
    const stored = { room: 'r_quiet', seq: 1, kind: 'message.created', at: '', actor: 'ada', data: {} };
    // Published while its connection is down, and then the room goes quiet: nothing later would reveal the gap.
    first.publish({
      kind: 'event',
      room: 'r_quiet',
      seq: 1,
      agents: null,
      quiet: false,
      frame: JSON.stringify({ type: 'event', ...stored }),
      event: { ...stored, agents: null, quiet: false } as never,
    });
    proxy.restore();
    await eventually(() => assert.ok(resyncs >= 1, 'the second instance was asked to read the logs again'), 15_000);
    assert.equal(received.length, 0, 'the event itself was lost: only the logs have it');
  });

  test('a bus closed while it resubscribes after a lost connection leaves nothing unhandled', async (t) => {
    // ioredis's own resubscribe left its SUBSCRIBE's promise unhandled: a connection lost (or closed) before
    // Redis answered it ended the process. The moment is caught here by closing as the connection comes back.
    const proxy = await tcpBalancer(t, () => [Number(new URL(REDIS_URL).port)]);
    const unhandled: unknown[] = [];
    const collect = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', collect);
    t.after(() => void process.off('unhandledRejection', collect));
    const bus = await RedisBus.open({
      url: proxy.url.replace(/^http/, 'redis'),
      prefix: `rt-test-${randomBytes(6).toString('hex')}`,
    });
    const subscriber = (bus as unknown as { subscriber: import('ioredis').Redis }).subscriber;
    const closed = new Promise<void>((resolve) => subscriber.once('ready', () => void bus.close().then(resolve)));
    proxy.cut();
    proxy.restore();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(unhandled.map(String), [], 'nothing was left unhandled');
  });
}
