/**
 * Every operation the hub offers, from its own tables (the OpenAPI document, the protocol's request
 * schemas, the MCP tool list and resource templates), as one list of parameters with the kind of
 * thing each names; and how to send one as a given member and read its answer.
 */
import { RawClient, type Frame, type TestHub } from '@roundtable/testkit';
import {
  exampleOf,
  looksLikeReference,
  markedOut,
  parameterKind,
  type JsonSchema,
  type RefKind,
} from '../fuzz/arbitraries.js';
import { HttpClient, percentEncode } from '../fuzz/http-client.js';
import {
  dialectTable,
  MCP_HEADERS,
  querySchema,
  requestTable,
  resourceTemplates,
  restOperations,
  toolTable,
  type RestOperation,
} from '../fuzz/tables.js';
import { BAIT, type Actor } from './world.js';

/** How long an answer may take: every request the matrix sends is answered at once, or never. */
const ANSWER_WITHIN_MS = 5_000;

export interface Param {
  name: string;
  schema: JsonSchema;
  required: boolean;
  kind: RefKind | undefined;
}

export interface Operation {
  transport: 'rest' | 'ws' | 'mcp';
  name: string;
  params: Param[];
  /**
   * `all`: for admins only (tagged admin or agents, or "(admins)" in its summary); `others`: for
   * admins when it names another member ("admins: for any member"); `none`: anyone's.
   */
  admin: 'all' | 'others' | 'none';
  rest?: RestOperation;
  template?: string;
  /** A client event of a WebSocket dialect, sent on a socket of its own opened at `path` (with `query`). */
  dialect?: { path: string; event: string; frame: 'wegent' | 'simple'; query: string[] };
}

/** An answer reduced to what a client can observe: its status (HTTP, or ok/error), its error code, its text. */
export interface Answer {
  ok: boolean;
  status: number;
  code: string | undefined;
  text: string;
}

function paramsOf(schema: JsonSchema | undefined, path?: string): Param[] {
  const required = new Set<string>(schema?.required ?? []);
  return Object.entries((schema?.properties ?? {}) as Record<string, JsonSchema>).map(([name, property]) => ({
    name,
    schema: property,
    required: required.has(name),
    kind: parameterKind(name, property, path),
  }));
}

function adminOf(operation: RestOperation): Operation['admin'] {
  if (operation.tags.some((tag) => tag === 'admin' || tag === 'agents')) return 'all';
  if (/\(admins?\)/i.test(operation.summary)) return 'all';
  return /\badmins?\b/i.test(operation.summary) ? 'others' : 'none';
}

/** The REST routes, WebSocket requests, MCP tools and MCP resource templates of the running hub. */
export async function operationTable(hub: TestHub, token: string): Promise<Operation[]> {
  const rest = (await restOperations(hub)).map((operation): Operation => {
    const inPath = operation.parameters.filter((p) => p.in === 'path');
    return {
      transport: 'rest',
      name: `${operation.method} ${operation.path}`,
      params: [
        ...inPath.map((p) => ({
          name: p.name,
          schema: p.schema,
          required: true,
          kind: parameterKind(p.name, p.schema, operation.path),
        })),
        ...paramsOf(querySchema(operation)),
        ...paramsOf(operation.body),
      ],
      admin: adminOf(operation),
      rest: operation,
    };
  });
  const ws = requestTable().map(({ type, schema }): Operation => ({
    transport: 'ws',
    name: type,
    params: paramsOf(schema),
    admin: 'none',
  }));
  // A dialect's path parameters are parameters of each of its events: the socket is opened on them.
  const dialects = dialectTable().map(({ path, event, schema, frame, query }): Operation => ({
    transport: 'ws',
    name: `${path} ${event}`,
    params: [
      ...[...path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
        name: name!,
        schema: { type: 'string' },
        required: true,
        kind: parameterKind(name!, { type: 'string' }, path),
      })),
      ...paramsOf(query).map((param) => ({ ...param, name: `?${param.name}` })),
      ...paramsOf(schema),
    ],
    admin: 'none',
    dialect: { path, event, frame, query: Object.keys(query?.properties ?? {}) },
  }));
  const mcp = (await toolTable(hub.url, token)).map((tool): Operation => ({
    transport: 'mcp',
    name: tool.name,
    params: paramsOf(tool.inputSchema),
    admin: 'none',
  }));
  const resources = (await resourceTemplates(hub.url, token)).map((template): Operation => ({
    transport: 'mcp',
    name: `resources/read ${template}`,
    params: [...template.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
      name: name!,
      schema: { type: 'string' },
      required: true,
      kind: parameterKind(name!, { type: 'string' }),
    })),
    admin: 'none',
    template,
  }));
  return [...rest, ...ws, ...dialects, ...mcp, ...resources];
}

