/**
 * The hub's own tables of what it accepts, read at run time so that a new route, request or tool is
 * covered without anyone listing it: the OpenAPI document of /docs/json (checked against every route
 * Fastify knows), the protocol's request schemas, and the MCP tool list.
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import {
  REQUEST_TYPES,
  RequestSchemas,
  SIMPLE_PATH,
  SimpleMessageFrame,
  SimpleQuery,
  WEGENT_CLIENT_EVENTS,
  WegentClientEvents,
  WegentPersonalEvents,
  type RequestType,
} from '@roundtable/protocol';
import type { TestHub } from '@roundtable/testkit';
import type { JsonSchema } from './arbitraries.js';
import { WEB_APP_PATHS } from '../../src/transport/http.js';
import { WEGENT_PATHS } from '../../src/transport/wegent.js';

export interface RestParameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
}

export interface RestOperation {
  method: string;
  /** OpenAPI form: `/api/v1/messages/{id}`. */
  path: string;
  summary: string;
  tags: string[];
  parameters: RestParameter[];
  body: JsonSchema | undefined;
  bodyRequired: boolean;
  /** Answers without a token (`security: []`). */
  open: boolean;
}

/** Every operation of the OpenAPI document the hub serves, with its parameters and body schema. */
export async function restOperations(hub: TestHub): Promise<RestOperation[]> {
  const doc = (await (await fetch(`${hub.url}/docs/json`)).json()) as { paths: Record<string, Record<string, any>> };
  const operations: RestOperation[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const body = operation.requestBody?.content?.['application/json']?.schema as JsonSchema | undefined;
      operations.push({
        method: method.toUpperCase(),
        path,
        summary: operation.summary ?? '',
        tags: operation.tags ?? [],
        parameters: ((operation.parameters ?? []) as RestParameter[]).filter(
          (p) => p.in === 'path' || p.in === 'query',
        ),
        body,
        bodyRequired: operation.requestBody?.required === true,
        open: Array.isArray(operation.security) && operation.security.length === 0,
      });
    }
  }
  return operations;
}

/** The querystring of an operation as one object schema, as the arbitraries take it. */
export function querySchema(operation: RestOperation): JsonSchema {
  const query = operation.parameters.filter((p) => p.in === 'query');
  return {
    type: 'object',
    properties: Object.fromEntries(query.map((p) => [p.name, p.schema])),
    required: query.filter((p) => p.required).map((p) => p.name),
  };
}

/** A dialect's path in OpenAPI form: `/api/v1/tasks/{id}/chat`. */
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

/**
 * Routes that are not part of the REST API, so not in its document: transports of their own (the
 * WebSocket dialects are walked from dialectTable instead), and the document itself.
 */
const HIDDEN = [/^\/ws(\/|$)/, /^\/mcp$/, /^\/docs(\/|$)/];
const DIALECT_ROUTES = new Set(WEGENT_PATHS.map((path) => `GET ${openApiPath(path)}`));
/** The CORS preflight answers OPTIONS on every path: no operation of its own (the REST fuzzer sends OPTIONS everywhere). */
const HIDDEN_ROUTES = new Set(['OPTIONS *']);

const WEB_ROOT = fileURLToPath(new URL('../../../web/dist', import.meta.url));

function webFiles(dir = WEB_ROOT): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return [];
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? webFiles(path) : [`/${relative(WEB_ROOT, path)}`];
  });
}

/** Every route Fastify knows, as `METHOD /path/{param}`, read from its route tree. */
export function knownRoutes(hub: TestHub): string[] {
  const tree = hub.app.printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    const path = (stack[depth - 1] ?? '') + match[2]!;
    stack[depth] = path;
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD') routes.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
    }
  }
  return routes;
}

/**
 * Routes Fastify serves that the OpenAPI document leaves out, hidden ones aside: each would escape
 * both the fuzzer and the authorization matrix.
 */
export function routesMissingFromDocument(hub: TestHub, operations: RestOperation[]): string[] {
  const documented = new Set(operations.map((operation) => `${operation.method} ${operation.path}`));
  const files = new Set(['/', ...webFiles(), ...WEB_APP_PATHS.map((path) => path.replace(/:(\w+)/g, '{$1}'))]);
  return knownRoutes(hub).filter((route) => {
    const path = route.slice(route.indexOf(' ') + 1);
    if (HIDDEN.some((pattern) => pattern.test(path)) || files.has(path) || HIDDEN_ROUTES.has(route)) return false;
    if (DIALECT_ROUTES.has(route)) return false;
    return !documented.has(route);
  });
}

