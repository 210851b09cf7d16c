/** The room list reducer without a browser: unread and mention counts, read cursors, and what changes the list. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@roundtable/protocol';
import { alreadyCounted, isRead, roomTitle } from '../src/store/rooms.js';
import { reduce, type ChatState } from '../src/store/state.js';
import { message, room, signedIn } from './store-fixtures.js';

/** A message as the store counts it: reduced, then counted unless it is a replay. */
function arrive(state: ChatState, arrived: Message, watching = false): ChatState {
  const next = reduce(state, { type: 'message.created', message: arrived });
  return reduce(next, { type: 'message.counted', message: arrived, watching });
}

function general(state: ChatState) {
  return state.rooms.find((item) => item.id === 'general')!;
}

test("others' messages count as unread; one's own do not", () => {
  let state = signedIn([room({ id: 'general' })]);
  state = arrive(state, message({ id: 'm1', seq: 1, sender: 'bob' }));
  state = arrive(state, message({ id: 'm2', seq: 2, sender: 'ada' }));
  state = arrive(state, message({ id: 'm3', seq: 3, sender: 'cid' }));
  assert.equal(general(state).unread, 2);
  assert.equal(general(state).mentions, 0);
});

test('a message in the room the person is watching is not counted', () => {
  const state = arrive(signedIn([room({ id: 'general' })]), message({ id: 'm1', seq: 1 }), true);
  assert.equal(general(state).unread, 0);
});

test('a mention, a target or @all counts as a mention in a channel, not in a direct room', () => {
  let state = signedIn([room({ id: 'general' }), room({ id: 'dm', kind: 'direct', members: ['bob'] })]);
  state = arrive(state, message({ id: 'm1', seq: 1, mentions: ['ada'] }));
  state = arrive(state, message({ id: 'm2', seq: 2, targets: ['ada'] }));
  state = arrive(state, message({ id: 'm3', seq: 3, mention_all: true }));
  state = arrive(state, message({ id: 'm4', seq: 4, mentions: ['cid'] }));
  state = arrive(state, message({ id: 'd1', seq: 1, room: 'dm' }));
  assert.deepEqual([general(state).unread, general(state).mentions], [4, 3]);
  const dm = state.rooms.find((item) => item.id === 'dm')!;
  assert.deepEqual([dm.unread, dm.mentions], [1, 0]);
});

test("replays up to the hub's count are not counted twice; what comes after is", () => {
  let state = signedIn([room({ id: 'general', last_seq: 10, unread: 4 })]);
  for (const seq of [9, 10]) {
    const replay = message({ id: `m${seq}`, seq });
    assert.equal(alreadyCounted(state, replay), true);
    state = arrive(state, replay);
  }
  state = arrive(state, message({ id: 'm11', seq: 11 }));
  assert.equal(general(state).unread, 5);
});

test("a reconnect takes the hub's counts, except for the watched room, which starts at zero", () => {
  const state = signedIn(
    [room({ id: 'general' })],
    [
      {
        type: 'rooms.loaded',
        rooms: [room({ id: 'general', unread: 7, mentions: 1 }), room({ id: 'random', unread: 3, last_seq: 20 })],
        watched: 'general',
      },
    ],
  );
  assert.deepEqual([general(state).unread, general(state).mentions], [0, 0]);
  assert.equal(state.rooms.find((item) => item.id === 'random')?.unread, 3);
  assert.equal(state.countedTo.get('random'), 20);
});

test('opening a room clears its counts and keeps the read cursor it had for the unread divider', () => {
  let state = signedIn([room({ id: 'general', read_seq: 4, last_seq: 4 })]);
  state = arrive(state, message({ id: 'm5', seq: 5 }));
  state = reduce(state, { type: 'room.opened', room: 'general' });
  assert.equal(general(state).unread, 0);
  assert.equal(state.views.general?.readAtOpen, 4);
});

