/** The in-process bus: the Bus contract with both "instances" on one object, plus its synchronous delivery. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LocalBus } from '../src/bus/local-bus.js';
import type { BusMessage } from '../src/core/ports.js';
import { busContract } from './contracts/bus-contract.js';

busContract('LocalBus', async (t) => {
  const bus = new LocalBus();
  t.after(() => bus.close());
  return { first: bus, second: bus };
});

test("the local bus delivers before publish returns, which keeps a room's events in seq order", () => {
  const bus = new LocalBus();
  const received: BusMessage[] = [];
  bus.subscribe((message) => received.push(message));
  const message: BusMessage = { kind: 'control', action: 'token.revoked', tokenId: 't_1' };
  bus.publish(message);
  assert.deepEqual(received, [message]);
});
