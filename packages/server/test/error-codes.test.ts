/**
 * Every code of the error registry provoked at least once through a real transport, with its
 * HTTP status and close code; docs/errors.md checked against the registry; and, after each bad
 * input, proof that nothing was stored and that other clients are still served.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CloseCode, ERRORS, ERROR_CODES } from '@roundtable/protocol';
import { observed } from './error-codes/helpers.js';
// Each area registers its tests as it is imported. They share `observed` only within one process, and node runs
// every test file in a process of its own, so the areas are modules of this file rather than test files.
import './error-codes/input.js';
import './error-codes/resources.js';
import './error-codes/access.js';
import './error-codes/limits.js';
import './error-codes/failures.js';

const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

test('the error table of docs/errors.md lists exactly the codes of the registry, with their statuses', () => {
  const rows = [...docs.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map(
    (match) => [match[1]!, Number(match[2])] as const,
  );
  assert.equal(new Set(rows.map(([code]) => code)).size, rows.length, 'a code is listed twice');
  assert.deepEqual(
    Object.fromEntries(rows),
    Object.fromEntries(Object.entries(ERRORS).map(([code, spec]) => [code, spec.status])),
  );
});

test('the close-code table of docs/errors.md lists exactly the codes of CloseCode', () => {
  const rows = [...docs.matchAll(/^\| (\d{4}) \| (\w+) \|/gm)].map((match) => [match[2]!, Number(match[1])] as const);
  assert.equal(new Set(rows.map(([name]) => name)).size, rows.length, 'a close code is listed twice');
  assert.deepEqual(Object.fromEntries(rows), { ...CloseCode });
});

test('every code in the error registry was provoked by a test of this file', () => {
  assert.deepEqual([...observed].sort(), [...ERROR_CODES].sort());
});
