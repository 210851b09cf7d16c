import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@roundtable/protocol';
import { SettledMembers } from '../../src/core/receipt-hints.js';

function seen(room: string, fields: Partial<Message> = {}): Message {
  return { room, mentions: [], targets: [], mention_all: false, thread_id: null, ...fields } as Message;
}

test('a member found with nothing open is settled, unless a message naming them was seen while looking', () => {
  const hints = new SettledMembers();
  const ada = hints.checking('r1', 'ada');
  hints.settle('r1', 'ada', ada);
  assert.equal(hints.has('r1', 'ada'), true);
  assert.equal(hints.has('r2', 'ada'), false, 'per room');

  const bob = hints.checking('r1', 'bob');
  hints.messageSeen(seen('r1', { mentions: ['bob'] }), 'public');
  hints.settle('r1', 'bob', bob);
  assert.equal(hints.has('r1', 'bob'), false, 'a look-up overtaken by a message naming them does not count');
});

test('messages naming others leave a look-up standing: a busy room still settles its quiet senders', () => {
  const hints = new SettledMembers();
  const ada = hints.checking('r1', 'ada');
  for (let i = 0; i < 5; i++) hints.messageSeen(seen('r1', { mentions: ['bob'] }), 'public');
  hints.settle('r1', 'ada', ada);
  assert.equal(hints.has('r1', 'ada'), true);
});

test('a message that may address anyone unsettles the whole room, and an older look-up never overrides a newer one', () => {
  const hints = new SettledMembers();
  for (const handle of ['ada', 'bob']) hints.settle('r1', handle, hints.checking('r1', handle));
  hints.messageSeen(seen('r1', { mentions: ['ada'] }), 'public');
  assert.deepEqual([hints.has('r1', 'ada'), hints.has('r1', 'bob')], [false, true], 'a mention unsettles the named');
  hints.messageSeen(seen('r1', { mention_all: true }), 'public');
  assert.equal(hints.has('r1', 'bob'), false, '@all unsettles everyone');
  hints.settle('r1', 'bob', hints.checking('r1', 'bob'));
  hints.messageSeen(seen('r1', { thread_id: 'msg_x' }), 'public');
  assert.equal(hints.has('r1', 'bob'), false, 'so does a thread reply');

  const older = hints.checking('r1', 'ada');
  const newer = hints.checking('r1', 'ada');
  hints.settle('r1', 'ada', older);
  assert.equal(hints.has('r1', 'ada'), false, 'only the latest look-up counts');
  hints.settle('r1', 'ada', newer);
  assert.equal(hints.has('r1', 'ada'), true);
  hints.messageSeen(seen('r1'), 'direct');
  assert.equal(hints.has('r1', 'ada'), false, 'any message of a direct room may address anyone');
});
