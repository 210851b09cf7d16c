/** What a reload finds in the browser's storage is untrusted: only whole items come back, and nothing breaks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { draftsFrom, outboxFrom, type Outgoing } from '../src/session.js';

const whole: Outgoing = {
  client_id: 'c1',
  member: 'ada',
  room: 'r_1',
  content: 'hello',
  created_at: '2030-01-01T00:00:00.000Z',
};

test('the outbox keeps whole items, with their optional thread and failure, and drops the rest', () => {
  const kept = outboxFrom([
    whole,
    { ...whole, client_id: 'c2', thread_id: 'msg_1', failed: 'rate_limited' },
    { ...whole, client_id: 'c3', content: { not: 'text' } },
    { ...whole, client_id: 'c4', thread_id: 7 },
    { ...whole, client_id: '' },
    { client_id: 'c5' },
    null,
    'text',
    [whole],
  ]);
  assert.deepEqual(kept, [whole, { ...whole, client_id: 'c2', thread_id: 'msg_1', failed: 'rate_limited' }]);
  assert.deepEqual(outboxFrom([{ ...whole, failed: 42 }]), [whole], 'a failure that is not text is not shown');
  assert.deepEqual(
    outboxFrom([
      { ...whole, action: true },
      { ...whole, client_id: 'c6', action: 'yes' },
    ]),
    [
      { ...whole, action: true },
      { ...whole, client_id: 'c6' },
    ],
    'a /me message stays one; anything but true is a plain message',
  );
});

test('an outbox that is not a list is empty', () => {
  for (const saved of [undefined, null, 'x', 42, { 0: whole }]) assert.deepEqual(outboxFrom(saved), []);
});

test('drafts keep only text by room', () => {
  assert.deepEqual(draftsFrom({ r_1: 'half a thought', r_2: 3, r_3: { a: 1 }, 'thread:m': '' }), {
    r_1: 'half a thought',
    'thread:m': '',
  });
  for (const saved of [undefined, null, ['a'], 'x']) assert.deepEqual(draftsFrom(saved), {});
});
