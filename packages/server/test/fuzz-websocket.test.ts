/**
 * Fuzzing over WebSocket: every request type of the protocol, generated from its own schema with real
 * ids, then broken (wrong types, deep nesting, huge and invalid text, prototype keys, binary frames),
 * sent by a person, an agent, an admin, the simple dialect and an unauthenticated connection.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { RawClient } from '@roundtable/testkit';
import { arbitraryFor, exampleOf, firstReal, type JsonSchema, type References } from './fuzz/arbitraries.js';
import { expectedAnswerId, FuzzSocket } from './fuzz/fuzz-socket.js';
import { excerpt, nested } from './fuzz/json-text.js';
import {
  DEEP_DEPTHS,
  FREE_SLOTS,
  HUGE_BYTES,
  mutate,
  mutation,
  render,
  wire,
  type Mutation,
  type Wire,
} from './fuzz/mutations.js';
import { assertHealthy, Findings, fuzzScene, fuzzSettings, startHeartbeat } from './fuzz/scene.js';
import { dialectTable, requestTable } from './fuzz/tables.js';

/** Cases sent together on their sockets, each batch awaited before the next. */
const BATCH = 25;
/** How long the hub may take to answer a batch: it owes an answer to every request with an id. */
const ANSWER_WITHIN_MS = 10_000;

interface WsCase {
  /** The request type, or the dialect's event. */
  type: string;
  /** A Wegent dialect frame: `{event, id, data}` rather than `{type, id, …params}`. */
  dialect: boolean;
  schema: JsonSchema;
  params: Record<string, unknown>;
  mutation: Mutation;
  wire: Wire;
  binary: boolean;
  socket: number;
}

/** The placeholder `id` a case's frame carries; replaced by a unique one when it is sent. */
const ID = 'id';

