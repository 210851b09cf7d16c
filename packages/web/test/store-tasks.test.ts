/** The task board reducer without a browser: the newest version of each task, whether a page or an event brought it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reduce } from '../src/store/state.js';
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
