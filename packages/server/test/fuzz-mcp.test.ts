/**
 * Fuzzing over MCP: JSON-RPC requests and notifications built from the MCP SDK's own schemas (every
 * client method and notification), tool calls built from the tool list's input schemas with real ids,
 * then broken (arguments and envelopes as over WebSocket, batches, odd ids and headers), each POSTed
 * to /mcp outside any session by a person, an agent or an admin.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ClientNotificationSchema, ClientRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';
import { arbitraryFor, exampleOf, firstReal, type JsonSchema, type References } from './fuzz/arbitraries.js';
import { HttpClient } from './fuzz/http-client.js';
import { excerpt } from './fuzz/json-text.js';
import { DEEP_DEPTHS, HUGE_BYTES, mutate, mutation, render, wire, type Mutation, type Wire } from './fuzz/mutations.js';
import {
  assertHealthy,
  errorBodyProblem,
  Findings,
  fuzzScene,
  fuzzSettings,
  httpProblem,
  startHeartbeat,
  startWaker,
} from './fuzz/scene.js';
import { MCP_HEADERS, resourceTemplates, toolTable } from './fuzz/tables.js';

/** Requests in flight together; each batch is awaited before the next. */
const BATCH = 25;
/** How long one answer may take: a local hub answers in milliseconds, so this only bounds a hang. */
const ANSWER_WITHIN_MS = 5_000;
/** JSON-RPC's "Internal error": what a bug in a handler turns into. */
const INTERNAL_ERROR = -32603;

/** Headers besides the right ones: what a misconfigured client sends. */
const ODD_HEADERS: Array<Record<string, string>> = [
  { accept: 'application/json', 'content-type': 'application/json' },
  { 'content-type': 'application/json' },
  { accept: MCP_HEADERS.accept, 'content-type': 'text/plain' },
  { accept: MCP_HEADERS.accept },
  { ...MCP_HEADERS, 'mcp-session-id': 'no-such-session' },
  { ...MCP_HEADERS, 'mcp-protocol-version': '1999-01-01' },
  { ...MCP_HEADERS, 'mcp-session-id': '' },
];

interface McpCase {
  message: { method: string; params?: Record<string, unknown>; notification: boolean };
  /** What the mutation hits: the tool's arguments (or the method's params), or the whole envelope. */
  target: 'params' | 'envelope';
  schema: JsonSchema;
  mutation: Mutation;
  wire: Wire;
  batch: number;
  headers: number;
  actor: number;
}

/** The JSON Schemas of every request and notification the MCP spec lets a client send, by method. */
function specMethods(): Array<{ schema: JsonSchema; notification: boolean }> {
  const toSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  return [
    ...(toSchema(ClientRequestSchema).anyOf as JsonSchema[]).map((schema) => ({ schema, notification: false })),
    ...(toSchema(ClientNotificationSchema).anyOf as JsonSchema[]).map((schema) => ({ schema, notification: true })),
  ];
}