test('the read cursor only moves forward', () => {
  let state = signedIn([room({ id: 'general', read_seq: 5 })]);
  assert.equal(isRead(state.rooms, 'general', 5), true);
  assert.equal(isRead(state.rooms, 'general', 6), false);
  state = reduce(state, { type: 'room.read', room: 'general', seq: 8 });
  assert.equal(general(state).read_seq, 8);
  const back = reduce(state, { type: 'room.read', room: 'general', seq: 6 });
  assert.equal(back, state, 'an older cursor changes nothing');
  assert.equal(general(back).read_seq, 8);
});

test('the newest seq seen grows with events and loaded pages, never back', () => {
  let state = signedIn([room({ id: 'general', last_seq: 3 })]);
  assert.equal(state.seenTo.get('general'), 3);
  state = reduce(state, { type: 'room.seen', room: 'general', seq: 6 });
  state = reduce(state, { type: 'room.seen', room: 'general', seq: 5 });
  assert.equal(state.seenTo.get('general'), 6);
  state = reduce(state, {
    type: 'history.loaded',
    room: 'general',
    messages: [message({ id: 'm9', seq: 9 }), message({ id: 'm8', seq: 8, thread_id: 'm1' })],
    hasMore: false,
    readAtOpen: 0,
  });
  assert.equal(state.seenTo.get('general'), 9);
});

test("others joining and leaving change the member count; this member's own do not", () => {
  let state = signedIn([room({ id: 'general', member_count: 2 })]);
  state = reduce(state, { type: 'member.joined', room: 'general', member: 'cid' });
  state = reduce(state, { type: 'member.joined', room: 'general', member: 'dee' });
  state = reduce(state, { type: 'member.left', room: 'general', member: 'cid' });
  state = reduce(state, { type: 'member.joined', room: 'general', member: 'ada' });
  assert.equal(general(state).member_count, 3);
});

test('a room update merges into the room with its id; leaving removes the room', () => {
  let state = signedIn([room({ id: 'general', topic: 'old' }), room({ id: 'random' })]);
  state = reduce(state, { type: 'room.updated', room: { id: 'general', topic: 'new' } });
  state = reduce(state, { type: 'room.notify', room: 'general', notify: 'muted' });
  assert.deepEqual([general(state).topic, general(state).notify, general(state).name], ['new', 'muted', 'general']);
  state = reduce(state, { type: 'room.left', room: 'random' });
  assert.deepEqual(
    state.rooms.map((item) => item.id),
    ['general'],
  );
});

test('a deleted conversation leaves the room list, the loaded pages and the conversation list', () => {
  let state = signedIn([room({ id: 'c1', kind: 'conversation', title: 'Plans' }), room({ id: 'general' })]);
  state = reduce(state, {
    type: 'conversations.loaded',
    conversations: [
      {
        id: 'c1',
        title: 'Plans',
        owner: 'ada',
        agent: 'bot',
        created_at: '2025-01-01T00:00:00.000Z',
        active_at: '2025-01-01T00:00:00.000Z',
        updated_at: '2025-01-01T00:00:00.000Z',
        message_count: 1,
        unread: 0,
        last_message: null,
        preview: null,
      },
    ],
    next: null,
    more: false,
  });
  state = reduce(state, { type: 'room.opened', room: 'c1' });
  state = reduce(state, { type: 'conversation.deleted', id: 'c1' });
  assert.deepEqual(
    state.rooms.map((item) => item.id),
    ['general'],
  );
  assert.equal(state.views.c1, undefined);
  assert.deepEqual(state.conversations, {});
});

test('room titles: a channel by name, a direct room by its members, a conversation by its title', () => {
  assert.equal(roomTitle(room({ id: 'general' })), '#general');
  assert.equal(roomTitle(room({ id: 'dm', kind: 'direct', name: null, members: ['bob', 'cid'] })), '@bob, @cid');
  assert.equal(roomTitle(room({ id: 'c1', kind: 'conversation', title: '' })), 'Conversation');
});
