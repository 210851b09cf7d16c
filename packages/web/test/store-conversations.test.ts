/** The conversation list's pages in the store: later pages add to it, and the first page read again updates it in place. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Conversation } from '@roundtable/protocol';
import { activityOf } from '../src/store/conversations.js';
import { initialState, reduce } from '../src/store/state.js';

function conversation(id: string, active_at: string, title = id): Conversation {
  return {
    id,
    title,
    owner: 'ada',
    agent: 'helper',
    created_at: '2025-01-01T00:00:00.000Z',
    active_at,
    updated_at: active_at,
    message_count: 1,
    unread: 0,
    last_message: null,
    preview: null,
  };
}

test('pages add up, and the first page loaded again keeps the cursor of the pages after it', () => {
  let state = initialState([]);
  assert.equal(state.conversationsNext, undefined, 'nothing loaded yet');
  state = reduce(state, {
    type: 'conversations.loaded',
    conversations: [conversation('c3', '2025-01-03'), conversation('c2', '2025-01-02')],
    next: 'after-c2',
    more: false,
  });
  assert.equal(state.conversationsNext, 'after-c2');
  state = reduce(state, {
    type: 'conversations.loaded',
    conversations: [conversation('c1', '2025-01-01')],
    next: null,
    more: true,
  });
  assert.deepEqual(Object.keys(state.conversations).sort(), ['c1', 'c2', 'c3']);
  assert.equal(state.conversationsNext, null, 'all loaded');

  // c1 has a new message: it heads the first page, read again.
  state = reduce(state, {
    type: 'conversations.loaded',
    conversations: [conversation('c1', '2025-01-04', 'c1 again'), conversation('c3', '2025-01-03')],
    next: 'after-c3',
    more: false,
  });
  assert.equal(state.conversationsNext, null, 'the later pages are still loaded');
  assert.equal(state.conversations.c1?.title, 'c1 again');
  assert.deepEqual(
    Object.values(state.conversations)
      .sort((a, b) => activityOf(b).localeCompare(activityOf(a)))
      .map((item) => item.id),
    ['c1', 'c3', 'c2'],
  );
});

test('a stored conversation without its activity time falls back to its last message, then its start', () => {
  const bare = { ...conversation('c', ''), active_at: undefined } as unknown as Conversation;
  assert.equal(activityOf(bare), '2025-01-01T00:00:00.000Z');
  assert.equal(
    activityOf({ ...bare, last_message: { id: 'm', sender: 'ada', excerpt: 'x', created_at: '2025-02-01' } }),
    '2025-02-01',
  );
  assert.equal(activityOf(undefined), '');
});
