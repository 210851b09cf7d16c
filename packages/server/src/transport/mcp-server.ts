/**
 * The MCP SDK, loaded at the first request, and the server that answers one request (or holds one
 * notification stream) with Roundtable's tools and resources. Every tool acts as the request's member
 * through the hub, under the same membership checks, delivery rule, limits and error codes as every
 * other client.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ERRORS } from '@roundtable/protocol';
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import type { Hub } from '../core/hub.js';
import { HubError, toHubError } from '../core/hub-error.js';
import type { MemberRecord } from '../core/ports.js';
import { argumentsFor, TOOL_LIST, TOOLS_BY_NAME, type ToolContext } from './mcp-tools.js';
import { brief } from './views.js';

export type Sdk = typeof import('@modelcontextprotocol/sdk/types.js') & {
  Server: typeof import('@modelcontextprotocol/sdk/server/index.js').Server;
  Transport: typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js').StreamableHTTPServerTransport;
};
export type McpServer = InstanceType<Sdk['Server']>;

let sdk: Promise<Sdk> | undefined;

export function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([
    import('@modelcontextprotocol/sdk/types.js'),
    import('@modelcontextprotocol/sdk/server/index.js'),
    import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
  ]).then(([types, server, http]) => ({
    ...types,
    Server: server.Server,
    Transport: http.StreamableHTTPServerTransport,
  }));
  return sdk;
}

export const INBOX_URI = 'roundtable://inbox';
export const ROOM_URI_PREFIX = 'roundtable://rooms/';
/** Messages a room resource shows: the newest. */
const ROOM_RESOURCE_MESSAGES = 50;
/** The JSON-RPC code MCP gives an unknown resource. */
const RESOURCE_NOT_FOUND = -32002;

/**
 * The HTTP request an MCP message came in: its member as authenticated now (a session's member may
 * have changed role since it began), and whether its connection closed (nobody left to answer).
 */
interface RequestScope {
  member: MemberRecord;
  closed: AbortSignal;
  /** The request's logger, for defects met while answering it. */
  log: FastifyBaseLogger;
}
const requestScope = new AsyncLocalStorage<RequestScope>();

/** Runs `work` (the SDK handling one HTTP request) with that request's member, closing and logger. */
export function inRequestScope<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  member: MemberRecord,
  work: () => T,
): T {
  const closed = new AbortController();
  reply.raw.once('close', () => closed.abort());
  return requestScope.run({ member, closed: closed.signal, log: request.log }, work);
}

/** What a session's subscriptions need from the server's handlers. */
export interface SubscribingSession {
  subscribe(member: MemberRecord, uri: string): Promise<void>;
  unsubscribe(uri: string): Promise<void>;
}

export interface ServerScope {
  hub: Hub;
  /** Aborts when the hub shuts down: waits end with `shutting_down`. */
  stopping: AbortSignal;
  log: FastifyBaseLogger;
  session: SubscribingSession | undefined;
}

/**
 * An SDK server answering as `fallback` (the member a handler acts as outside any request's scope:
 * none is expected), for one request or one notification stream: the session, when there is one,
 * is the shared one, so any instance may build this for any of its requests.
 */
