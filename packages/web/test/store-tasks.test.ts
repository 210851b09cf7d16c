/** The task board reducer without a browser: the newest version of each task, whether a page or an event brought it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { leaseAction } from '../src/store/dispatch.js';
import { reduce } from '../src/store/state.js';
import { NO_FILTERS } from '../src/store/tasks.js';
import { after, task } from './store-fixtures.js';

const changed = (id: string, version: number, fields = {}) =>
  ({ type: 'task.changed', id, version, task: task(id, version, fields) }) as const;

test('an event keeps a task only when it is newer than the one held', () => {
  const state = after([
    changed('t1', 2, { title: 'v2' }),
    changed('t1', 1, { title: 'v1' }),
    changed('t1', 2, { title: 'again' }),
  ]);
  assert.equal(state.tasks.t1?.title, 'v2');
  const newer = reduce(state, changed('t1', 3, { title: 'v3' }));
  assert.equal(newer.tasks.t1?.title, 'v3');
});

test('pages loaded while events arrived keep the newer of the two for each task', () => {
  const live = after([changed('t1', 5, { title: 'live v5' }), changed('t2', 1, { title: 'live v1' })]);
  const loaded = reduce(live, {
    type: 'tasks.loaded',
    tasks: { t1: task('t1', 4, { title: 'page v4' }), t2: task('t2', 2, { title: 'page v2' }), t3: task('t3', 1) },
  });
  assert.equal(loaded.tasksLoaded, true);
  assert.equal(loaded.tasks.t1?.title, 'live v5');
  assert.equal(loaded.tasks.t2?.title, 'page v2');
  assert.equal(loaded.tasks.t3?.title, 'task t3');
});

test('a deleted task leaves the board; a decision shows the answer the hub gave', () => {
  let state = after([changed('t1', 1), changed('t2', 1)]);
  state = reduce(state, { type: 'task.deleted', id: 't1' });
  assert.deepEqual(Object.keys(state.tasks), ['t2']);
  state = reduce(state, { type: 'task.decided', task: task('t2', 2, { status: 'completed' }) });
  assert.equal(state.tasks.t2?.status, 'completed');
});

test('a lease frame moves the expiry of the task its worker still holds, and nothing else', () => {
  const held = { status: 'running', assignee: 'bot', lease_expires_at: '2026-01-01T00:01:00.000Z' } as const;
  const state = after([changed('t1', 3, held)]);
  const frame = {
    type: 'task.lease',
    room: 'general',
    task: 't1',
    assignee: 'bot',
    at: '2026-01-01T00:00:30.000Z',
    lease_expires_at: '2026-01-01T00:01:30.000Z',
  } as const;
  const renewed = reduce(state, leaseAction(frame)!);
  assert.equal(renewed.tasks.t1?.lease_expires_at, '2026-01-01T00:01:30.000Z');
  assert.equal(renewed.tasks.t1?.version, 3, 'a renewal is no new version');
  const progressed = reduce(state, leaseAction({ ...frame, progress: 0.4, progress_note: 'halfway' })!);
  assert.deepEqual(
    [progressed.tasks.t1?.progress, progressed.tasks.t1?.progress_note, progressed.tasks.t1?.heartbeat_at],
    [0.4, 'halfway', '2026-01-01T00:00:30.000Z'],
  );
  const hostile = reduce(state, leaseAction({ ...frame, progress: 7, progress_note: 42 } as never)!);
  assert.deepEqual([hostile.tasks.t1?.progress, hostile.tasks.t1?.progress_note], [undefined, undefined]);
  // After a release the task has no worker: a late frame must not change it.
  const released = reduce(state, changed('t1', 4, { status: 'pending', assignee: null, lease_expires_at: null }));
  assert.equal(reduce(released, leaseAction(frame)!), released);
  assert.equal(reduce(state, leaseAction({ ...frame, task: 'unknown' })!), state);
  assert.equal(
    leaseAction({ ...frame, lease_expires_at: 42 } as never),
    undefined,
    'a frame without its expiry is no action',
  );
});

test('filters are kept until they are cleared', () => {
  const state = after([changed('t1', 1)]);
  assert.deepEqual(state.taskFilters, NO_FILTERS);
  const filtered = reduce(state, { type: 'task.filtered', filters: { ...NO_FILTERS, capability: 'docs' } });
  assert.equal(filtered.taskFilters.capability, 'docs');
  const later = reduce(filtered, changed('t1', 2));
  assert.equal(later.taskFilters.capability, 'docs', 'a task changing leaves the filters as they are');
  assert.deepEqual(reduce(later, { type: 'task.filtered', filters: NO_FILTERS }).taskFilters, NO_FILTERS);
});
