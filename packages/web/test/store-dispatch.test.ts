/** Events as the store reads them, without a browser: hostile or partial data becomes no action, or a checked one. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EventKind } from '@roundtable/protocol';
import { eventAction, taskMoveOf } from '../src/store/dispatch.js';
import { shouldNotify, notificationOf } from '../src/store/notifications.js';
import { event, message, room } from './store-fixtures.js';

test('events missing what identifies their subject become no action', () => {
  const broken: Array<[EventKind, Record<string, unknown>]> = [
    ['message.deleted', { id: { nested: true } }],
    ['reaction.added', { message_id: 'm1', emoji: ['👍'], member: 'bob' }],
    ['member.joined', {}],
    ['task.updated', { task: { id: 't1', version: 'newest' } }],
    ['task.created', { task: 'not a task' }],
    ['task.deleted', { id: null }],
    ['room.updated', { room: { topic: 'no id' } }],
  ];
  for (const [kind, data] of broken)
    assert.equal(eventAction(event(kind, data)), undefined, `${kind} ${JSON.stringify(data)}`);
});

test('well-formed events become the actions the reducers take', () => {
  assert.deepEqual(eventAction(event('reaction.removed', { message_id: 'm1', emoji: '👍', member: 'bob' })), {
    type: 'reaction',
    room: 'general',
    id: 'm1',
    emoji: '👍',
    member: 'bob',
    added: false,
  });
  assert.deepEqual(eventAction(event('member.left', { member: 'cid' })), {
    type: 'member.left',
    room: 'general',
    member: 'cid',
  });
  const created = eventAction(event('message.created', message({ id: 'm1', seq: 1 })));
  assert.equal(created?.type, 'message.created');
  assert.deepEqual(eventAction(event('task.updated', { task: { id: 7, version: 2 } })), {
    type: 'task.changed',
    id: '7',
    version: 2,
    task: { id: 7, version: 2 },
  });
});

test("a task's moves are read from its own events only, with missing fields shown empty", () => {
  const moves = [
    event('task.updated', { task: { id: 't1' }, action: 'claim', from: 'open', to: 'claimed' }, 3),
    event('task.updated', { task: { id: 't2' }, action: 'claim', from: 'open', to: 'claimed' }, 4),
    event('message.created', { task: { id: 't1' } }, 5),
    event('task.updated', { task: { id: 't1' }, action: 42, to: { bad: true } }, 6),
  ].flatMap((item) => taskMoveOf(item, 't1') ?? []);
  assert.deepEqual(
    moves.map((move) => [move.seq, move.action, move.from, move.to]),
    [
      [3, 'claim', 'open', 'claimed'],
      [6, '42', null, ''],
    ],
  );
});

test('notifications: never for one\'s own message or a muted room; "mentions" only when addressed', () => {
  const general = room({ id: 'general' });
  const plain = message({ id: 'm1', seq: 1, sender: 'bob' });
  const mention = message({ id: 'm2', seq: 2, sender: 'bob', mentions: ['ada'], content: 'x'.repeat(300) });
  assert.equal(shouldNotify('all', plain, 'ada', general), true);
  assert.equal(shouldNotify('all', { ...plain, sender: 'ada' }, 'ada', general), false);
  assert.equal(shouldNotify('muted', mention, 'ada', general), false);
  assert.equal(shouldNotify('mentions', plain, 'ada', general), false);
  assert.equal(shouldNotify('mentions', mention, 'ada', general), true);
  assert.equal(shouldNotify('mentions', plain, 'ada', room({ id: 'dm', kind: 'direct' })), true);
  const shown = notificationOf(mention, general);
  assert.equal(shown.title, 'bob (#general)');
  assert.equal(shown.body.length, 200);
  assert.equal(notificationOf(plain, room({ id: 'dm', kind: 'direct' })).title, 'bob (direct message)');
});
