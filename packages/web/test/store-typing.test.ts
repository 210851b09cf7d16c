/** The typing reducer without a browser or a clock: signals last a fixed time from the `now` they came with. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reduce } from '../src/store/state.js';
import { TYPING_TTL_MS } from '../src/store/typing.js';
import { after } from './store-fixtures.js';

const typing = (member: string, now: number, active = true, thread: string | null = null) =>
  ({ type: 'typing', room: 'general', member, active, thread, now }) as const;

test('a typing signal lapses once its time has passed, and not before', () => {
  const state = after([typing('bob', 1_000)]);
  assert.deepEqual(state.typing.general?.bob, { until: 1_000 + TYPING_TTL_MS, thread: null });
  const early = reduce(state, { type: 'typing.swept', now: 1_000 + TYPING_TTL_MS - 1 });
  assert.equal(early, state, 'a sweep that removes nobody changes nothing');
  const late = reduce(state, { type: 'typing.swept', now: 1_000 + TYPING_TTL_MS });
  assert.deepEqual(late.typing.general, {});
});

test('a renewed signal lives on while an older one lapses', () => {
  const state = after([typing('bob', 0), typing('cid', 0), typing('bob', 4_000)]);
  const swept = reduce(state, { type: 'typing.swept', now: TYPING_TTL_MS + 1 });
  assert.deepEqual(Object.keys(swept.typing.general ?? {}), ['bob']);
});

test('stopping removes the signal at once, and a signal says where (room or thread)', () => {
  const state = after([typing('bob', 0, true, 'root1'), typing('cid', 0), typing('cid', 10, false)]);
  assert.deepEqual(state.typing.general, { bob: { until: TYPING_TTL_MS, thread: 'root1' } });
});
