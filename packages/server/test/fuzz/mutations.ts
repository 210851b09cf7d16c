/**
 * Hostile variations of valid inputs: wrong types, missing and extra keys, extreme numbers, odd
 * strings, prototype keys, deep nesting and huge strings in the places that carry free JSON, and
 * broken texts (truncated, empty, invalid UTF-8). Each mutation is data, applied by a pure function,
 * so a seed replays it exactly.
 */
import fc from 'fast-check';
import { anyJson, referenceKind, type JsonSchema } from './arbitraries.js';
import { RawJson, nested, toJsonText } from './json-text.js';

export const HOSTILE_STRINGS: readonly string[] = [
  '',
  ' ',
  '\u0000',
  'nul\u0000inside',
  '\ud800',
  'lone \udfff low',
  '\ud83d',
  '\uffff\ufffe',
  '\u202eevil',
  '💥'.repeat(40),
  'NaN',
  'Infinity',
  '-Infinity',
  '-0',
  '1e309',
  '0x1F',
  '9007199254740993',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'hasOwnProperty',
  "' OR 1=1 --",
  '"; DROP TABLE messages; --',
  '../../../../etc/passwd',
  '%00',
  '%',
  '%zz',
  '${process.exit()}',
  '<script>alert(1)</script>',
  'r_',
  'msg_',
  'task_',
  '#',
  '#general',
  '@all',
  'roundtable://rooms/',
  'a'.repeat(10_001),
  'b'.repeat(70_000),
];

export const HOSTILE_NUMBERS: readonly number[] = [
  -1,
  -0.5,
  0.5,
  1e308,
  -1e308,
  2 ** 53,
  2 ** 53 + 2,
  2 ** 31,
  -(2 ** 31) - 1,
  2 ** 32,
  Number.MIN_VALUE,
  -Number.MAX_SAFE_INTEGER,
];

/** Number-like tokens that are not JSON (or are, but overflow): written raw into the text. */
const HOSTILE_TOKENS: readonly string[] = [
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '-1e999',
  '-0',
  '1e-400',
  '0x10',
  '01',
  '.5',
  '+1',
  'undefined',
];

export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_NUMBERS) },
  { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_TOKENS).map((token) => new RawJson(token)) },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(null, true, false, [], {}, [null], { '': '' }, [[[]]]) },
  { weight: 2, arbitrary: anyJson },
);

export const DEEP_DEPTHS = [100, 5_000, 20_000] as const;
/** Sizes of huge strings: past the frame cap, past the hard WebSocket cap of 1 MiB. */
export const HUGE_BYTES = [300_000, 1_000_000, 2_200_000] as const;
const PROTO_KEYS = ['__proto__', 'constructor', 'prototype'] as const;

/** Places where free JSON is accepted, so deep nesting there passes the schema and reaches the hub. */
export const FREE_SLOTS = [
  'metadata',
  'parts',
  'context',
  'acceptance',
  'arguments',
  'result',
  'resume',
  'part',
] as const;

export type Mutation =
  | { kind: 'none' }
  | { kind: 'wrong-type'; at: number; value: unknown }
  | { kind: 'missing'; at: number }
  | { kind: 'extra'; at: number; key: string; value: unknown }
  | { kind: 'hostile'; at: number; value: unknown }
  | { kind: 'proto'; at: number; key: (typeof PROTO_KEYS)[number]; value: unknown }
  | { kind: 'deep'; slot: number; depth: number; shape: 'array' | 'object' }
  | { kind: 'huge'; at: number; bytes: number };

/** Mutations of parsed parameters; deep nesting and huge strings are a small share (a huge one, 1 in 300), as each costs far more. */
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 120, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 40,
    arbitrary: fc.record({ kind: fc.constant('wrong-type' as const), at: fc.nat(), value: hostileValue }),
  },
  { weight: 24, arbitrary: fc.record({ kind: fc.constant('missing' as const), at: fc.nat() }) },
  {
    weight: 24,
    arbitrary: fc.record({
      kind: fc.constant('extra' as const),
      at: fc.nat(),
      key: fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom('type', 'id', 'toString', '', '\u0000')),
      value: fc.oneof(hostileValue, anyJson),
    }),
  },
  { weight: 64, arbitrary: fc.record({ kind: fc.constant('hostile' as const), at: fc.nat(), value: hostileValue }) },
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('proto' as const),
      at: fc.nat(),
      key: fc.constantFrom(...PROTO_KEYS),
      value: fc.constantFrom<unknown>({ admin: true, role: 'admin' }, { prototype: { polluted: true } }, 'x', null, []),
    }),
  },
  {
    weight: 12,
    arbitrary: fc.record({
      kind: fc.constant('deep' as const),
      slot: fc.nat(),
      depth: fc.constantFrom(...DEEP_DEPTHS),
      shape: fc.constantFrom('array' as const, 'object' as const),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('huge' as const), at: fc.nat(), bytes: fc.constantFrom(...HUGE_BYTES) }),
  },
);

