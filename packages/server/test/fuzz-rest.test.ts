/**
 * Fuzzing over REST: every operation of the OpenAPI document the hub serves, its path parameters,
 * query strings and bodies generated from their schemas with real ids, then broken (bodies as over
 * WebSocket, percent-encoded garbage and repeated keys in queries, odd path segments, methods and
 * content types), sent as a person, an agent, an admin, without a token and with a bogus one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { arbitraryFor, exampleOf, parameterKind, type JsonSchema, type References } from './fuzz/arbitraries.js';
import { HttpClient, percentEncode, sendablePath } from './fuzz/http-client.js';
import { excerpt, RawJson, toJsonText } from './fuzz/json-text.js';
import {
  DEEP_DEPTHS,
  HOSTILE_STRINGS,
  mutate,
  mutation,
  render,
  wire,
  type Mutation,
  type Wire,
} from './fuzz/mutations.js';
import { assertHealthy, Findings, fuzzScene, fuzzSettings, httpProblem, startHeartbeat } from './fuzz/scene.js';
import { querySchema, restOperations, routesMissingFromDocument, type RestOperation } from './fuzz/tables.js';

/** Requests in flight together; each batch is awaited before the next. */
const BATCH = 25;
/** How long one answer may take: a local hub answers in milliseconds, so this only bounds a hang. */
const ANSWER_WITHIN_MS = 5_000;

/** Query-string garbage appended to a valid query: what a browser, a proxy or an attacker might send. */
const QUERY_GARBAGE = [
  '%',
  '%zz=1',
  '=%ff',
  'a=%E0%A4%A',
  '&&&',
  '__proto__=1',
  '__proto__[admin]=true',
  'constructor[prototype][admin]=true',
  'limit=1&limit=2',
  'limit[]=1',
  'q=%00',
  'room=%00',
  `long=${'y'.repeat(6_000)}`,
  ';a=1',
  '%2e%2e%2f=1',
  'token=rt_bogus',
];
/** Path segments that are no id at all. */
const SEGMENT_GARBAGE = [
  '%',
  '%zz',
  '%00',
  '%2F',
  '..',
  '%2e%2e',
  '%ff%fe',
  'a%2Fb',
  '%C0%AF',
  '😀',
  'x'.repeat(3_000),
  ' ',
  '%20',
];
const CONTENT_TYPES = [
  undefined,
  'text/plain',
  'application/json; charset=utf-16',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'APPLICATION/JSON',
  'application/jsonx',
  'application/json; charset=latin1',
];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'];

type QueryMutation =
  | { kind: 'none' }
  | { kind: 'garbage'; text: string }
  | { kind: 'repeat'; at: number; value: string }
  | { kind: 'hostile'; at: number; value: string }
  | { kind: 'drop'; at: number };

const queryMutation: fc.Arbitrary<QueryMutation> = fc.oneof(
  { weight: 12, arbitrary: fc.constant({ kind: 'none' as const }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('garbage' as const), text: fc.constantFrom(...QUERY_GARBAGE) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('repeat' as const),
      at: fc.nat(),
      value: fc.constantFrom('x', '', '-1', '1e999'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('hostile' as const),
      at: fc.nat(),
      value: fc.constantFrom(...HOSTILE_STRINGS),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), at: fc.nat() }) },
);

interface RestCase {
  operation: RestOperation;
  path: Record<string, unknown>;
  query: Record<string, unknown>;
  body: Record<string, unknown> | undefined;
  mutation: Mutation;
  wire: Wire;
  queryMutation: QueryMutation;
  segment: { at: number; text: string } | undefined;
  method: string | undefined;
  contentType: number;
  actor: number;
}

