/** The outbox reducer without a browser: a message from typed to acknowledged, through refusal and retry, once per client_id. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { retryDelay } from '../src/store/outbox.js';
import { reduce, type ChatState } from '../src/store/state.js';
import { after, message, outgoing, signedIn } from './store-fixtures.js';

function ids(state: ChatState): string[] {
  return state.outbox.map((item) => item.client_id);
}

test('pending, refused, retried, then acknowledged: the outbox follows each step and ends empty', () => {
  const queued = after([{ type: 'outbox.queued', outgoing: outgoing('web-1') }]);
  assert.deepEqual(ids(queued), ['web-1']);
  assert.equal(queued.outbox[0]?.failed, undefined, 'pending');
  const failed = reduce(queued, { type: 'outbox.failed', clientId: 'web-1', reason: 'content too long' });
  assert.equal(failed.outbox[0]?.failed, 'content too long');
  const retried = reduce(failed, { type: 'outbox.retried', clientId: 'web-1' });
  assert.equal(retried.outbox[0]?.failed, undefined);
  const acked = reduce(retried, {
    type: 'message.acked',
    message: message({ id: 'm1', seq: 1, sender: 'ada', client_id: 'web-1' }),
    clientId: 'web-1',
  });
  assert.deepEqual(ids(acked), []);
});

test("the message's own event takes it out of the outbox, whether it comes before the ack or after", () => {
  const sent = message({ id: 'm1', seq: 1, sender: 'ada', client_id: 'web-1' });
  const start = after([], [outgoing('web-1'), outgoing('web-2')]);
  const eventFirst = [
    { type: 'message.created', message: sent },
    { type: 'message.acked', message: sent, clientId: 'web-1' },
  ] as const;
  const ackFirst = [eventFirst[1], eventFirst[0]];
  assert.deepEqual(ids(eventFirst.reduce(reduce, start)), ['web-2']);
  assert.deepEqual(ids(ackFirst.reduce(reduce, start)), ['web-2']);
});

test('a message without a client_id, or with another one, leaves the outbox alone', () => {
  const start = after([], [outgoing('web-1')]);
  const none = reduce(start, { type: 'message.created', message: message({ id: 'm1', seq: 1, client_id: null }) });
  const other = reduce(start, { type: 'message.created', message: message({ id: 'm2', seq: 2, client_id: 'cli-9' }) });
  assert.equal(none.outbox, start.outbox);
  assert.equal(other.outbox, start.outbox);
  const damaged = after([], [{ ...outgoing('web-1'), client_id: undefined as unknown as string }]);
  const missing = { ...message({ id: 'm3', seq: 3 }), client_id: undefined as unknown as null };
  const kept = reduce(damaged, { type: 'message.created', message: missing });
  assert.equal(kept.outbox.length, 1, 'a saved entry without a client_id is not matched by a message without one');
});

test('only the refused message is marked failed; discarding it keeps the others', () => {
  let state = after([], [outgoing('web-1'), outgoing('web-2')]);
  state = reduce(state, { type: 'outbox.failed', clientId: 'web-2', reason: 'not a member' });
  assert.deepEqual(
    state.outbox.map((item) => item.failed),
    [undefined, 'not a member'],
  );
  state = reduce(state, { type: 'outbox.discarded', clientId: 'web-2' });
  assert.deepEqual(ids(state), ['web-1']);
});

test("after a reload, this member's unsent messages are kept and another member's are dropped", () => {
  const state = signedIn(
    [],
    [{ type: 'outbox.adopted', member: 'ada' }],
    [outgoing('web-1'), outgoing('web-2', { member: 'eve' }), outgoing('web-3')],
  );
  assert.deepEqual(ids(state), ['web-1', 'web-3']);
  const again = reduce(state, { type: 'outbox.adopted', member: 'ada' });
  assert.equal(again, state, 'nothing to drop changes nothing, so nothing is saved again');
});

test('retries wait what the hub asked for, else 500 ms doubling up to 8 s', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 10].map((attempt) => retryDelay(attempt, undefined)),
    [500, 1_000, 2_000, 4_000, 8_000, 8_000, 8_000],
  );
  assert.equal(retryDelay(5, 1_234), 1_234);
});