export function mcpServer(loaded: Sdk, scope: ServerScope, fallback: MemberRecord): McpServer {
  const { hub, stopping, log, session } = scope;
  const current = () => requestScope.getStore() ?? { member: fallback, closed: stopping, log };
  const answer = <T>(run: () => Promise<T>) => asMcpError(loaded, current().log, run);
  const server = new loaded.Server(
    { name: 'roundtable', version: hub.version },
    {
      capabilities: { tools: {}, resources: { subscribe: true, listChanged: true } },
      instructions:
        'You are a member of a Roundtable hub: a chat of people and agents. Call whoami first. ' +
        'Use wait_for_messages to hear what is addressed to you, and send_message to answer in its room ' +
        '(in its thread when it has one). Tasks: claim_task, heartbeat while working, report_task.',
    },
  );
  server.setRequestHandler(loaded.ListToolsRequestSchema, () => ({ tools: TOOL_LIST }));
  server.setRequestHandler(loaded.CallToolRequestSchema, async (call, extra) => {
    const entry = TOOLS_BY_NAME.get(call.params.name);
    if (!entry) throw new loaded.McpError(loaded.ErrorCode.InvalidParams, `Unknown tool ${call.params.name}.`);
    const { member, closed } = current();
    const toolContext: ToolContext = {
      hub,
      actor: member,
      signal: AbortSignal.any([extra.signal, closed, stopping]),
      stopping,
    };
    try {
      const result = await entry.run(toolContext, argumentsFor(entry, call.params.arguments) as never);
      return { content: [{ type: 'text' as const, text: JSON.stringify(result) }] };
    } catch (error) {
      const hubError = toHubError(error);
      if (hubError.code === 'internal') current().log.error({ err: error, tool: entry.name }, 'mcp tool failed');
      return { isError: true, content: [{ type: 'text' as const, text: JSON.stringify(hubError.toBody()) }] };
    }
  });
  server.setRequestHandler(loaded.ListResourcesRequestSchema, () =>
    answer(async () => ({
      resources: [
        {
          uri: INBOX_URI,
          name: 'inbox',
          title: 'Your inbox',
          description: 'What is addressed to you and not yet read (reading it here marks nothing read).',
          mimeType: 'application/json',
        },
        ...(await hub.rooms.listRooms(current().member)).map((room) => ({
          uri: `${ROOM_URI_PREFIX}${room.id}`,
          name: room.name ?? room.title ?? room.id,
          description: `The newest messages of ${room.kind} room ${room.name ?? room.title ?? room.id}.`,
          mimeType: 'application/json',
        })),
      ],
    })),
  );
  server.setRequestHandler(loaded.ListResourceTemplatesRequestSchema, () => ({
    resourceTemplates: [
      {
        uriTemplate: `${ROOM_URI_PREFIX}{room}`,
        name: 'room',
        description: 'The newest messages of a room you are in, by id or name.',
        mimeType: 'application/json',
      },
    ],
  }));
  server.setRequestHandler(loaded.ReadResourceRequestSchema, (read) =>
    answer(async () => {
      const { uri } = read.params;
      const value = await readResource(hub, current().member, uri);
      return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify(value) }] };
    }),
  );
  server.setRequestHandler(loaded.SubscribeRequestSchema, (subscribe) =>
    answer(async () => {
      if (!session) throw new HubError('invalid_request', 'Subscriptions need a session: initialize one first.');
      await session.subscribe(current().member, subscribe.params.uri);
      return {};
    }),
  );
  server.setRequestHandler(loaded.UnsubscribeRequestSchema, (unsubscribe) =>
    answer(async () => {
      await session?.unsubscribe(unsubscribe.params.uri);
      return {};
    }),
  );
  return server;
}

/**
 * A hub error outside a tool call, as a JSON-RPC error with the hub's code as data: MCP's "resource
 * not found" where it is one, "invalid params" for what the request got wrong, and "internal error"
 * (logged with its stack) only for a defect of the hub.
 */
async function asMcpError<T>(loaded: Sdk, log: FastifyBaseLogger, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const body = toHubError(error).toBody();
    if (body.code === 'internal') {
      log.error({ err: error }, 'mcp request failed');
      throw new loaded.McpError(loaded.ErrorCode.InternalError, body.message, body);
    }
    const notFound = body.code === 'room_not_found' || body.code === 'not_member' || body.code === 'route_not_found';
    // The hub's own trouble (its store, its shutdown) is no fault of the params: the client may retry.
    const theHubs = ERRORS[body.code].status >= 500;
    const code = notFound
      ? RESOURCE_NOT_FOUND
      : theHubs
        ? loaded.ErrorCode.InternalError
        : loaded.ErrorCode.InvalidParams;
    throw new loaded.McpError(code, body.message, body);
  }
}

/** The room a resource URI names, checked for membership; undefined for the inbox. */
export async function resourceRoom(hub: Hub, actor: MemberRecord, uri: string) {
  if (uri === INBOX_URI) return undefined;
  if (!uri.startsWith(ROOM_URI_PREFIX)) throw new HubError('route_not_found', `No resource ${uri.slice(0, 200)}.`);
  let ref: string;
  try {
    ref = decodeURIComponent(uri.slice(ROOM_URI_PREFIX.length));
  } catch {
    throw new HubError('route_not_found', `No resource ${uri.slice(0, 200)}: its room is not percent-encoded right.`);
  }
  return hub.rooms.memberRoom(actor, ref);
}

async function readResource(hub: Hub, actor: MemberRecord, uri: string) {
  const room = await resourceRoom(hub, actor, uri);
  if (!room) {
    const page = await hub.inbox.read(actor, { limit: 50 });
    return { messages: page.messages.map(brief), has_more: page.has_more };
  }
  const page = await hub.history.page(actor, { room: room.id, limit: ROOM_RESOURCE_MESSAGES });
  return {
    room: { id: room.id, name: room.name ?? room.title ?? null, kind: room.kind, topic: room.topic },
    messages: page.messages.map(brief),
    has_more: page.has_more,
  };
}