function queryText(values: Record<string, unknown>, how: QueryMutation): string {
  const pairs: Array<[string, string]> = [];
  for (const [key, value] of Object.entries(values)) {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      const text = typeof item === 'string' ? item : item instanceof RawJson ? item.text : toJsonText(item);
      pairs.push([key, text]);
    }
  }
  const encode = (pair: [string, string]) => `${percentEncode(pair[0])}=${percentEncode(pair[1])}`;
  if (how.kind === 'repeat' && pairs.length > 0) pairs.push([pairs[how.at % pairs.length]![0], how.value]);
  if (how.kind === 'hostile' && pairs.length > 0) pairs[how.at % pairs.length]![1] = how.value;
  if (how.kind === 'drop' && pairs.length > 0) pairs.splice(how.at % pairs.length, 1);
  const text = pairs.map(encode).join('&');
  if (how.kind === 'garbage') return text ? `${text}&${how.text}` : how.text;
  return text;
}

function pathText(operation: RestOperation, values: Record<string, unknown>, segment: RestCase['segment']): string {
  const names = operation.parameters.filter((p) => p.in === 'path').map((p) => p.name);
  return operation.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    if (segment && names[segment.at % names.length] === name) return segment.text;
    const value = values[name];
    return percentEncode(typeof value === 'string' ? value : toJsonText(value));
  });
}

