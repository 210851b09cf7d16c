/** The activity reducer without a browser or a clock: statuses last the time the hub gave, from the `now` they came with. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { StatusUpdate } from '../src/store/activity.js';
import { activityAction } from '../src/store/dispatch.js';
import { reduce } from '../src/store/state.js';
import { after } from './store-fixtures.js';

const frame = (member: string, state: string, extra: Record<string, unknown> = {}) => ({
  type: 'activity',
  room: 'general',
  member,
  thread_id: null,
  state,
  tool: null,
  ttl_ms: 30_000,
  ...extra,
});

test('a status holds for the time the hub gave, idle clears it, and a sweep drops what lapsed', () => {
  const state = after([
    activityAction([frame('codex', 'tool', { tool: 'search_files' })], 1_000, false),
    activityAction([frame('scout', 'thinking', { ttl_ms: 500 })], 1_000, false),
  ]);
  assert.deepEqual(state.activity.general?.['codex '], {
    room: 'general',
    member: 'codex',
    thread: null,
    state: 'tool',
    tool: 'search_files',
    ttlMs: 30_000,
    until: 31_000,
  } satisfies StatusUpdate & { until: number });
  const swept = reduce(state, { type: 'activity.swept', now: 1_500 });
  assert.deepEqual(Object.keys(swept.activity.general ?? {}), ['codex ']);
  assert.equal(
    reduce(swept, { type: 'activity.swept', now: 1_600 }),
    swept,
    'a sweep that drops nothing changes nothing',
  );
  const cleared = reduce(swept, activityAction([frame('codex', 'idle', { ttl_ms: 0 })], 2_000, false));
  assert.deepEqual(cleared.activity.general, {});
});

test('a snapshot replaces what was held, and a malformed status is left out', () => {
  const state = after([activityAction([frame('codex', 'thinking')], 0, false)]);
  const next = reduce(
    state,
    activityAction(
      [frame('scout', 'thinking', { thread_id: 'root1' }), frame('eve', 'dancing'), { room: 'general' }],
      10,
      true,
    ),
  );
  assert.deepEqual(Object.keys(next.activity.general ?? {}), ['scout root1']);
  assert.equal(next.activity.general?.['scout root1']?.thread, 'root1');
});
