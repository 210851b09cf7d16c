/**
 * Nesting bounds for untrusted JSON, checked on the text before anything parses or walks it: a
 * recursive walker (JSON.stringify, a schema compiler, a renderer) overflows its stack somewhere
 * between 3,000 and 10,000 levels, and a 10 KB frame reaches 5,000.
 */
import { Limits } from './limits.js';

const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * Whether JSON text nests objects and arrays deeper than `maxDepth` (the outermost value is level 1).
 * One pass without allocation; text that is not JSON is judged only by its brackets outside
 * strings, and left for the parser to refuse.
 */
export function jsonTooDeep(text: string, maxDepth: number = Limits.maxJsonDepth): boolean {
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code === QUOTE) {
      const end = closingQuote(text, index);
      if (end === -1) return false;
      index = end;
    } else if (code === OPEN_OBJECT || code === OPEN_ARRAY) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (code === CLOSE_OBJECT || code === CLOSE_ARRAY) {
      depth -= 1;
    }
  }
  return false;
}

/**
 * The index of the quote that ends the string opened at `open`, or -1. Strings are most of a
 * frame's text, so they are crossed with indexOf rather than character by character; a quote
 * preceded by an odd run of backslashes is escaped.
 */
export function closingQuote(text: string, open: number): number {
  let end = text.indexOf('"', open + 1);
  while (end !== -1) {
    let backslashes = 0;
    while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
  return -1;
}

/**
 * Whether a value already in memory (read from a file, a database row, another library) nests
 * deeper than `maxDepth`. Walks with its own stack, never recursion, and stops at the first level
 * too deep, so a hostile value costs at most its size.
 */
export function valueTooDeep(value: unknown, maxDepth: number = Limits.maxJsonDepth): boolean {
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop()!;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > maxDepth) return true;
    const children = Array.isArray(current) ? current : Object.values(current);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}