test('hostile WebSocket frames built from the protocol and dialect schemas get registered errors, and the hub keeps serving others', async (t) => {
  const settings = fuzzSettings('fuzz-websocket');
  const started = Date.now();
  const scene = await fuzzScene(t);
  const { hub, refs } = scene;
  const heartbeat = await startHeartbeat(t, hub);
  const findings = new Findings();
  const probe = await RawClient.ready(t, hub.url, scene.actors[0]!.token);
  const ready = probe.frames.find((frame) => frame.type === 'ready')!;
  const maxFrameBytes = ready.server.max_frame_bytes as number;
  probe.close();

  const ws = hub.url.replace(/^http/, 'ws');
  const [person, agent, admin] = scene.actors;
  // Tokens are read at each connect: a repair may have replaced one the fuzzer revoked.
  const socket = (name: string, path: string | (() => string), actor?: { token: string }) =>
    new FuzzSocket(
      name,
      () => `${ws}${typeof path === 'string' ? path : path()}`,
      (): Record<string, string> => (actor ? { authorization: `Bearer ${actor.token}` } : {}),
      findings,
    );
  const sockets = [
    socket('person', '/ws', person),
    socket('agent', '/ws', agent),
    socket('admin', '/ws', admin),
    // The simple dialect speaks in one room: a direct one, which the fuzzer cannot make the agent leave.
    socket('simple', `/ws/${agent!.handle}?room=${scene.direct}`, agent),
    socket('anonymous', '/ws'),
    // The Wegent dialect: the person on a task's chat, the agent on its personal channel.
    socket('wegent-chat', () => `/api/v1/tasks/${scene.chatTask()}/chat`, person),
    socket('wegent-events', '/api/v1/users/me/events', agent),
    // The simple dialect for a person: the path says `user`, and `user_id` names them.
    socket('simple-user', `/ws/user?user_id=${person!.handle}&room=${scene.direct}`, person),
  ];
  t.after(() => sockets.forEach((socket) => socket.close()));

  const table = requestTable();
  // Each dialect event once: its schema at the task's chat (the personal channel's differs only in what it requires).
  const events = dialectTable().filter((entry) => entry.path.endsWith('/chat'));
  const request = fc.oneof(
    ...[
      ...table.map(({ type, schema }) => ({ type: type as string, schema, dialect: false })),
      ...events.map(({ event, schema }) => ({ type: event, schema, dialect: true })),
    ].map(({ type, schema, dialect }) =>
      fc.record({
        type: fc.constant(type),
        dialect: fc.constant(dialect),
        schema: fc.constant(schema),
        params: arbitraryFor(schema, '', { refs }) as fc.Arbitrary<Record<string, unknown>>,
      }),
    ),
  );
  const wsCase: fc.Arbitrary<WsCase> = fc
    .record({
      request,
      mutation,
      wire,
      binary: fc.nat(9).map((n) => n === 0),
      socket: fc.constantFrom(0, 0, 0, 0, 1, 1, 1, 2, 2, 3, 4, 4, 5, 5, 5, 6, 6, 7),
    })
    .map(({ request: { type, dialect, schema, params }, ...rest }) => ({ type, dialect, schema, params, ...rest }));

  let sentCases = 0;
  let inFlight: string[] = [];
  // A crash of the hub ends this process: say which frames were on their way.
  const monitor = () => console.log(`the hub crashed with these frames in flight:\n${inFlight.join('\n')}`);
  process.on('uncaughtExceptionMonitor', monitor);
  t.after(() => process.off('uncaughtExceptionMonitor', monitor));

  async function run(batch: WsCase[]): Promise<void> {
    for (const socket of sockets) socket.newBatch();
    // The unauthenticated connection starts each batch afresh: an auth frame may have signed it in.
    sockets[4]!.recycle();
    inFlight = [];
    const outcomes = batch.map(async (wsCase) => {
      const id = `c${sentCases++}`;
      const frame = wsCase.dialect
        ? { event: wsCase.type, [ID]: id, data: wsCase.params }
        : { type: wsCase.type, [ID]: id, ...wsCase.params };
      const schema = wsCase.dialect ? dialectFrameSchema(wsCase.schema) : frameSchema(wsCase.schema);
      const payload = render(mutate(frame, schema, wsCase.mutation), wsCase.wire);
      const label = `${wsCase.type} [${wsCase.mutation.kind}${wsCase.wire.kind === 'text' ? '' : `/${wsCase.wire.kind}`}${wsCase.binary ? '/binary' : ''}]`;
      inFlight.push(`${sockets[wsCase.socket]!.name} ${label}: ${excerpt(payload)}`);
      const socket = sockets[wsCase.socket]!;
      try {
        await socket.send({ label, payload }, wsCase.binary, expectedAnswerId(payload, wsCase.binary, maxFrameBytes));
      } catch (error) {
        findings.add('ws: could not connect', socket.name, String(error));
      }
    });
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), ANSWER_WITHIN_MS)));
    const settled = await Promise.race([Promise.all(outcomes), late]);
    clearTimeout(timer);
    if (settled === 'late') {
      for (const socket of sockets) {
        for (const sent of socket.unanswered()) {
          findings.add('ws: no answer', sent.label, `${socket.name} sent ${excerpt(sent.payload)}`);
        }
        socket.forget();
      }
    }
  }

  let batches = 0;
  for (const batch of chunk(corpus(table, refs), BATCH)) await run(batch);
  const runs = Math.max(1, Math.ceil((settings.cases - sentCases) / BATCH));
  await fc.assert(
    fc.asyncProperty(fc.array(wsCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      await run(batch);
      if (++batches % 8 === 0) await scene.repair();
    }),
    { seed: settings.seed, numRuns: runs, endOnFailure: true },
  );

  // Every connection still answers, in order after everything it was sent.
  await scene.repair();
  for (const socket of [...sockets.slice(0, 3), sockets[5]!]) {
    socket.newBatch();
    assert.equal(
      await socket.send({ label: 'final ping', payload: '{"type":"ping","id":"last"}' }, false, 'last'),
      'answered',
    );
  }
  const heartbeats = await heartbeat.stopAndCheck();
  await assertHealthy(hub);
  const frames = sockets.reduce((sum, socket) => sum + socket.frames, 0);
  const closes = sockets.map((socket) => `${socket.name} ${socket.answers}/${socket.closes}`).join(', ');
  console.log(
    `fuzz-websocket: ${sentCases} cases, ${frames} frames received, answers/closes: ${closes}, ${heartbeats} heartbeats, ` +
      `${findings.size} kinds of failure, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.ok(sentCases >= settings.cases, `${sentCases} cases were sent`);
  findings.assertNone('fuzz-websocket');
});

/** A dialect frame: `event`, `id` and the event's `data`, each mutated like any other field. */
function dialectFrameSchema(schema: JsonSchema): JsonSchema {
  return { type: 'object', properties: { event: { type: 'string' }, id: { type: 'string' }, data: schema } };
}

/** The frame's own fields beside the request's: `type` and `id` are mutated like any other. */
function frameSchema(schema: JsonSchema): JsonSchema {
  return { ...schema, properties: { type: { type: 'string' }, id: { type: 'string' }, ...schema.properties } };
}

function chunk<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, index) =>
    items.slice(index * size, (index + 1) * size),
  );
}

/**
 * Cases every run sends whatever the seed: nesting of each depth and shape in each free-JSON slot of
 * each request that has one (and as the whole frame), huge strings, and broken texts.
 */
function corpus(table: Array<{ type: string; schema: JsonSchema }>, refs: References): WsCase[] {
  const cases: WsCase[] = [];
  const base = { wire: { kind: 'text' } as Wire, binary: false, socket: 0, dialect: false };
  for (const { type, schema } of table) {
    const slots = FREE_SLOTS.filter((slot) => slot in (schema.properties ?? {})).length;
    if (slots === 0) continue;
    const params = exampleOf(schema, '', firstReal(refs)) as Record<string, unknown>;
    for (const depth of DEEP_DEPTHS) {
      for (const shape of ['array', 'object'] as const) {
        for (let slot = 0; slot < slots + 2; slot++) {
          cases.push({ ...base, type, schema, params, mutation: { kind: 'deep', slot, depth, shape } });
        }
      }
    }
  }
  const send = table.find((entry) => entry.type === 'send')!;
  const sendCase = (mutation: Mutation, extra: Partial<WsCase> = {}): WsCase => ({
    ...base,
    type: 'send',
    schema: send.schema,
    params: { room: refs.room![0], content: 'x' },
    mutation,
    ...extra,
  });
  // Nesting in place of each field of the frame, its `type` and `id` included: each is read before any schema.
  for (const shape of ['array', 'object'] as const) {
    for (let at = 0; at < 4; at++) cases.push(sendCase({ kind: 'hostile', at, value: nested(20_000, shape) }));
  }
  for (const bytes of HUGE_BYTES) cases.push(sendCase({ kind: 'huge', at: 3, bytes }));
  for (const value of ['\ud800', 'nul\u0000inside', '\udfff\ud800'])
    cases.push(sendCase({ kind: 'hostile', at: 3, value }));
  for (const key of ['__proto__', 'constructor', 'prototype'] as const) {
    cases.push(sendCase({ kind: 'proto', at: 0, key, value: { admin: true } }));
    cases.push(sendCase({ kind: 'none' }, { wire: { kind: 'proto-text', key } }));
  }
  cases.push(sendCase({ kind: 'none' }, { binary: true }));
  cases.push(sendCase({ kind: 'none' }, { wire: { kind: 'garble', at: 30, bytes: [0xed, 0xa0, 0x80] }, binary: true }));
  cases.push(sendCase({ kind: 'none' }, { wire: { kind: 'garble', at: 30, bytes: [0xff] } }));
  cases.push(sendCase({ kind: 'none' }, { wire: { kind: 'truncate', at: 20 } }));
  cases.push(sendCase({ kind: 'none' }, { wire: { kind: 'replace', text: '' } }));
  cases.push(sendCase({ kind: 'none' }, { wire: { kind: 'replace', text: '' }, binary: true }));
  for (const socket of [3, 4])
    cases.push(sendCase({ kind: 'deep', slot: 99, depth: 20_000, shape: 'array' }, { socket }));
  // The dialect's sockets read frames of their own: nesting, huge text and both dialects' frames, on each.
  const chatSend = dialectTable().find((entry) => entry.event === 'chat:send')!;
  for (const socket of [5, 6]) {
    const dialectCase = (mutation: Mutation): WsCase => ({
      ...base,
      dialect: true,
      socket,
      type: 'chat:send',
      schema: chatSend.schema,
      params: { content: 'x', task_id: refs.task![0] },
      mutation,
    });
    for (const shape of ['array', 'object'] as const) {
      for (let at = 0; at < 4; at++) cases.push(dialectCase({ kind: 'hostile', at, value: nested(20_000, shape) }));
    }
    for (const bytes of HUGE_BYTES) cases.push(dialectCase({ kind: 'huge', at: 3, bytes }));
    for (const key of ['__proto__', 'constructor', 'prototype'] as const) {
      cases.push(dialectCase({ kind: 'proto', at: 0, key, value: { admin: true } }));
    }
    cases.push(sendCase({ kind: 'none' }, { socket }));
    cases.push(sendCase({ kind: 'none' }, { socket, binary: true }));
  }
  return cases;
}
