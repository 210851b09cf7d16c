/** Reconnect backoff bounds and the emitter's isolation of misbehaving listeners. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Backoff, Emitter } from '@roundtable/client';

test('backoff ceilings double from the base up to the max', () => {
  const almostOne = new Backoff({ baseMs: 250, maxMs: 10_000, random: () => 0.999999 });
  const delays = Array.from({ length: 9 }, () => almostOne.next());
  assert.deepEqual(delays, [249, 499, 999, 1999, 3999, 7999, 9999, 9999, 9999]);
});

test('full jitter can wait as little as zero', () => {
  const zero = new Backoff({ baseMs: 250, maxMs: 10_000, random: () => 0 });
  for (let i = 0; i < 10; i++) assert.equal(zero.next(), 0);
});

test('every jittered delay stays below its ceiling and spreads across it', () => {
  const backoff = new Backoff({ baseMs: 100, maxMs: 800 });
  const ceilings = [100, 200, 400, 800, 800];
  const samples: number[][] = ceilings.map(() => []);
  for (let run = 0; run < 500; run++) {
    backoff.reset();
    for (const [attempt, ceiling] of ceilings.entries()) {
      const delay = backoff.next();
      assert.ok(delay >= 0 && delay < ceiling, `attempt ${attempt}: ${delay} is outside [0, ${ceiling})`);
      samples[attempt]!.push(delay);
    }
  }
  // With 500 uniform samples, both halves of each range are hit (failure odds around 2^-499).
  for (const [attempt, ceiling] of ceilings.entries()) {
    assert.ok(
      samples[attempt]!.some((delay) => delay < ceiling / 2),
      `attempt ${attempt} never waited briefly`,
    );
    assert.ok(
      samples[attempt]!.some((delay) => delay >= ceiling / 2),
      `attempt ${attempt} never waited long`,
    );
  }
});

test('reset brings the ceiling back to the base', () => {
  const backoff = new Backoff({ baseMs: 250, maxMs: 10_000, random: () => 0.999999 });
  for (let i = 0; i < 5; i++) backoff.next();
  backoff.reset();
  assert.equal(backoff.next(), 249);
});

test('a max below the base is raised to the base', () => {
  const backoff = new Backoff({ baseMs: 500, maxMs: 100, random: () => 0.999999 });
  assert.equal(backoff.next(), 499);
  assert.equal(backoff.next(), 499);
});

interface TestEvents {
  ping: number;
  other: string;
}

test('a throwing listener neither stops the others nor reaches the emitter', () => {
  const reported: [unknown, string][] = [];
  const emitter = new Emitter<TestEvents>((error, event) => reported.push([error, event]));
  const seen: string[] = [];
  const boom = new Error('boom');
  emitter.on('ping', (n) => seen.push(`first ${n}`));
  emitter.on('ping', () => {
    throw boom;
  });
  emitter.on('ping', (n) => seen.push(`third ${n}`));

  assert.doesNotThrow(() => emitter.emit('ping', 7));
  assert.deepEqual(seen, ['first 7', 'third 7']);
  assert.deepEqual(reported, [[boom, 'ping']]);
});

test('a rejecting async listener is reported instead of left unhandled', async () => {
  const reported: unknown[] = [];
  const emitter = new Emitter<TestEvents>((error) => reported.push(error));
  const failure = new Error('async boom');
  emitter.on('other', async () => {
    throw failure;
  });
  emitter.emit('other', 'x');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(reported, [failure]);
});

test('an error handler that throws does not break the emitter either', () => {
  const emitter = new Emitter<TestEvents>(() => {
    throw new Error('handler broke');
  });
  let after = 0;
  emitter.on('ping', () => {
    throw new Error('listener broke');
  });
  emitter.on('ping', () => after++);
  const original = console.error;
  console.error = () => undefined;
  try {
    assert.doesNotThrow(() => emitter.emit('ping', 1));
  } finally {
    console.error = original;
  }
  assert.equal(after, 1);
});

test('unsubscribing during an emit affects only later emits', () => {
  const emitter = new Emitter<TestEvents>();
  const seen: string[] = [];
  const unsubscribeB = emitter.on('ping', () => seen.push('b'));
  emitter.on('ping', () => {
    seen.push('c');
  });
  const unsubscribeA = emitter.on('ping', () => {
    seen.push('a');
    unsubscribeB();
    unsubscribeA();
  });
  emitter.emit('ping', 1);
  emitter.emit('ping', 2);
  assert.deepEqual(seen, ['b', 'c', 'a', 'c']);
});

test('off removes a listener and leaves other events alone', () => {
  const emitter = new Emitter<TestEvents>();
  let pings = 0;
  let others = 0;
  const onPing = (): void => {
    pings++;
  };
  emitter.on('ping', onPing);
  emitter.on('other', () => others++);
  emitter.off('ping', onPing);
  emitter.emit('ping', 1);
  emitter.emit('other', 'x');
  assert.equal(pings, 0);
  assert.equal(others, 1);
});