test('hostile REST requests built from the OpenAPI document get registered errors, and the hub keeps serving others', async (t) => {
  const settings = fuzzSettings('fuzz-rest');
  const started = Date.now();
  const scene = await fuzzScene(t);
  const { hub, refs } = scene;
  const heartbeat = await startHeartbeat(t, hub);
  const findings = new Findings();
  const operations = await restOperations(hub);
  const http = new HttpClient(hub.url);
  t.after(() => http.close());
  for (const route of routesMissingFromDocument(hub, operations)) {
    findings.add('rest: a route the OpenAPI document leaves out, so no schema to fuzz it from', route, route);
  }

  const restCase: fc.Arbitrary<RestCase> = fc
    .record({
      request: fc.oneof(
        ...operations.map((operation) => {
          const pathParams = operation.parameters.filter((p) => p.in === 'path');
          return fc.record({
            operation: fc.constant(operation),
            path: fc.record(
              Object.fromEntries(
                pathParams.map((p) => [
                  p.name,
                  arbitraryFor(p.schema, p.name, { refs, kind: parameterKind(p.name, p.schema, operation.path) }),
                ]),
              ),
            ),
            query: arbitraryFor(querySchema(operation), '', { refs }) as fc.Arbitrary<Record<string, unknown>>,
            body: operation.body
              ? (arbitraryFor(operation.body, '', { refs }) as fc.Arbitrary<Record<string, unknown>>)
              : fc.constant(undefined),
          });
        }),
      ),
      mutation,
      wire,
      queryMutation,
      segment: fc.option(fc.record({ at: fc.nat(), text: fc.constantFrom(...SEGMENT_GARBAGE) }), { freq: 8 }),
      method: fc.option(fc.constantFrom(...METHODS), { freq: 20 }),
      contentType: fc.nat(60).map((n) => (n < CONTENT_TYPES.length ? n + 1 : 0)),
      actor: fc.constantFrom(0, 0, 0, 1, 1, 2, 2, 3, 4),
    })
    .map(({ request, segment, method, ...rest }) => ({
      ...request,
      ...rest,
      segment: segment ?? undefined,
      method: method ?? undefined,
    }));

  let sentCases = 0;
  let inFlight: string[] = [];
  const monitor = () => console.log(`the hub crashed with these requests in flight:\n${inFlight.join('\n')}`);
  process.on('uncaughtExceptionMonitor', monitor);
  t.after(() => process.off('uncaughtExceptionMonitor', monitor));

  async function send(restCase: RestCase): Promise<void> {
    sentCases += 1;
    const { operation } = restCase;
    const method = restCase.method ?? operation.method;
    const query = queryText(restCase.query, restCase.queryMutation);
    const target = sendablePath(`${pathText(operation, restCase.path, restCase.segment)}${query ? `?${query}` : ''}`);
    const payload =
      restCase.body === undefined || method === 'GET' || method === 'HEAD'
        ? undefined
        : render(mutate(restCase.body, operation.body!, restCase.mutation), restCase.wire);
    const token = [...scene.actors.map((actor) => actor.token), undefined, 'rt_bogus'][restCase.actor];
    const contentType = restCase.contentType === 0 ? 'application/json' : CONTENT_TYPES[restCase.contentType - 1];
    const label = `${operation.method} ${operation.path}${method === operation.method ? '' : ` (as ${method})`}`;
    const described = `${method} ${excerpt(target, 200)} ${contentType ?? '(no type)'} ${payload === undefined ? '' : excerpt(payload)}`;
    inFlight.push(described);
    try {
      const headers: Record<string, string> = {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(payload !== undefined && contentType ? { 'content-type': contentType } : {}),
      };
      const answer = await http.request(method, target, headers, payload, ANSWER_WITHIN_MS);
      const problem =
        method === 'HEAD' || answer.contentType.includes('text/event-stream')
          ? answer.status >= 500
            ? `HTTP ${answer.status}`
            : undefined
          : httpProblem(answer.status, answer.text);
      if (problem)
        findings.add(`rest: ${problem}`, label, `${described}\n    got ${answer.status} ${excerpt(answer.text)}`);
    } catch (error) {
      findings.add('rest: no answer', label, `${described}\n    ${String(error)}`);
    }
  }

  async function run(batch: RestCase[]): Promise<void> {
    inFlight = [];
    await Promise.all(batch.map(send));
  }

  for (const batch of corpus(operations, refs)) await run(batch);
  let batches = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(restCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      await run(batch);
      if (++batches % 4 === 0) await scene.repair();
    }),
    { seed: settings.seed, numRuns: Math.max(1, Math.ceil((settings.cases - sentCases) / BATCH)), endOnFailure: true },
  );

  const heartbeats = await heartbeat.stopAndCheck();
  await assertHealthy(hub);
  console.log(
    `fuzz-rest: ${sentCases} cases over ${operations.length} operations, ${heartbeats} heartbeats, ` +
      `${findings.size} kinds of failure, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.ok(sentCases >= settings.cases, `${sentCases} cases were sent`);
  findings.assertNone('fuzz-rest');
});

/**
 * Every run, whatever the seed: each operation that takes a body, with a valid body that nests to
 * each depth and shape in its free-JSON slot (or as the whole body), and a 1 MB string.
 */
function corpus(operations: RestOperation[], refs: References): RestCase[][] {
  const real = (name: string, schema: JsonSchema, path?: string) => {
    const kind = parameterKind(name, schema, path);
    return kind ? refs[kind]?.[0] : undefined;
  };
  const base = {
    query: {},
    wire: { kind: 'text' } as Wire,
    queryMutation: { kind: 'none' } as QueryMutation,
    segment: undefined,
    method: undefined,
    contentType: 0,
    actor: 0,
  };
  const cases: RestCase[] = [];
  for (const operation of operations.filter((candidate) => candidate.body)) {
    const path = Object.fromEntries(
      operation.parameters
        .filter((p) => p.in === 'path')
        .map((p) => [p.name, real(p.name, p.schema, operation.path) ?? 'x']),
    );
    const body = exampleOf(operation.body!, '', (name, schema) => real(name, schema)) as Record<string, unknown>;
    const valid = { ...base, operation, path, body };
    for (const depth of DEEP_DEPTHS) {
      for (const shape of ['array', 'object'] as const) {
        cases.push({ ...valid, mutation: { kind: 'deep', slot: 99, depth, shape } });
        cases.push({ ...valid, mutation: { kind: 'deep', slot: 0, depth, shape } });
      }
    }
    cases.push({ ...valid, mutation: { kind: 'huge', at: 0, bytes: 1_000_000 } });
  }
  return Array.from({ length: Math.ceil(cases.length / BATCH) }, (_, index) =>
    cases.slice(index * BATCH, (index + 1) * BATCH),
  );
}
