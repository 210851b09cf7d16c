/** The presence and member-list reducers without a browser: who is online, and how far each member has read. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomMember } from '@roundtable/protocol';
import { reduce } from '../src/store/state.js';
import { after } from './store-fixtures.js';

function roomMember(handle: string, fields: Partial<RoomMember> = {}): RoomMember {
  return {
    member: handle,
    kind: 'person',
    display_name: handle,
    role: 'member',
    joined_at: '2025-01-01T00:00:00.000Z',
    read_seq: 0,
    notify: 'all',
    listen: 'addressed',
    presence: 'offline',
    ...fields,
  };
}

test('a loaded member list sets presence, and later presence frames change it', () => {
  const state = after([
    {
      type: 'members.loaded',
      room: 'general',
      members: [roomMember('bob', { presence: 'online' }), roomMember('cid')],
    },
    { type: 'presence', member: 'cid', status: 'away' },
    { type: 'presence', member: 'dee', status: 'online' },
  ]);
  assert.deepEqual(state.presence, { bob: 'online', cid: 'away', dee: 'online' });
  assert.deepEqual(
    state.members.general?.map((item) => item.member),
    ['bob', 'cid'],
  );
});

test("read receipts move a member's cursor forward only, and only in a loaded member list", () => {
  let state = after([{ type: 'members.loaded', room: 'general', members: [roomMember('bob'), roomMember('cid')] }]);
  state = reduce(state, { type: 'member.read', room: 'general', member: 'bob', seq: 9 });
  state = reduce(state, { type: 'member.read', room: 'general', member: 'bob', seq: 4 });
  assert.deepEqual(
    state.members.general?.map((item) => item.read_seq),
    [9, 0],
  );
  const elsewhere = reduce(state, { type: 'member.read', room: 'random', member: 'bob', seq: 3 });
  assert.equal(elsewhere, state);
});
