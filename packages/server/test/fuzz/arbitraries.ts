/**
 * From JSON Schema to inputs: one fast-check arbitrary per schema (WebSocket requests, REST routes and
 * MCP tools all come through here), parameters that name things filled with real ids from the test's
 * setup as well as garbage, and a deterministic first valid sample for the authorization matrix.
 */
import fc from 'fast-check';

/** JSON Schema as zod's toJSONSchema, @fastify/swagger (OpenAPI 3.0) and the MCP tool list write it. */
export type JsonSchema = Record<string, any>;

/**
 * What a parameter names. Targets are things of someone else's that an actor may try to reach; the
 * other kinds are references too, but to the caller's own things (its lease, its idempotency key).
 */
export type RefKind =
  | 'room'
  | 'message'
  | 'task'
  | 'conversation'
  | 'approval'
  | 'member'
  | 'group'
  | 'token'
  | 'capability'
  | 'cursors'
  | 'emoji'
  | 'lease'
  | 'client-key'
  | 'credential'
  | 'duration'
  | 'paging'
  | 'resource';

export const TARGET_KINDS: ReadonlySet<RefKind> = new Set([
  'room',
  'message',
  'task',
  'conversation',
  'approval',
  'member',
  'group',
  'token',
  'capability',
  'cursors',
]);

const KIND_BY_NAME: Record<string, RefKind> = {
  room: 'room',
  for_room: 'room',
  message: 'message',
  message_id: 'message',
  thread_id: 'message',
  up_to: 'message',
  task: 'task',
  task_id: 'task',
  parent: 'task',
  conversation: 'conversation',
  approval: 'approval',
  member: 'member',
  members: 'member',
  handle: 'member',
  holder: 'member',
  assignee: 'member',
  creator: 'member',
  sender: 'member',
  agent: 'member',
  // The simple dialect's `user_id` names the person of `/ws/user`.
  user_id: 'member',
  targets: 'member',
  mentions: 'member',
  deciders: 'member',
  group: 'group',
  team: 'group',
  reviewer: 'member',
  capability: 'capability',
  capabilities: 'capability',
  cursors: 'cursors',
  resume: 'cursors',
  emoji: 'emoji',
  lease: 'lease',
  client_id: 'client-key',
  token: 'credential',
  cursor: 'paging',
  timeout_s: 'duration',
  timeout_ms: 'duration',
  wait_s: 'duration',
  wait_ms: 'duration',
  uri: 'resource',
};

/** Names that name a thing only as plain text: the same name as a number (a seq) or a formatted time names none. */
const KIND_OF_TEXT_BY_NAME: Record<string, RefKind> = {
  after: 'message',
  // `GET /messages?before=` takes a message id (or a time), where history pages back by seq.
  before: 'message',
};

/** A REST path's `{id}` names what the segment before it lists. */
const KIND_BY_COLLECTION: Record<string, RefKind> = {
  messages: 'message',
  tasks: 'task',
  conversations: 'conversation',
  approvals: 'approval',
  tokens: 'token',
  rooms: 'room',
  members: 'member',
  groups: 'group',
};

/** The kind of thing a parameter names, by its name (and, for a REST path's `{id}`, by the path it is in). */
export function referenceKind(name: string, path?: string): RefKind | undefined {
  if (name === 'id' && path) {
    const collection = new RegExp(`/([a-z_]+)/\\{${name}\\}`).exec(path)?.[1];
    return collection ? KIND_BY_COLLECTION[collection] : undefined;
  }
  // A group is named by its handle in its own routes' paths.
  if (name === 'handle' && path && /\/groups\/\{handle\}/.test(path)) return 'group';
  return Object.hasOwn(KIND_BY_NAME, name) ? KIND_BY_NAME[name] : undefined;
}

/**
 * The kind of a parameter, by its name and its schema: a string long enough for prose (the `message`
 * of `/send-message` is its text) names nothing, whatever it is called.
 */
export function parameterKind(name: string, schema: JsonSchema, path?: string): RefKind | undefined {
  const inner = schema.type === 'array' ? (schema.items ?? {}) : schema;
  if (inner.type === 'string' && (inner.maxLength ?? 0) > 200 && referenceKind(name, path) !== 'cursors')
    return undefined;
  if (inner.type === 'string' && !inner.format && Object.hasOwn(KIND_OF_TEXT_BY_NAME, name))
    return KIND_OF_TEXT_BY_NAME[name];
  return referenceKind(name, path);
}

const REFERENCE_NAME =
  /^(id|ids|ref|uri|url)$|_(id|ids|ref)$|^(room|message|task|member|handle|group|team|conversation|token|note|thread|parent|owner|holder|assignee|creator|sender|agent|user|target|reservation|session|lease|cursor|capabilit(y|ie))s?$|_(room|message|task|member|handle|conversation|token|note)s?$/;