/** Parameters that look like references (by name and type) but have no kind: the generator must learn them. */
export function unclassified(operations: Operation[]): string[] {
  return operations.flatMap((operation) =>
    operation.params
      .filter((param) => param.kind === undefined && looksLikeReference(param.name, param.schema))
      .map((param) => `${operation.transport} ${operation.name}: ${param.name}`),
  );
}

/**
 * The parameters of a case: `target` set to `value`, every other required one (or `markedOut`) a valid value,
 * naming the actor's own things where it names something, and free text carrying the bait word.
 */
export function caseValues(operation: Operation, actor: Actor, target: Param | undefined, value: unknown) {
  const fill = (name: string, schema: JsonSchema): unknown => {
    const kind = parameterKind(name, schema);
    const own = kind && kind !== 'cursors' ? actor.own[kind] : undefined;
    if (own !== undefined) return schema.type === 'array' ? [own] : own;
    const free = schema.type === 'string' && !schema.pattern && !schema.enum && !schema.format && !('const' in schema);
    if (free && (schema.maxLength ?? Infinity) >= BAIT.length) return BAIT;
    return undefined;
  };
  // A parameter's own kind may come from its path (a group's `{handle}`), which its name alone does not say.
  const fillParam = (param: Param) => (name: string, schema: JsonSchema) =>
    schema === param.schema && param.kind && param.kind !== 'cursors' && actor.own[param.kind] !== undefined
      ? schema.type === 'array'
        ? [actor.own[param.kind]]
        : actor.own[param.kind]
      : fill(name, schema);
  const values: Record<string, unknown> = {};
  for (const param of operation.params) {
    if (param === target) values[param.name] = value;
    else if (param.required || markedOut(param.schema))
      values[param.name] = exampleOf(param.schema, param.name, fillParam(param));
    // A wait left to its default holds the case for its whole length.
    else if (param.kind === 'duration') values[param.name] = 0;
  }
  return values;
}

/** `value` as parameter `param` takes it: in a list, or as a resume cursor. */
export function shaped(param: Param, value: string): unknown {
  if (param.kind === 'cursors') return param.schema.type === 'string' ? `${value}:0` : { [value]: 0 };
  return param.schema.type === 'array' ? [value] : value;
}

export interface Sender {
  send(operation: Operation, actor: Actor, values: Record<string, unknown>): Promise<Answer>;
}

/**
 * Sends cases over each transport: REST and MCP over HTTP, WebSocket on each actor's connection (or a
 * new one), a dialect's events on a socket opened for the case and kept in `opened` (its frames are
 * checked for leaks with the others').
 */
