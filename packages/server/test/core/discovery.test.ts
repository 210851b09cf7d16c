import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MembersListParams, type Member } from '@roundtable/protocol';
import { memberMatcher } from '../../src/core/discovery.js';

const member = (handle: string, extra: Partial<Member> = {}): Member => ({
  id: `m_${handle}`,
  handle,
  display_name: handle,
  kind: 'agent',
  role: 'member',
  description: '',
  capabilities: [],
  disabled: false,
  created_at: '2030-01-01T00:00:00.000Z',
  presence: 'offline',
  ...extra,
});

const everyone = [
  member('ada', { kind: 'person', display_name: 'Ada Lovelace', presence: 'online' }),
  member('coder', { description: 'Writes TypeScript', capabilities: ['code'], presence: 'online' }),
  member('critic', { display_name: 'The Critic', capabilities: ['review'], presence: 'away' }),
  member('idle'),
];

const found = (filter: object) =>
  everyone.filter(memberMatcher(MembersListParams.parse(filter))).map((entry) => entry.handle);

test('every filter given narrows the members found; empty text filters nothing', () => {
  assert.deepEqual(found({}), ['ada', 'coder', 'critic', 'idle']);
  assert.deepEqual(found({ kind: 'agent' }), ['coder', 'critic', 'idle']);
  assert.deepEqual(found({ q: 'lovelace' }), ['ada'], 'the display name, any case');
  assert.deepEqual(found({ q: 'typescript' }), ['coder'], 'the description');
  assert.deepEqual(found({ q: 'CRIT' }), ['critic'], 'the handle');
  assert.deepEqual(found({ capability: 'review' }), ['critic']);
  assert.deepEqual(found({ status: 'online', kind: 'agent' }), ['coder']);
  assert.deepEqual(found({ status: 'offline' }), ['idle']);
  assert.deepEqual(found({ q: '  ', capability: '', kind: 'agent', status: 'away' }), ['critic']);
  assert.deepEqual(found({ q: 'nobody' }), []);
});