type Path = Array<string | number>;

/** Every place in a value where a key sits: the paths of object properties and array items, and the root. */
function pathsOf(value: unknown, prefix: Path = [], out: Path[] = [[]]): Path[] {
  if (value instanceof RawJson || typeof value !== 'object' || value === null) return out;
  for (const [key, inner] of Object.entries(value)) {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    out.push(path);
    pathsOf(inner, path, out);
  }
  return out;
}

function clone<T>(value: T): T {
  if (value instanceof RawJson || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    Object.defineProperty(copy, key, { value: clone(inner), enumerable: true, configurable: true, writable: true });
  }
  return copy as T;
}

function parentOf(root: unknown, path: Path): Record<string | number, unknown> | undefined {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) node = node[key] as Record<string | number, unknown>;
  return typeof node === 'object' && node !== null ? node : undefined;
}

/** The object holding the `at`-th place: where a key is added. */
function objectAt(root: Record<string, unknown>, at: number): Record<string, unknown> {
  const objects = pathsOf(root).filter((path) => {
    const node = path.reduce<any>((inner, key) => inner?.[key], root);
    return typeof node === 'object' && node !== null && !Array.isArray(node) && !(node instanceof RawJson);
  });
  const path = objects[at % objects.length]!;
  return path.reduce<any>((inner, key) => inner[key], root);
}

/**
 * The paths a mutation may change: not how long a wait lasts, which left out or mangled into a valid
 * larger value makes the case wait for minutes (a blocking tool's default), not test anything.
 */
function mutablePaths(root: Record<string, unknown>): Path[] {
  return pathsOf(root)
    .slice(1)
    .filter((path) => {
      const key = path.at(-1);
      return typeof key !== 'string' || referenceKind(key) !== 'duration';
    });
}

function replaceAt(root: Record<string, unknown>, at: number, value: unknown): Record<string, unknown> {
  const paths = mutablePaths(root);
  if (paths.length === 0) return { ...root, value };
  const path = paths[at % paths.length]!;
  parentOf(root, path)![path.at(-1)!] = value;
  return root;
}

/**
 * A free-JSON slot of the schema (or any key, or the whole value when `slot` points past them) set
 * to nesting of `depth` levels, the rest of the value left valid so that it reaches the hub's logic.
 */
function deepAt(root: Record<string, unknown>, schema: JsonSchema, mutation: Extract<Mutation, { kind: 'deep' }>) {
  const deep = nested(mutation.depth, mutation.shape);
  const properties = Object.keys(schema.properties ?? {});
  const slots = FREE_SLOTS.filter((slot) => properties.includes(slot));
  const choice = mutation.slot % (slots.length + 2);
  if (choice === slots.length + 1) return deep;
  if (choice === slots.length) return replaceAt(root, mutation.slot, deep);
  const slot = slots[choice]!;
  if (slot === 'parts') root.parts = [{ type: 'tool_call', id: 'p1', name: 'fuzz', status: 'ok', arguments: deep }];
  else if (slot === 'part') root.part = { type: 'tool_call', id: 'p1', name: 'fuzz', status: 'ok', result: deep };
  else if (slot === 'acceptance') root.acceptance = { schema: { type: 'object', properties: { a: deep } } };
  else if (slot === 'metadata' || slot === 'context' || slot === 'resume') root[slot] = { nested: deep };
  else root[slot] = deep;
  return root;
}

