/**
 * The one JSON parser for what clients send (WebSocket frames, REST, simple-endpoint and MCP
 * bodies): nesting is bounded on the text before the parse, and keys that could reach an object's
 * prototype are refused, so no later walk (a schema, JSON.stringify, a compiler) meets a hostile shape.
 */
import secureJson from 'secure-json-parse';
import { closingQuote, jsonTooDeep, Limits } from '@roundtable/protocol';
import { HubError } from '../core/hub-error.js';

const FORBIDDEN_KEYS = 'Keys named "__proto__", and "constructor" holding "prototype", are not accepted.';
const UNSTORABLE = 'Text may not contain NUL characters or unpaired surrogates.';
/** The escapes that can put a NUL or half a surrogate pair into a parsed string: raw ones cannot come out of UTF-8. */
const SUSPECT_ESCAPE = /\\u(?:0000|[dD][89a-fA-F])/;
/** A NUL, or a surrogate without its other half. */
// eslint-disable-next-line no-control-regex -- finding the NUL character is this pattern's purpose.
const UNSTORABLE_TEXT = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export function parseUntrusted(text: string): unknown {
  if (jsonTooDeep(text)) {
    throw new HubError('nesting_too_deep', `Objects and arrays nest at most ${Limits.maxJsonDepth} levels deep.`);
  }
  let value: unknown;
  try {
    value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    // secure-json-parse refuses prototype keys with a SyntaxError of its own words; JSON.parse's say where the text broke.
    if (error instanceof SyntaxError && error.message.includes('forbidden prototype property')) {
      throw new HubError('invalid_request', FORBIDDEN_KEYS);
    }
    throw new HubError('bad_json', undefined, { cause: error });
  }
  return value;
}

/**
 * Refuses a parsed frame or body holding text no store can hold. Apart from the parse, so that a
 * WebSocket frame refused for it can still answer its request id.
 */
export function requireStorable(text: string, value: unknown): void {
  if (SUSPECT_ESCAPE.test(text) && hasUnstorableText(value)) throw new HubError('invalid_request', UNSTORABLE);
}

/**
 * Whether a string (key or value) anywhere in the value holds a NUL or a lone surrogate: text no
 * database stores alike (PostgreSQL refuses both), so it is refused before any store sees it.
 */
export function hasUnstorableText(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const current = stack.pop();
    if (typeof current === 'string') {
      if (UNSTORABLE_TEXT.test(current)) return true;
    } else if (Array.isArray(current)) {
      stack.push(...current);
    } else if (typeof current === 'object' && current !== null) {
      for (const [key, child] of Object.entries(current)) stack.push(key, child);
    }
  }
  return false;
}

/** The longest request id the protocol answers with. */
const MAX_ID = 64;

/**
 * The `id` of a frame the parser refused (nested too deep, or with a forbidden key), read from the
 * text of its outermost object, so that the refusal still answers the request it was meant for.
 * Only a string of 1 to 64 characters counts; anything else is left unanswered by id.
 */
export function requestIdOf(text: string): string | undefined {
  let depth = 0;
  for (let index = 0; index < text.length; index += 1) {
    const char = text[index];
    if (char === '"') {
      const end = closingQuote(text, index);
      if (end === -1) return undefined;
      if (depth === 1 && end === index + 3 && text.startsWith('id', index + 1)) {
        const colon = skipSpace(text, end + 1);
        if (text[colon] === ':') {
          const open = skipSpace(text, colon + 1);
          if (text[open] !== '"') return undefined;
          const close = closingQuote(text, open);
          if (close === -1 || close - open > MAX_ID * 12) return undefined;
          const id = decodeString(text.slice(open, close + 1));
          return id !== undefined && id.length > 0 && id.length <= MAX_ID ? id : undefined;
        }
      }
      index = end;
    } else if (char === '{' || char === '[') {
      depth += 1;
    } else if (char === '}' || char === ']') {
      depth -= 1;
    }
  }
  return undefined;
}

/** A JSON string literal's text, or undefined when it is not one. */
function decodeString(literal: string): string | undefined {
  try {
    const value: unknown = JSON.parse(literal);
    return typeof value === 'string' ? value : undefined;
  } catch {
    return undefined;
  }
}

function skipSpace(text: string, from: number): number {
  let index = from;
  while (
    index < text.length &&
    (text[index] === ' ' || text[index] === '\n' || text[index] === '\r' || text[index] === '\t')
  ) {
    index += 1;
  }
  return index;
}
