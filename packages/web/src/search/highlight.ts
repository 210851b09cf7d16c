/**
 * Search snippets: the part of a message around the first word searched for, cut into plain and
 * matched pieces. The pieces are text for React to render (matched ones in <mark>): stored text
 * never becomes markup.
 */

/** The words of a search as the hub reads them: letters, digits and `_`, lowercased, two or more (or a number). */
export function searchWords(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  return [...new Set(words.filter((word) => word.length > 1 || /\p{N}/u.test(word)))].slice(0, 16);
}

export interface Piece {
  text: string;
  match: boolean;
}

function escapeRegExp(word: string): string {
  return word.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * At most `size` characters of `content` around its first whole-word match (the start when none
 * matches), whitespace folded, with `…` where it was cut, as pieces with each match marked.
 */
export function snippet(content: string, words: string[], size = 220): Piece[] {
  const flat = content.replace(/\s+/g, ' ').trim();
  if (words.length === 0) return [{ text: cut(flat, 0, size), match: false }];
  // Whole words only, as the hub matches them: `log` must not light up inside `catalog`.
  const pattern = new RegExp(`(?<![\\p{L}\\p{N}_])(?:${words.map(escapeRegExp).join('|')})(?![\\p{L}\\p{N}_])`, 'giu');
  const first = pattern.exec(flat)?.index ?? 0;
  const start = first < size / 3 ? 0 : first - Math.floor(size / 3);
  const shown = flat.slice(start, start + size);
  const pieces: Piece[] = [];
  if (start > 0) pieces.push({ text: '…', match: false });
  let at = 0;
  pattern.lastIndex = 0;
  for (const found of shown.matchAll(pattern)) {
    if (found.index > at) pieces.push({ text: shown.slice(at, found.index), match: false });
    pieces.push({ text: found[0], match: true });
    at = found.index + found[0].length;
  }
  if (at < shown.length) pieces.push({ text: shown.slice(at), match: false });
  if (start + size < flat.length) pieces.push({ text: '…', match: false });
  return pieces;
}

function cut(text: string, start: number, size: number): string {
  return text.length > start + size ? `${text.slice(start, start + size)}…` : text.slice(start);
}
