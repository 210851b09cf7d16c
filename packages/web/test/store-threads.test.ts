/** The thread reducer without a browser: replies in an open thread, and the reply count its root shows everywhere. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reduce } from '../src/store/state.js';
import { inGeneral, message, seqs } from './store-fixtures.js';

const root = message({ id: 'r', seq: 1 });
const reply = (seq: number, fields = {}) => message({ id: `reply${seq}`, seq, thread_id: 'r', ...fields });

test('each new reply counts once on the root, in the room list and in the open thread', () => {
  const state = inGeneral([
    { type: 'message.created', message: root },
    { type: 'thread.opened', root },
    { type: 'message.created', message: reply(2) },
    { type: 'message.created', message: reply(3) },
  ]);
  assert.equal(state.views.general?.messages[0]?.reply_count, 2);
  assert.equal(state.views.general?.messages[0]?.last_reply_at, reply(3).created_at);
  assert.equal(state.threads.r?.root?.reply_count, 2);
  assert.deepEqual(seqs(state.threads.r?.replies), [2, 3]);
  assert.deepEqual(seqs(state.views.general?.messages), [1], 'replies stay out of the room list');
});

test('a replayed reply, or one both acked and delivered, is not counted again', () => {
  const state = inGeneral([
    { type: 'message.created', message: root },
    { type: 'thread.opened', root },
    { type: 'message.acked', message: reply(2, { sender: 'ada' }), clientId: 'web-1' },
    { type: 'message.created', message: reply(2, { sender: 'ada' }) },
    { type: 'message.created', message: reply(2, { sender: 'ada' }) },
  ]);
  assert.equal(state.views.general?.messages[0]?.reply_count, 1);
  assert.deepEqual(seqs(state.threads.r?.replies), [2]);
});

test("the ack of one's own reply does not undo an edit its event and the edit brought to the open thread", () => {
  const mine = reply(2, { sender: 'ada', content: 'typo' });
  const state = inGeneral([
    { type: 'message.created', message: root },
    { type: 'thread.opened', root },
    { type: 'message.created', message: mine },
    { type: 'message.updated', message: { ...mine, content: 'fixed' } },
    { type: 'message.acked', message: mine, clientId: 'web-1' },
  ]);
  assert.deepEqual(
    state.threads.r?.replies.map((item) => item.content),
    ['fixed'],
  );
  assert.equal(state.views.general?.messages[0]?.reply_count, 1);
});

test('a root that already counts earlier replies (from history) counts only newer ones', () => {
  const counted = { ...root, reply_count: 4, last_reply_at: reply(5).created_at };
  const state = inGeneral([
    { type: 'message.created', message: counted },
    { type: 'message.created', message: reply(4) },
    { type: 'message.created', message: reply(6) },
  ]);
  assert.equal(state.views.general?.messages[0]?.reply_count, 5);
});

test("the ack of one's own reply waits for its event when the thread is not open", () => {
  const acked = inGeneral([
    { type: 'message.created', message: root },
    { type: 'message.acked', message: reply(2), clientId: 'web-1' },
  ]);
  assert.equal(acked.views.general?.messages[0]?.reply_count, 0);
  assert.equal(acked.threads.r, undefined);
  const delivered = reduce(acked, { type: 'message.created', message: reply(2) });
  assert.equal(delivered.views.general?.messages[0]?.reply_count, 1);
});

test('a loaded thread merges its history with replies that came live, in seq order', () => {
  const opened = inGeneral([
    { type: 'message.created', message: root },
    { type: 'thread.opened', root },
    { type: 'message.created', message: reply(9) },
  ]);
  assert.equal(opened.threads.r?.loaded, false);
  const loaded = reduce(opened, { type: 'thread.loaded', root: 'r', replies: [reply(3), reply(5), reply(9)] });
  assert.equal(loaded.threads.r?.loaded, true);
  assert.deepEqual(seqs(loaded.threads.r?.replies), [3, 5, 9]);
});

test('a reply is edited and deleted inside its thread', () => {
  const state = inGeneral([
    { type: 'message.created', message: root },
    { type: 'thread.opened', root },
    { type: 'message.created', message: reply(2) },
    { type: 'message.updated', message: reply(2, { content: 'better' }) },
    { type: 'message.created', message: reply(3) },
    { type: 'message.deleted', room: 'general', id: 'reply3' },
  ]);
  assert.deepEqual(
    state.threads.r?.replies.map((item) => [item.content, item.deleted]),
    [
      ['better', false],
      ['', true],
    ],
  );
});
