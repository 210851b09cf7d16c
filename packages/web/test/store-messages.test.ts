/** The message reducer without a browser: a room's page in seq order, each message once, and changes wherever a message is loaded. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventAction } from '../src/store/dispatch.js';
import { reactionsOf } from '../src/store/messages.js';
import { reduce } from '../src/store/state.js';
import { event, inGeneral, message, seqs, signedIn, room } from './store-fixtures.js';

const created = (seq: number, fields = {}) => ({
  type: 'message.created' as const,
  message: message({ id: `m${seq}`, seq, ...fields }),
});

test('live messages arriving out of order are kept in seq order', () => {
  const state = inGeneral([created(3), created(1), created(2), created(5), created(4)]);
  assert.deepEqual(seqs(state.views.general?.messages), [1, 2, 3, 4, 5]);
});

test('the same event delivered twice leaves one message, the later copy', () => {
  const state = inGeneral([created(1), created(2, { content: 'first copy' }), created(2, { content: 'second copy' })]);
  assert.deepEqual(seqs(state.views.general?.messages), [1, 2]);
  assert.equal(state.views.general?.messages[1]?.content, 'second copy');
});

test('a history page overlapping live events is merged without doubles, in seq order', () => {
  const state = signedIn(
    [room({ id: 'general' })],
    [
      { type: 'room.opened', room: 'general' },
      created(9),
      created(10),
      {
        type: 'history.loaded',
        room: 'general',
        messages: [8, 9, 10].map((seq) => message({ id: `m${seq}`, seq, content: 'from history' })),
        hasMore: true,
        readAtOpen: 0,
      },
    ],
  );
  const view = state.views.general!;
  assert.deepEqual(seqs(view.messages), [8, 9, 10]);
  assert.equal(view.messages[1]?.content, 'message m9', 'what came live is kept over the page copy');
  assert.equal(view.loaded, true);
  assert.equal(view.hasMore, true);
});

test('a history page leaves thread replies out of the room list', () => {
  const state = signedIn(
    [room({ id: 'general' })],
    [
      { type: 'room.opened', room: 'general' },
      {
        type: 'history.loaded',
        room: 'general',
        messages: [message({ id: 'm1', seq: 1 }), message({ id: 'm2', seq: 2, thread_id: 'm1' })],
        hasMore: false,
        readAtOpen: 0,
      },
    ],
  );
  assert.deepEqual(seqs(state.views.general?.messages), [1]);
});

test('an older page goes before what is loaded and clears the loading flag', () => {
  const state = inGeneral([created(51), created(52), { type: 'older.loading', room: 'general' }]);
  assert.equal(state.views.general?.loadingOlder, true);
  const older = reduce(state, {
    type: 'older.loaded',
    room: 'general',
    messages: [49, 50, 51].map((seq) => message({ id: `m${seq}`, seq })),
    hasMore: false,
  });
  assert.deepEqual(seqs(older.views.general?.messages), [49, 50, 51, 52]);
  assert.equal(older.views.general?.loadingOlder, false);
  assert.equal(older.views.general?.hasMore, false);
  const failed = reduce(state, { type: 'older.failed', room: 'general' });
  assert.equal(failed.views.general?.loadingOlder, false);
  assert.deepEqual(seqs(failed.views.general?.messages), [51, 52], 'a failed page changes no message');
});

test('a message for a room that is not open is not kept, and creates no page for it', () => {
  const state = inGeneral([created(1, { room: 'random' })]);
  assert.equal(state.views.random, undefined);
  assert.deepEqual(seqs(state.views.general?.messages), []);
});

test("the ack of one's own message adds it, but never replaces the copy its event (and an edit) brought", () => {
  const sent = message({ id: 'm1', seq: 1, sender: 'ada', content: 'typo' });
  const ackFirst = inGeneral([{ type: 'message.acked', message: sent, clientId: 'web-1' }]);
  assert.deepEqual(seqs(ackFirst.views.general?.messages), [1], 'the ack alone shows the message');
  const edited = { ...sent, content: 'fixed', edited_at: '2025-01-01T00:01:00.000Z' };
  const eventFirst = inGeneral([
    { type: 'message.created', message: sent },
    { type: 'message.updated', message: edited },
    { type: 'message.acked', message: sent, clientId: 'web-1' },
  ]);
  assert.equal(eventFirst.views.general?.messages.length, 1);
  assert.equal(eventFirst.views.general?.messages[0]?.content, 'fixed');
});

test('a deleted message keeps its place but loses its text and parts', () => {
  const state = inGeneral([
    created(1),
    created(2, { content: 'secret' }),
    { type: 'message.deleted', room: 'general', id: 'm2' },
  ]);
  const deleted = state.views.general!.messages[1]!;
  assert.equal(deleted.deleted, true);
  assert.equal(deleted.content, '');
  assert.deepEqual(deleted.parts, []);
  assert.deepEqual(seqs(state.views.general?.messages), [1, 2]);
});

test('reactions count each member once and disappear at zero', () => {
  const react = (member: string, added: boolean) =>
    ({ type: 'reaction', room: 'general', id: 'm1', emoji: '👍', member, added }) as const;
  const state = inGeneral([created(1), react('bob', true), react('bob', true), react('cid', true)]);
  assert.deepEqual(reactionsOf(state.views.general!.messages[0]!), [
    { emoji: '👍', members: ['bob', 'cid'], count: 2 },
  ]);
  const gone = [react('bob', false), react('cid', false), react('cid', false)].reduce(reduce, state);
  assert.deepEqual(gone.views.general!.messages[0]!.reactions, []);
});

test('an edit reaches the message in the room list and in an open thread whose root it is', () => {
  const root = message({ id: 'm1', seq: 1 });
  const state = inGeneral([
    { type: 'message.created', message: root },
    { type: 'thread.opened', root },
    { type: 'message.updated', message: { ...root, content: 'edited' } },
  ]);
  assert.equal(state.views.general?.messages[0]?.content, 'edited');
  assert.equal(state.threads.m1?.root?.content, 'edited');
});

test('leaving a room, or being removed from it elsewhere, drops its loaded page', () => {
  const left = reduce(inGeneral([created(1)]), { type: 'room.left', room: 'general' });
  assert.equal(left.views.general, undefined);
  const removed = reduce(inGeneral([created(1)]), { type: 'member.left', room: 'general', member: 'ada' });
  assert.equal(removed.views.general, undefined);
  const other = reduce(inGeneral([created(1)]), { type: 'member.left', room: 'general', member: 'bob' });
  assert.deepEqual(seqs(other.views.general?.messages), [1], "someone else leaving keeps this page's messages");
});

test('reopening a loaded room keeps its page; reopening one still loading starts it again', () => {
  const loaded = reduce(inGeneral([created(1)]), { type: 'room.opened', room: 'general' });
  assert.deepEqual(seqs(loaded.views.general?.messages), [1]);
  assert.equal(loaded.views.general?.loaded, true);
  const loading = signedIn(
    [room({ id: 'general' })],
    [{ type: 'room.opened', room: 'general' }, created(1), { type: 'room.opened', room: 'general' }],
  );
  assert.deepEqual(seqs(loading.views.general?.messages), []);
  assert.equal(loading.views.general?.loaded, false);
});

test('an event whose message lacks an id, a room or a seq changes nothing', () => {
  const state = inGeneral([created(1)]);
  for (const data of [
    { room: 'general', seq: 2 },
    { id: 'm2', seq: 2 },
    { id: 'm2', room: 'general', seq: 'two' },
  ]) {
    assert.equal(eventAction(event('message.created', data, 2)), undefined, JSON.stringify(data));
  }
  const valid = eventAction(event('message.created', message({ id: 'm2', seq: 2 }), 2));
  assert.deepEqual(seqs(reduce(state, valid!).views.general?.messages), [1, 2]);
});
