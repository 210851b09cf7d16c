/** Search snippets without a browser: which words are marked, where the text is cut, and that nothing is read as a pattern. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { searchWords, snippet } from '../src/search/highlight.js';

const marked = (pieces: Array<{ text: string; match: boolean }>) =>
  pieces.filter((piece) => piece.match).map((piece) => piece.text);

test('the words of a search are read as the hub reads them', () => {
  assert.deepEqual(searchWords('Deploy, deploy! a 7 (build)'), ['deploy', '7', 'build']);
  assert.deepEqual(searchWords('?! ...'), []);
});

test('whole words are marked in any case, never inside a longer word', () => {
  const pieces = snippet('Log the catalog: LOG again', ['log']);
  assert.deepEqual(marked(pieces), ['Log', 'LOG']);
  assert.equal(pieces.map((piece) => piece.text).join(''), 'Log the catalog: LOG again');
});

test('a long message is cut around its first match, with … where it was cut', () => {
  const content = `${'early words '.repeat(40)}the needle is here ${'later words '.repeat(40)}`;
  const pieces = snippet(content, ['needle'], 100);
  const shown = pieces.map((piece) => piece.text).join('');
  assert.ok(shown.startsWith('…') && shown.endsWith('…'));
  assert.ok(shown.length <= 102);
  assert.deepEqual(marked(pieces), ['needle']);
});

test('characters that mean something in a pattern are matched as themselves', () => {
  assert.deepEqual(marked(snippet('a+b (c) [d] e.f', ['b', 'c', 'd'])), ['b', 'c', 'd']);
  assert.deepEqual(marked(snippet('nothing here', ['.*'])), []);
});