export function sender(hub: TestHub, clients: Map<string, RawClient>, opened: RawClient[]): Sender & { close(): void } {
  const http = new HttpClient(hub.url);
  let counter = 0;
  const answerOf = (status: number, text: string): Answer => {
    let code: string | undefined;
    try {
      code = JSON.parse(text)?.code;
    } catch {
      // An event stream, or text: no code.
    }
    return { ok: status < 400, status, code: typeof code === 'string' ? code : undefined, text };
  };

  async function rest(operation: Operation, actor: Actor, values: Record<string, unknown>): Promise<Answer> {
    const route = operation.rest!;
    const path = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => percentEncode(String(values[name])));
    const query = route.parameters
      .filter((p) => p.in === 'query' && values[p.name] !== undefined)
      .map((p) => `${percentEncode(p.name)}=${percentEncode(String(values[p.name]))}`)
      .join('&');
    const bodyNames = Object.keys(route.body?.properties ?? {});
    const body = route.body
      ? JSON.stringify(Object.fromEntries(bodyNames.filter((n) => n in values).map((n) => [n, values[n]])))
      : undefined;
    const answer = await http.request(
      route.method,
      `${path}${query ? `?${query}` : ''}`,
      { authorization: `Bearer ${actor.token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body,
      ANSWER_WITHIN_MS,
      // A stream is read up to its `ready` frame: what it says about the rooms resumed.
      /event: ready\ndata: [^\n]*\n/,
    );
    return answerOf(answer.status, answer.text);
  }

  async function mcp(operation: Operation, actor: Actor, values: Record<string, unknown>): Promise<Answer> {
    const message = operation.template
      ? {
          method: 'resources/read',
          params: {
            uri: operation.template.replace(/\{(\w+)\}/g, (_m, n: string) => encodeURIComponent(String(values[n]))),
          },
        }
      : { method: 'tools/call', params: { name: operation.name, arguments: values } };
    const answer = await http.request(
      'POST',
      '/mcp',
      { ...MCP_HEADERS, authorization: `Bearer ${actor.token}` },
      JSON.stringify({ jsonrpc: '2.0', id: ++counter, ...message }),
      ANSWER_WITHIN_MS,
      true,
    );
    if (answer.status >= 400) return answerOf(answer.status, answer.text);
    const reply = JSON.parse(answer.text);
    if (reply.error)
      return { ok: false, status: reply.error.code, code: reply.error.data?.code, text: JSON.stringify(reply.error) };
    const text = reply.result?.content?.[0]?.text ?? JSON.stringify(reply.result);
    if (reply.result?.isError) return { ok: false, status: 400, code: JSON.parse(text).code, text };
    return { ok: true, status: 200, code: undefined, text: JSON.stringify(reply.result) };
  }

  /**
   * A dialect's event on a socket opened at its path for this case. The event's answer (`ack` or
   * `error` with the frame's id) is the case's answer; a socket refused at its opening answers with
   * its error frames and its close code.
   */
  async function dialect(operation: Operation, actor: Actor, values: Record<string, unknown>): Promise<Answer> {
    const { path, event, frame, query } = operation.dialect!;
    const inUrl = new Set<string>();
    const base = path.replace(/\{(\w+)\}/g, (_match, name: string) => {
      inUrl.add(name);
      return percentEncode(String(values[name]));
    });
    const search = query
      .filter((name) => values[`?${name}`] !== undefined)
      .map((name) => `${name}=${percentEncode(String(values[`?${name}`]))}`);
    for (const name of query) inUrl.add(`?${name}`);
    const url = search.length > 0 ? `${base}?${search.join('&')}` : base;
    const data = Object.fromEntries(Object.entries(values).filter(([name]) => !inUrl.has(name)));
    const id = `d${++counter}`;
    const client = await RawClient.connect(undefined, hub.url, { token: actor.token, path: url });
    opened.push(client);
    // A Wegent frame names its event and carries its data; the simple dialect's frame is the data.
    const kindOf = (f: Frame) => (frame === 'wegent' ? f.event : f.type);
    // The simple dialect's answers carry the case's own id, which says nothing of what was asked.
    const bodyOf = (f: Frame) => {
      if (frame === 'wegent') return f.data;
      const { id: _id, ...body } = f;
      return body;
    };
    client.sendRaw(JSON.stringify(frame === 'wegent' ? { event, id, data } : { ...data, id }));
    try {
      const reply = await client.waitFor(
        (f) => (kindOf(f) === 'ack' || kindOf(f) === 'error') && f.id === id,
        ANSWER_WITHIN_MS,
      );
      return kindOf(reply) === 'ack'
        ? { ok: true, status: 200, code: undefined, text: JSON.stringify(bodyOf(reply)) }
        : { ok: false, status: 400, code: bodyOf(reply).code, text: JSON.stringify(bodyOf(reply)) };
    } catch (error) {
      if (client.closeCode === undefined) throw error;
      const refusal = client.frames.find((f: Frame) => kindOf(f) === 'error');
      return {
        ok: false,
        status: client.closeCode,
        code: refusal && bodyOf(refusal).code,
        text: JSON.stringify(client.frames),
      };
    } finally {
      client.close();
    }
  }

  async function ws(operation: Operation, actor: Actor, values: Record<string, unknown>): Promise<Answer> {
    if (operation.dialect) return dialect(operation, actor, values);
    const id = `m${++counter}`;
    const frame = JSON.stringify({ type: operation.name, id, ...values });
    const client = clients.get(actor.name);
    if (!client) return refusedConnection(hub, actor, frame, id);
    client.sendRaw(frame);
    const reply = await client.waitFor(
      (f) => (f.type === 'ack' || f.type === 'error') && f.id === id,
      ANSWER_WITHIN_MS,
    );
    return reply.type === 'ack'
      ? { ok: true, status: 200, code: undefined, text: JSON.stringify(reply.result) }
      : {
          ok: false,
          status: 400,
          code: reply.code,
          text: JSON.stringify({ code: reply.code, message: reply.message, details: reply.details }),
        };
  }

  return {
    send: (operation, actor, values) =>
      operation.transport === 'rest'
        ? rest(operation, actor, values)
        : operation.transport === 'mcp'
          ? mcp(operation, actor, values)
          : ws(operation, actor, values),
    close: () => http.close(),
  };
}

/**
 * A token that cannot connect: the frame is sent at once, while the token is checked, and must be
 * dropped with the connection; the answer is the error frame and the close code.
 */
async function refusedConnection(hub: TestHub, actor: Actor, frame: string, id: string): Promise<Answer> {
  const client = await RawClient.connect(undefined, hub.url, { token: actor.token });
  client.sendRaw(frame);
  const close = await client.waitForClose(ANSWER_WITHIN_MS);
  const error = client.frames.find((f: Frame) => f.type === 'error');
  const answered = client.frames.some((f: Frame) => f.id === id);
  return {
    ok: answered,
    status: close,
    code: error?.code,
    text: JSON.stringify(client.frames),
  };
}