test('hostile MCP requests built from the spec and the tool list get registered errors, and the hub keeps serving others', async (t) => {
  const settings = fuzzSettings('fuzz-mcp');
  const started = Date.now();
  const scene = await fuzzScene(t);
  const { hub, refs } = scene;
  const heartbeat = await startHeartbeat(t, hub);
  await startWaker(t, hub, scene.actors);
  const findings = new Findings();
  const http = new HttpClient(hub.url);
  t.after(() => http.close());
  const tools = await toolTable(hub.url, scene.actors[0]!.token);
  const templates = await resourceTemplates(hub.url, scene.actors[0]!.token);
  // Resources the fuzzer aims at: each template filled with each real room, as well as the fixed ones.
  for (const template of templates) {
    refs.resource!.push(...refs.room!.map((room) => template.replace(/\{[^}]+\}/, encodeURIComponent(room))));
  }
  const methods = specMethods();
  assert.ok(
    methods.some((entry) => entry.schema.properties.method.const === 'tools/call'),
    'the spec has tools/call',
  );

  const toolCall = fc.oneof(
    ...tools.map((tool) =>
      fc.record({
        method: fc.constant('tools/call'),
        params: fc.record({
          name: fc.constant(tool.name),
          arguments: arbitraryFor(tool.inputSchema, '', { refs }) as fc.Arbitrary<Record<string, unknown>>,
        }),
        notification: fc.constant(false),
        schema: fc.constant(tool.inputSchema),
      }),
    ),
  );
  const specMessage = fc.oneof(
    ...methods.map(({ schema, notification }) =>
      fc.record({
        method: fc.constant(schema.properties.method.const as string),
        params: (schema.properties.params
          ? arbitraryFor(schema.properties.params, '', { refs })
          : fc.constant(undefined)) as fc.Arbitrary<Record<string, unknown> | undefined>,
        notification: fc.constant(notification),
        schema: fc.constant((schema.properties.params ?? {}) as JsonSchema),
      }),
    ),
  );
  const unknownMethod = fc.record({
    method: fc.oneof(
      fc.string({ maxLength: 30 }),
      fc.constantFrom('tools/delete', 'admin/shutdown', 'rpc.discover', '__proto__'),
    ),
    params: fc.constant({}),
    notification: fc.boolean(),
    schema: fc.constant({} as JsonSchema),
  });
  const mcpCase: fc.Arbitrary<McpCase> = fc
    .record({
      message: fc.oneof(
        { weight: 6, arbitrary: toolCall },
        { weight: 3, arbitrary: specMessage },
        { weight: 1, arbitrary: unknownMethod },
      ),
      target: fc.constantFrom('params' as const, 'params' as const, 'envelope' as const),
      mutation,
      wire,
      batch: fc.nat(40).map((n) => (n < 2 ? n + 2 : 1)),
      headers: fc.nat(60).map((n) => (n < ODD_HEADERS.length ? n + 1 : 0)),
      actor: fc.constantFrom(0, 0, 0, 1, 1, 2),
    })
    .map(({ message: { schema, ...message }, ...rest }) => ({ message, schema, ...rest }));

  let sentCases = 0;
  let inFlight: string[] = [];
  const monitor = () => console.log(`the hub crashed with these requests in flight:\n${inFlight.join('\n')}`);
  process.on('uncaughtExceptionMonitor', monitor);
  t.after(() => process.off('uncaughtExceptionMonitor', monitor));

  function envelope(mcpCase: McpCase): unknown {
    const { method, params, notification } = mcpCase.message;
    const id = sentCases;
    const bare = {
      jsonrpc: '2.0',
      ...(notification ? {} : { id }),
      method,
      ...(params === undefined ? {} : { params }),
    };
    if (mcpCase.target === 'envelope') {
      const schema: JsonSchema = { properties: { jsonrpc: {}, id: {}, method: {}, params: mcpCase.schema } };
      return mutate(bare, schema, mcpCase.mutation);
    }
    const args = method === 'tools/call' ? (params?.arguments as Record<string, unknown>) : params;
    const mutated = mutate(args ?? {}, mcpCase.schema, mcpCase.mutation);
    return { ...bare, params: method === 'tools/call' ? { ...params, arguments: mutated } : mutated };
  }

  function judge(label: string, described: string, status: number, text: string): void {
    const report = (problem: string) =>
      findings.add(`mcp: ${problem}`, label, `${described}\n    got ${status} ${excerpt(text)}`);
    if (status === 500) return report('HTTP 500');
    let messages: any[] = [];
    try {
      messages =
        text.startsWith('event:') || text.startsWith('data:') || text.startsWith('id:')
          ? text
              .split('\n')
              .filter((line) => line.startsWith('data: '))
              .map((line) => JSON.parse(line.slice(6)))
          : text
            ? [JSON.parse(text)].flat()
            : [];
    } catch {
      return report(status >= 400 ? `HTTP ${status} with a body that is not JSON` : 'an answer that is not JSON');
    }
    if (status >= 400 && messages.length > 0 && messages[0]?.jsonrpc === undefined) {
      const problem = httpProblem(status, text);
      if (problem) report(problem);
      return;
    }
    for (const message of messages) {
      if (message?.error?.code === INTERNAL_ERROR) report('JSON-RPC -32603 (internal error)');
      const result = message?.result;
      if (result?.isError) {
        let body: unknown;
        try {
          body = JSON.parse(result.content?.[0]?.text);
        } catch {
          report('a tool error without a hub error body');
          continue;
        }
        const problem = errorBodyProblem(body);
        if (problem) report(`tool error ${problem}`);
      }
    }
  }

  async function send(mcpCase: McpCase): Promise<void> {
    sentCases += 1;
    const messages = Array.from({ length: mcpCase.batch }, () => envelope(mcpCase));
    const payload = render(mcpCase.batch > 1 ? messages : messages[0], mcpCase.wire);
    const headers = mcpCase.headers === 0 ? MCP_HEADERS : ODD_HEADERS[mcpCase.headers - 1]!;
    const token = scene.actors[mcpCase.actor]!.token;
    const tool = mcpCase.message.method === 'tools/call' ? ` ${String(mcpCase.message.params?.name)}` : '';
    const label = `${mcpCase.message.method}${tool}`;
    const described = `${excerpt(payload)}${mcpCase.headers === 0 ? '' : ` with ${JSON.stringify(headers)}`}`;
    inFlight.push(described);
    try {
      const answer = await http.request(
        'POST',
        '/mcp',
        { ...headers, authorization: `Bearer ${token}` },
        payload,
        ANSWER_WITHIN_MS,
        true,
      );
      judge(label, described, answer.status, answer.text);
    } catch (error) {
      findings.add('mcp: no answer', label, `${described}\n    ${String(error)}`);
    }
  }

  async function run(batch: McpCase[]): Promise<void> {
    inFlight = [];
    await Promise.all(batch.map(send));
  }

  for (const batch of corpus(tools, refs)) await run(batch);
  let batches = 0;
  await fc.assert(
    fc.asyncProperty(fc.array(mcpCase, { minLength: BATCH, maxLength: BATCH }), async (batch) => {
      await run(batch);
      if (++batches % 10 === 0) await scene.repair();
    }),
    { seed: settings.seed, numRuns: Math.max(1, Math.ceil((settings.cases - sentCases) / BATCH)), endOnFailure: true },
  );

  const heartbeats = await heartbeat.stopAndCheck();
  await assertHealthy(hub);
  console.log(
    `fuzz-mcp: ${sentCases} cases over ${tools.length} tools and ${methods.length} spec methods, ${heartbeats} heartbeats, ` +
      `${findings.size} kinds of failure, ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  assert.ok(sentCases >= settings.cases, `${sentCases} cases were sent`);
  findings.assertNone('fuzz-mcp');
});

/** Every run, whatever the seed: each tool's arguments nested to each depth and shape, and huge. */
function corpus(tools: Array<{ name: string; inputSchema: JsonSchema }>, refs: References): McpCase[][] {
  const cases: McpCase[] = [];
  for (const tool of tools) {
    const valid = exampleOf(tool.inputSchema, '', firstReal(refs));
    const base = {
      message: { method: 'tools/call', params: { name: tool.name, arguments: valid }, notification: false },
      target: 'params' as const,
      schema: tool.inputSchema,
      wire: { kind: 'text' } as Wire,
      batch: 1,
      headers: 0,
      actor: 0,
    };
    for (const depth of DEEP_DEPTHS) {
      for (const shape of ['array', 'object'] as const) {
        cases.push({ ...base, mutation: { kind: 'deep', slot: 0, depth, shape } });
        cases.push({ ...base, mutation: { kind: 'deep', slot: 99, depth, shape } });
      }
    }
    cases.push({ ...base, mutation: { kind: 'huge', at: 0, bytes: HUGE_BYTES[1] } });
  }
  return Array.from({ length: Math.ceil(cases.length / BATCH) }, (_, index) =>
    cases.slice(index * BATCH, (index + 1) * BATCH),
  );
}
