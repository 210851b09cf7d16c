/** The stream reducer without a browser: deltas by index, holes the text stops at, and a streaming message's parts. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessagePart } from '@roundtable/protocol';
import { reduce } from '../src/store/state.js';
import { followsGap, streamedText } from '../src/store/streams.js';
import { after, inGeneral, message } from './store-fixtures.js';

const delta = (index: number, text: string, id = 's1') =>
  ({ type: 'stream.delta', message: id, index, delta: text }) as const;
const streaming = message({ id: 's1', seq: 1, status: 'streaming', content: '' });

test('deltas arriving out of order are read in index order', () => {
  const state = after([delta(2, 'c'), delta(0, 'a'), delta(1, 'b')]);
  assert.equal(streamedText(streaming, state.streams.s1), 'abc');
});

test('a delta received twice keeps the first, and changes nothing', () => {
  const once = after([delta(0, 'a')]);
  const twice = reduce(once, delta(0, 'different'));
  assert.equal(twice, once);
  assert.equal(streamedText(streaming, twice.streams.s1), 'a');
});

test('the text stops at a hole until the missing delta comes', () => {
  const holed = after([delta(0, 'a'), delta(2, 'c')]);
  assert.equal(streamedText(streaming, holed.streams.s1), 'a');
  assert.equal(followsGap(holed.streams.s1, 2), true);
  const filled = reduce(holed, delta(1, 'b'));
  assert.equal(streamedText(streaming, filled.streams.s1), 'abc');
  assert.equal(followsGap(filled.streams.s1, 2), false);
});

test('a delta for a stream never seen before starts it, and one past its start is a gap', () => {
  const state = after([delta(3, 'd', 'late')]);
  assert.equal(state.streams.late?.[3], 'd');
  assert.equal(followsGap(state.streams.late, 3), true);
  assert.equal(followsGap(state.streams.late, 0), false, 'the first delta follows nothing');
  const late = message({ id: 'late', seq: 2, status: 'streaming', content: 'abc', metadata: { stream_deltas: 3 } });
  assert.equal(streamedText(late, state.streams.late), 'abcd', 'a snapshot holding deltas 0-2 bridges the gap');
});

test('deltas the snapshot already holds are not shown twice', () => {
  const state = after([delta(0, 'a'), delta(1, 'b'), delta(2, 'c')]);
  const snapshot = message({ id: 's1', seq: 1, status: 'streaming', content: 'ab', metadata: { stream_deltas: 2 } });
  assert.equal(streamedText(snapshot, state.streams.s1), 'abc');
});

test('a finished message shows its content, and its deltas are let go', () => {
  const state = inGeneral([{ type: 'message.created', message: streaming }, delta(0, 'par'), delta(1, 'tial')]);
  const done = { ...streaming, status: 'complete' as const, content: 'final' };
  const finished = reduce(state, { type: 'message.updated', message: done });
  assert.equal(finished.streams.s1, undefined);
  assert.equal(streamedText(done, state.streams.s1), 'final');
  const stillStreaming = reduce(state, { type: 'message.updated', message: { ...streaming, content: 'par' } });
  assert.deepEqual(stillStreaming.streams.s1, ['par', 'tial']);
});

test('a tool call part replaces the one with its id, others come last; a finished message takes none', () => {
  const part = (id: string, status: 'running' | 'ok'): MessagePart => ({
    type: 'tool_call',
    id,
    name: 'search',
    status,
  });
  const onS1 = (value: MessagePart) => ({ type: 'stream.part', room: 'general', message: 's1', part: value }) as const;
  const state = inGeneral([
    { type: 'message.created', message: streaming },
    onS1(part('t1', 'running')),
    onS1(part('t2', 'running')),
    onS1(part('t1', 'ok')),
  ]);
  assert.deepEqual(
    state.views.general?.messages[0]?.parts.map((item) => [item.id, item.status]),
    [
      ['t1', 'ok'],
      ['t2', 'running'],
    ],
  );
  const done = reduce(state, { type: 'message.updated', message: { ...streaming, status: 'complete' } });
  const late = reduce(done, onS1(part('t3', 'ok')));
  assert.deepEqual(late.views.general?.messages[0]?.parts, []);
});