/** Whether a parameter looks like it names something: a short string (or strings) under a name that says so. */
export function looksLikeReference(name: string, schema: JsonSchema): boolean {
  const stringy = (s: JsonSchema | undefined): boolean =>
    !!s &&
    ((s.type === 'string' && (s.maxLength ?? 0) <= 200) ||
      (s.type === 'object' && s.additionalProperties !== undefined));
  return REFERENCE_NAME.test(name) && (stringy(schema) || (schema.type === 'array' && stringy(schema.items)));
}

/** Real values per kind, read when a case is generated, so setup may add to them as the run goes. */
export type References = Partial<Record<RefKind, string[]>>;

interface Options {
  refs?: References;
  /** The kind of the value itself, when its name alone does not say (a REST path's `{id}`); its properties go by name. */
  kind?: RefKind;
}

/** One of the real values of a kind, picked at generation time (the list may have grown since). */
function realValue(refs: References, kind: RefKind): fc.Arbitrary<string> {
  return fc.nat().map((index) => {
    const values = refs[kind] ?? [];
    return values.length === 0 ? `no-${kind}` : values[index % values.length]!;
  });
}

const cache = new WeakMap<JsonSchema, Map<string, fc.Arbitrary<unknown>>>();

/** An arbitrary of values valid for `schema` (mostly: refinements JSON Schema cannot say are not kept). */
export function arbitraryFor(schema: JsonSchema, name = '', options: Options = {}): fc.Arbitrary<unknown> {
  let byName = cache.get(schema);
  if (!byName) cache.set(schema, (byName = new Map()));
  const key = `${name}\u0000${options.kind ?? ''}\u0000${options.refs ? 'refs' : ''}`;
  let arbitrary = byName.get(key);
  if (!arbitrary) byName.set(key, (arbitrary = build(schema, name, options)));
  return arbitrary;
}

function build(schema: JsonSchema, name: string, options: Options): fc.Arbitrary<unknown> {
  const kind = options.kind ?? parameterKind(name, schema);
  // Only this level has the given kind: nested values (array items aside) are classified by their own names.
  const inner = { refs: options.refs };
  const plain = buildPlain(schema, name, schema.type === 'array' ? options : inner);
  if (kind === 'duration') return fc.oneof(fc.constantFrom(0, 0.05, 0.1), fc.double({ min: 0, max: 0.2, noNaN: true }));
  const refs = options.refs;
  if (!kind || !refs || !refs[kind]) return plain;
  if (schema.type === 'array') return plain;
  if (kind === 'cursors') {
    return fc.oneof(
      plain,
      realValue(refs, 'room').map((room) => (schema.type === 'string' ? `${room}:0` : { [room]: 0 })),
    );
  }
  return fc.oneof({ weight: 3, arbitrary: realValue(refs, kind) }, { weight: 2, arbitrary: plain });
}

function buildPlain(schema: JsonSchema, name: string, options: Options): fc.Arbitrary<unknown> {
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union) return fc.oneof(...union.map((option) => arbitraryFor(option, name, options)));
  if (Array.isArray(schema.allOf)) return arbitraryFor(Object.assign({}, ...schema.allOf), name, options);
  if (schema.nullable === true) {
    const { nullable: _nullable, ...rest } = schema;
    return fc.oneof(
      { weight: 4, arbitrary: arbitraryFor(rest, name, options) },
      { weight: 1, arbitrary: fc.constant(null) },
    );
  }
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((type: string) => arbitraryFor({ ...schema, type }, name, options)));
  }
  switch (schema.type) {
    case 'object':
      return objectArbitrary(schema, options);
    case 'array': {
      const min = schema.minItems ?? 0;
      const max = Math.min(schema.maxItems ?? min + 4, min + 4);
      return fc.array(arbitraryFor(schema.items ?? {}, name, options), { minLength: min, maxLength: max });
    }
    case 'string':
      return stringArbitrary(schema);
    case 'integer':
      return integerArbitrary(schema);
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e9,
        max: schema.maximum ?? 1e9,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    default:
      return anyJson;
  }
}

function objectArbitrary(schema: JsonSchema, options: Options): fc.Arbitrary<unknown> {
  const properties = Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>);
  if (properties.length === 0) {
    const extra = schema.additionalProperties;
    if (extra === false || extra === undefined) return fc.constant({});
    return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), arbitraryFor(extra === true ? {} : extra), {
      maxKeys: 4,
    });
  }
  // A wait left to its default could hold a case for minutes: how long to wait is always given, and short.
  const required = [
    ...((schema.required ?? []) as string[]),
    ...properties.filter(([name]) => referenceKind(name) === 'duration').map(([name]) => name),
  ];
  return fc.record(
    Object.fromEntries(properties.map(([key, property]) => [key, arbitraryFor(property, key, options)])),
    { requiredKeys: required.filter((key) => properties.some(([name]) => name === key)) },
  );
}

const LOCAL_URLS = ['http://127.0.0.1:9/v1', 'https://[::1]:9/'];

