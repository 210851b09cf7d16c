/** A room opened at an older message, without a browser: its window, what arrives live meanwhile, and paging down to the live end. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Action } from '../src/store/state.js';
import { inGeneral, message, seqs } from './store-fixtures.js';

const page = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, index) => message({ id: `m${from + index}`, seq: from + index }));
const created = (seq: number): Action => ({ type: 'message.created', message: message({ id: `m${seq}`, seq }) });
const window = (from: number, to: number, hasNewer: boolean, focus = 'm15'): Action => ({
  type: 'window.loaded',
  room: 'general',
  messages: page(from, to),
  hasMore: from > 1,
  hasNewer,
  focus: { id: focus, at: 1 },
  readAtOpen: 0,
});

test('a window around a message replaces the loaded page and asks for the message to be shown', () => {
  const state = inGeneral([created(99), created(100), window(10, 20, true)]);
  const view = state.views.general!;
  assert.deepEqual(
    seqs(view.messages),
    page(10, 20).map((item) => item.seq),
  );
  assert.equal(view.hasNewer, true);
  assert.deepEqual(view.focus, { id: 'm15', at: 1 });
  assert.deepEqual(seqs(view.held), [99, 100], 'what was loaded past the window waits');
});

test('live messages short of the live end are held, then joined once paging down reaches them', () => {
  const state = inGeneral([
    window(10, 20, true),
    created(31),
    created(32),
    { type: 'newer.loaded', room: 'general', messages: page(21, 30), hasNewer: true },
  ]);
  assert.deepEqual(
    seqs(state.views.general?.messages),
    page(10, 30).map((item) => item.seq),
    'no gap to 31 yet',
  );
  assert.deepEqual(seqs(state.views.general?.held), [31, 32]);

  const end = inGeneral([
    window(10, 20, true),
    created(31),
    created(32),
    { type: 'newer.loaded', room: 'general', messages: page(21, 31), hasNewer: false },
    created(33),
  ]);
  assert.deepEqual(
    seqs(end.views.general?.messages),
    page(10, 33).map((item) => item.seq),
    'each once, in order',
  );
  assert.deepEqual(end.views.general?.held, []);
  assert.equal(end.views.general?.hasNewer, false);
});

test('a newest page that was asked for before the window opened is not joined to it', () => {
  const state = inGeneral([
    window(10, 20, true),
    { type: 'history.loaded', room: 'general', messages: page(90, 100), hasMore: true, readAtOpen: 0 },
  ]);
  assert.deepEqual(
    seqs(state.views.general?.messages),
    page(10, 20).map((item) => item.seq),
  );
});

test('a window that reaches the live end keeps what arrived while it was asked for, and follows live messages', () => {
  const state = inGeneral([created(21), window(10, 20, false), created(22)]);
  assert.deepEqual(
    seqs(state.views.general?.messages),
    page(10, 22).map((item) => item.seq),
  );
  assert.equal(state.views.general?.hasNewer, false);
});

test('an edit reaches a held message too', () => {
  const state = inGeneral([
    window(10, 20, true),
    created(31),
    { type: 'message.updated', message: message({ id: 'm31', seq: 31, content: 'edited' }) },
  ]);
  assert.equal(state.views.general?.held[0]?.content, 'edited');
});
