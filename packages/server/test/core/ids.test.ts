import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newId, newToken } from '../../src/core/ids.js';

test('ids drawn across many refills of the random pool are all distinct and keep their shape', () => {
  // 512 ids use up one pool: this spans several refills.
  const ids = Array.from({ length: 2_000 }, () => newId('msg'));
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^msg_[A-Za-z0-9_-]{12}$/);
});

test('a token carries 256 random bits of its own', () => {
  const tokens = [newToken(), newToken()];
  for (const token of tokens) assert.match(token, /^rt_[A-Za-z0-9_-]{43}$/);
  assert.notEqual(tokens[0], tokens[1]);
});