const dateTime = fc.oneof(
  fc
    .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true })
    .map((date) => date.toISOString()),
  fc.constantFrom('2026-11-21T07:10:13+01:00', '0000-01-01T00:00:00Z', '9999-12-31T23:59:59.999999999-23:59'),
);

function stringArbitrary(schema: JsonSchema): fc.Arbitrary<string> {
  const min: number = schema.minLength ?? 0;
  const maxLength: number = schema.maxLength ?? 4096;
  if (schema.format === 'date-time') return dateTime;
  // URLs that parse, on a port nothing listens on, so a route that connects to one fails at once.
  if (schema.format === 'uri') return fc.oneof(fc.constantFrom(...LOCAL_URLS), fc.string({ maxLength: 40 }));
  const fits = (value: string) => value.length >= min && value.length <= maxLength;
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern);
    return fc.stringMatching(pattern, { size: 'small' }).filter(fits);
  }
  const max = Math.min(maxLength, min + 40);
  return fc.oneof(
    { weight: 12, arbitrary: fc.string({ minLength: min, maxLength: max, unit: 'grapheme-ascii' }) },
    { weight: 6, arbitrary: fc.string({ minLength: min, maxLength: max, unit: 'grapheme' }) },
    { weight: 3, arbitrary: fc.string({ minLength: min, maxLength: max, unit: 'binary' }) },
    // The longest the schema allows: limits are where checks go wrong.
    { weight: 1, arbitrary: fc.constant('x'.repeat(Math.max(min, Math.min(maxLength, 12_000)))) },
  );
}

const INT32 = 2 ** 31 - 1;

function integerArbitrary(schema: JsonSchema): fc.Arbitrary<number> {
  const low: number = schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -INT32);
  const high: number = schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : INT32);
  const clampedLow = Math.max(low, -INT32);
  const clampedHigh = Math.min(high, INT32);
  return fc.oneof(
    { weight: 5, arbitrary: fc.integer({ min: clampedLow, max: Math.max(clampedLow, clampedHigh) }) },
    { weight: 1, arbitrary: fc.constantFrom(low, high) },
  );
}

export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 3 });

/**
 * Whether a property's default is one its own bounds refuse (a task's title: ''): it only marks the
 * property as left out, and the hub asks for it where it matters, so a valid sample gives it.
 */
export function markedOut(property: JsonSchema): boolean {
  return typeof property.default === 'string' && property.default.length < (property.minLength ?? 0);
}

/**
 * The first valid value for `schema`, deterministically: required properties only, lower bounds,
 * first enum members. `fill` supplies a value for a property by name (the references of a case).
 */
export function exampleOf(
  schema: JsonSchema,
  name = '',
  fill: (name: string, schema: JsonSchema) => unknown = () => undefined,
): unknown {
  const filled = fill(name, schema);
  if (filled !== undefined) return filled;
  if ('const' in schema) return schema.const;
  if (Array.isArray(schema.enum)) return schema.enum[0];
  const union = (schema.anyOf ?? schema.oneOf) as JsonSchema[] | undefined;
  if (union) return exampleOf(union.find((option) => option.type !== 'null') ?? union[0]!, name, fill);
  if (Array.isArray(schema.allOf)) return exampleOf(Object.assign({}, ...schema.allOf), name, fill);
  const type = Array.isArray(schema.type) ? schema.type.find((t: string) => t !== 'null') : schema.type;
  switch (type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      const required = new Set<string>(schema.required ?? []);
      return Object.fromEntries(
        Object.entries(properties)
          .filter(([key, property]) => required.has(key) || markedOut(property))
          .map(([key, property]) => [key, exampleOf(property, key, fill)]),
      );
    }
    case 'array':
      return Array.from({ length: schema.minItems ?? 0 }, () => exampleOf(schema.items ?? {}, name, fill));
    case 'string':
      return exampleString(schema);
    case 'integer':
    case 'number':
      return schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : 0);
    case 'boolean':
      return true;
    case 'null':
      return null;
    default:
      return {};
  }
}

function exampleString(schema: JsonSchema): string {
  if (schema.format === 'date-time') return '2026-01-01T00:00:00.000Z';
  if (schema.format === 'uri') return LOCAL_URLS[0]!;
  const min: number = schema.minLength ?? 0;
  const candidate = 'probe'.padEnd(min, 'e').slice(0, schema.maxLength ?? Infinity);
  if (typeof schema.pattern !== 'string' || new RegExp(schema.pattern).test(candidate)) return candidate;
  return fc.sample(fc.stringMatching(new RegExp(schema.pattern)), { seed: 7, numRuns: 1 })[0]!;
}

/** For exampleOf: the first real value of a property's kind, so that a sample reaches the hub's logic. */
export function firstReal(refs: References): (name: string, schema: JsonSchema) => unknown {
  return (name, schema) => {
    const kind = parameterKind(name, schema);
    if (!kind || schema.type === 'array' || kind === 'cursors') return undefined;
    return refs[kind]?.[0];
  };
}