/** Applies a mutation to parameters; the result may hold RawJson parts (write it with toJsonText). */
export function mutate(params: Record<string, unknown>, schema: JsonSchema, mutation: Mutation): unknown {
  const root = clone(params);
  switch (mutation.kind) {
    case 'none':
      return root;
    case 'wrong-type':
    case 'hostile':
      return replaceAt(root, mutation.at, mutation.value);
    case 'missing': {
      const paths = mutablePaths(root);
      if (paths.length === 0) return root;
      const path = paths[mutation.at % paths.length]!;
      const parent = parentOf(root, path)!;
      if (Array.isArray(parent)) parent.splice(Number(path.at(-1)), 1);
      else delete parent[path.at(-1)!];
      return root;
    }
    case 'extra': {
      objectAt(root, mutation.at)[mutation.key] = mutation.value;
      return root;
    }
    case 'proto': {
      const target = objectAt(root, mutation.at);
      Object.defineProperty(target, mutation.key, {
        value: mutation.value,
        enumerable: true,
        configurable: true,
        writable: true,
      });
      return root;
    }
    case 'deep':
      return deepAt(root, schema, mutation);
    case 'huge':
      return replaceAt(root, mutation.at, 'h'.repeat(mutation.bytes));
  }
}

/** What finally goes on the wire, beyond a mutated value: a text broken on its own, or bytes that are not UTF-8. */
export type Wire =
  | { kind: 'text' }
  | { kind: 'truncate'; at: number }
  | { kind: 'replace'; text: string }
  | { kind: 'garble'; at: number; bytes: number[] }
  | { kind: 'duplicate-key'; value: unknown }
  | { kind: 'proto-text'; key: (typeof PROTO_KEYS)[number] };

/** Texts that are not a request object at all. */
const NOT_OBJECTS = [
  '',
  ' ',
  'null',
  '[]',
  '[{}]',
  '42',
  '"send"',
  'true',
  '{',
  '}',
  '{"type":',
  '\ufeff{}',
  '{}garbage',
  '{}{}',
];
/** Byte sequences that are not UTF-8: a stray continuation, overlong, a lone surrogate, beyond U+10FFFF. */
const BAD_UTF8 = [[0xff], [0xc3, 0x28], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc0, 0xaf], [0x80]];

export const wire: fc.Arbitrary<Wire> = fc.oneof(
  { weight: 88, arbitrary: fc.constant({ kind: 'text' as const }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('replace' as const), text: fc.constantFrom(...NOT_OBJECTS) }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('garble' as const), at: fc.nat(), bytes: fc.constantFrom(...BAD_UTF8) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('duplicate-key' as const), value: hostileValue }) },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('proto-text' as const), key: fc.constantFrom(...PROTO_KEYS) }),
  },
);

const DURATION_KEYS = ['timeout_s', 'timeout_ms', 'wait_s', 'wait_ms'];

/**
 * `at`, moved past a wait's duration when it falls inside one: garbled there, the key is no longer
 * known, the wait takes its default (minutes, for a blocking tool) and the case tests nothing.
 */
function outsideDurations(bytes: Buffer, at: number): number {
  for (const key of DURATION_KEYS) {
    for (let start = bytes.indexOf(`"${key}"`); start >= 0; start = bytes.indexOf(`"${key}"`, start + 1)) {
      const ends = [bytes.indexOf(',', start), bytes.indexOf('}', start)].filter((end) => end >= 0);
      const end = ends.length > 0 ? Math.min(...ends) : bytes.length;
      if (at > start && at < end) return end;
    }
  }
  return at;
}

/** The bytes or text to send for `value` under `how`: a string when it is valid UTF-16 text, bytes otherwise. */
export function render(value: unknown, how: Wire): string | Buffer {
  const text = toJsonText(value);
  switch (how.kind) {
    case 'text':
      return text;
    case 'truncate':
      return text.slice(0, how.at % Math.max(text.length, 1));
    case 'replace':
      return how.text;
    case 'garble': {
      const bytes = Buffer.from(text);
      const at = outsideDurations(bytes, how.at % Math.max(bytes.length, 1));
      return Buffer.concat([bytes.subarray(0, at), Buffer.from(how.bytes), bytes.subarray(at)]);
    }
    case 'duplicate-key': {
      // The same key twice: JSON.parse keeps the last, a careless validator might read the first.
      const first = /^\{"([^"]+)":/.exec(text)?.[1] ?? 'type';
      return text.startsWith('{') && text.length > 2
        ? `{${JSON.stringify(first)}:${toJsonText(how.value)},${text.slice(1)}`
        : text;
    }
    case 'proto-text':
      return text.startsWith('{') && text.length > 2
        ? `{"${how.key}":{"admin":true,"type":"auth"},${text.slice(1)}`
        : text;
  }
}