/** Each WebSocket request type with its parameters' JSON Schema, as the protocol defines them. */
export function requestTable(): Array<{ type: RequestType; schema: JsonSchema }> {
  return REQUEST_TYPES.map((type) => ({
    type,
    schema: z.toJSONSchema(RequestSchemas[type], { io: 'input', unrepresentable: 'any' }) as JsonSchema,
  }));
}

/**
 * A WebSocket dialect's client event at one of its paths (OpenAPI form), with its data's JSON Schema.
 * `wegent` frames are `{event, id, data}`; a `simple` frame is its data with an `id`, and its socket
 * takes the `query` parameters in its URL.
 */
export interface DialectEvent {
  path: string;
  event: string;
  schema: JsonSchema;
  frame: 'wegent' | 'simple';
  query?: JsonSchema;
}

const jsonSchema = (schema: z.ZodType) => z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

/** Every client event of the Wegent dialect at each of its paths, and the simple dialect's message. */
export function dialectTable(): DialectEvent[] {
  const [chat, personal] = WEGENT_PATHS;
  const wegent = [
    [chat, WegentClientEvents],
    [personal, WegentPersonalEvents],
  ].flatMap(([path, schemas]) =>
    WEGENT_CLIENT_EVENTS.map((event): DialectEvent => ({
      path: openApiPath(path as string),
      event,
      schema: jsonSchema((schemas as typeof WegentClientEvents)[event]),
      frame: 'wegent',
    })),
  );
  // The frame's own `id` is the sender's, to match the answer. `/ws/user` is a person's socket, named by `user_id`.
  const simple = (path: string, query: z.ZodType): DialectEvent => ({
    path,
    event: 'message',
    schema: jsonSchema(SimpleMessageFrame.omit({ id: true })),
    frame: 'simple',
    query: jsonSchema(query),
  });
  return [
    ...wegent,
    simple(openApiPath(SIMPLE_PATH), SimpleQuery),
    simple('/ws/user', SimpleQuery.required({ user_id: true })),
  ];
}

export interface McpAnswer {
  status: number;
  text: string;
  /** The JSON-RPC messages of the answer (one for a JSON body; each `data:` line of an event stream). */
  messages: any[];
}

export const MCP_HEADERS = { accept: 'application/json, text/event-stream', 'content-type': 'application/json' };

/** One POST to /mcp, outside any session unless the body initializes one. */
export async function mcpPost(
  url: string,
  token: string | undefined,
  body: string | Buffer,
  headers: Record<string, string> = MCP_HEADERS,
  signal?: AbortSignal,
): Promise<McpAnswer> {
  const response = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : new Uint8Array(body),
    signal,
  });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const messages: any[] = [];
  const parse = (chunk: string) => {
    try {
      messages.push(JSON.parse(chunk));
    } catch {
      // Not JSON: left for the caller to judge from the text.
    }
  };
  if (type.includes('text/event-stream')) {
    for (const line of text.split('\n')) if (line.startsWith('data: ')) parse(line.slice(6));
  } else if (text) {
    parse(text);
  }
  return { status: response.status, text, messages };
}

export interface McpTool {
  name: string;
  inputSchema: JsonSchema;
}

/** The tools /mcp offers, as `tools/list` gives them. */
export async function toolTable(url: string, token: string): Promise<McpTool[]> {
  const answer = await mcpPost(url, token, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
  const tools = answer.messages[0]?.result?.tools as McpTool[] | undefined;
  if (!tools) throw new Error(`tools/list failed: ${answer.status} ${answer.text}`);
  return tools;
}

/** The resource URI templates /mcp offers, as `resources/templates/list` gives them. */
export async function resourceTemplates(url: string, token: string): Promise<string[]> {
  const answer = await mcpPost(
    url,
    token,
    JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'resources/templates/list' }),
  );
  const templates = answer.messages[0]?.result?.resourceTemplates as Array<{ uriTemplate: string }> | undefined;
  if (!templates) throw new Error(`resources/templates/list failed: ${answer.status} ${answer.text}`);
  return templates.map((template) => template.uriTemplate);
}
