/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP, so a coding agent joins with one line of
 * configuration. The Bearer token is checked like any API request's (before this code runs), and
 * every tool acts as that member through the hub, under the same membership checks, delivery rule,
 * limits and error codes as every other client.
 *
 * A client that initializes gets a session: it is present while the session lives, may subscribe to
 * its inbox and rooms as resources, and hears of their changes on its `GET` stream. A request
 * without a session (a single `tools/call`, say) is answered on its own, statelessly. The MCP SDK
 * is loaded at the first request.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Authenticated, Hub } from '../core/hub.js';
import { HubError, toHubError } from '../core/hub-error.js';
import { newId } from '../core/ids.js';
import type { MemberRecord } from '../core/ports.js';
import type { Session } from '../core/sessions.js';
import type { Closable, TransportContext } from './context.js';
import { argumentsFor, TOOL_LIST, TOOLS_BY_NAME, type ToolContext } from './mcp-tools.js';
import { brief } from './views.js';

type Sdk = typeof import('@modelcontextprotocol/sdk/types.js') & {
  Server: typeof import('@modelcontextprotocol/sdk/server/index.js').Server;
  Transport: typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js').StreamableHTTPServerTransport;
};
type McpServer = InstanceType<Sdk['Server']>;
type McpTransport = InstanceType<Sdk['Transport']>;

let sdk: Promise<Sdk> | undefined;

function loadSdk(): Promise<Sdk> {
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
const ROOM_URI_PREFIX = 'roundtable://rooms/';
/**
 * A session that has seen no request and holds no stream for this long is closed. Long, because a
 * coding agent may sit unused for hours and not every client starts a new session when told its
 * old one is gone.
 */
const SESSION_IDLE_MS = 24 * 3_600_000;
/** Without a `GET` stream, a session's member counts as present for this long after its last request. */
const PRESENCE_GRACE_MS = 120_000;
/** Sessions one member may hold; a new one past it closes that member's oldest. */
const MAX_SESSIONS_PER_MEMBER = 16;
/** Messages a room resource shows: the newest. */
const ROOM_RESOURCE_MESSAGES = 50;
/** The JSON-RPC code MCP gives an unknown resource. */
const RESOURCE_NOT_FOUND = -32002;
/** Resources one session may subscribe to. */
const MAX_SUBSCRIPTIONS = 100;

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

function scopeOf(request: FastifyRequest, reply: FastifyReply): RequestScope {
  const closed = new AbortController();
  reply.raw.once('close', () => closed.abort());
  return { member: authOf(request).member, closed: closed.signal, log: request.log };
}

export function registerMcp(app: FastifyInstance, context: TransportContext): void {
  const endpoint = new McpEndpoint(context);
  // Registered before any session, so waits hear of the shutdown before their sessions close.
  context.connections.add(endpoint);
  app.post('/mcp', { schema: { hide: true } }, (request, reply) => endpoint.post(request, reply));
  app.get('/mcp', { schema: { hide: true }, exposeHeadRoute: false }, (request, reply) =>
    endpoint.inSession(request, reply, 'GET'),
  );
  app.delete('/mcp', { schema: { hide: true } }, (request, reply) => endpoint.inSession(request, reply, 'DELETE'));
  const sweep = setInterval(() => endpoint.sweep(), 30_000);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));
}

class McpEndpoint implements Closable {
  private readonly sessions = new Map<string, McpSession>();
  private readonly stopping = new AbortController();

  constructor(private readonly context: TransportContext) {}

  close(): void {
    this.stopping.abort();
  }

  async post(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const loaded = await loadSdk();
    const auth = authOf(request);
    // MCP dropped JSON-RPC batches (2025-06-18); refusing them keeps one request one unit of the rate limit.
    if (Array.isArray(request.body)) {
      return reply.status(400).send(rpcError('Batches are not accepted: send one JSON-RPC message per request.'));
    }
    const invalid = invalidRequest(loaded, request.body);
    if (invalid) return reply.status(200).send(invalid);
    if (request.headers['mcp-session-id'] !== undefined) return this.inSession(request, reply, 'POST');
    if (loaded.isInitializeRequest(request.body)) return this.open(loaded, auth, request, reply);
    // A request on its own: a server and transport for it alone, closed with its response.
    const server = this.server(loaded, auth.member, undefined);
    const transport = new loaded.Transport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await answering(request, reply, async () => {
      await server.connect(transport);
      await requestScope.run(scopeOf(request, reply), () =>
        transport.handleRequest(request.raw, reply.raw, request.body),
      );
    });
  }

  async inSession(request: FastifyRequest, reply: FastifyReply, method: 'GET' | 'POST' | 'DELETE'): Promise<void> {
    const header = request.headers['mcp-session-id'];
    if (header === undefined && method !== 'POST') {
      return reply
        .status(405)
        .header('allow', 'POST')
        .send(rpcError(`${method} needs the mcp-session-id of a session: initialize one with a POST.`));
    }
    const session = typeof header === 'string' ? this.sessions.get(header) : undefined;
    // A session belongs to the token that opened it: with any other it is as unknown as a closed one.
    if (!session || session.tokenId !== authOf(request).tokenId) {
      return reply.status(404).send(rpcError('Session not found: initialize a new one.'));
    }
    session.touch();
    reply.hijack();
    session.open += 1;
    reply.raw.once('close', () => {
      session.open -= 1;
      session.touch();
    });
    await answering(request, reply, () =>
      requestScope.run(scopeOf(request, reply), () =>
        session.transport.handleRequest(request.raw, reply.raw, request.body),
      ),
    );
  }

  sweep(): void {
    const now = Date.now();
    for (const session of this.sessions.values()) {
      if (session.open > 0) continue;
      if (session.lastSeen < now - SESSION_IDLE_MS) session.close();
      else if (session.lastSeen < now - PRESENCE_GRACE_MS) session.absent();
    }
  }

  private async open(loaded: Sdk, auth: Authenticated, request: FastifyRequest, reply: FastifyReply) {
    const mine = [...this.sessions.values()].filter((session) => session.member.id === auth.member.id);
    if (mine.length >= MAX_SESSIONS_PER_MEMBER) mine[0]!.close();
    const session: McpSession = new McpSession(this.context, auth, (id) => this.sessions.delete(id));
    const transport = new loaded.Transport({
      sessionIdGenerator: () => newId('mcp'),
      onsessioninitialized: async (id) => {
        session.id = id;
        this.sessions.set(id, session);
        this.context.connections.add(session);
        session.touch();
        try {
          await session.watch();
        } catch (error) {
          session.close();
          throw error;
        }
      },
    });
    transport.onclose = () => session.close();
    session.transport = transport;
    session.server = this.server(loaded, auth.member, session);
    await session.server.connect(transport);
    reply.hijack();
    await answering(request, reply, () =>
      requestScope.run(scopeOf(request, reply), () => transport.handleRequest(request.raw, reply.raw, request.body)),
    );
  }

  /** `fallback` is the member a handler acts as outside any request's scope (none is expected). */
  private server(loaded: Sdk, fallback: MemberRecord, session: McpSession | undefined): McpServer {
    const { hub } = this.context;
    const { stopping } = this;
    const { log } = this.context;
    const current = () => requestScope.getStore() ?? { member: fallback, closed: stopping.signal, log };
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
        signal: AbortSignal.any([extra.signal, closed, stopping.signal]),
        stopping: stopping.signal,
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
    server.setRequestHandler(loaded.UnsubscribeRequestSchema, (unsubscribe) => {
      session?.unsubscribe(unsubscribe.params.uri);
      return {};
    });
    return server;
  }
}

function authOf(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new HubError('auth_required');
  return request.auth;
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
    throw new loaded.McpError(notFound ? RESOURCE_NOT_FOUND : loaded.ErrorCode.InvalidParams, body.message, body);
  }
}

function rpcError(message: string) {
  return { jsonrpc: '2.0', error: { code: -32000, message }, id: null };
}

/**
 * Runs the SDK on a reply taken out of Fastify's hands: whatever it throws is logged and answered
 * as `internal` on that response alone, never left to hang the request or reach the process.
 */
async function answering(request: FastifyRequest, reply: FastifyReply, work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    request.log.error({ err: error }, 'mcp request failed');
    const response = reply.raw;
    if (response.writableEnded) return;
    if (!response.headersSent) {
      const body = toHubError(error).toBody();
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ jsonrpc: '2.0', error: { code: -32603, message: body.message, data: body }, id: null }),
      );
    } else {
      response.end();
    }
  }
}

/** JSON-RPC's code for a request whose params break the method's schema. */
const INVALID_PARAMS = -32602;
let requestSchemas: Map<string, { safeParse(value: unknown): { success: boolean; error?: z.ZodError } }> | undefined;

/**
 * A request to a method MCP defines whose params break that method's schema, answered with
 * "Invalid params" and each problem by path. The SDK would parse it inside its handler and answer
 * "Internal error" with the raw validation dump.
 */
function invalidRequest(loaded: Sdk, body: unknown) {
  if (typeof body !== 'object' || body === null || !('method' in body) || !('id' in body)) return undefined;
  const { method, id, params } = body as { method: unknown; id: unknown; params?: unknown };
  if (typeof method !== 'string') return undefined;
  const answerId = typeof id === 'string' || typeof id === 'number' ? id : null;
  // A request asking to run as an MCP task: this server runs tools directly, and says so plainly.
  if (typeof params === 'object' && params !== null && 'task' in params) {
    const message = 'Invalid params: this server does not run requests as tasks; leave out params.task.';
    return {
      jsonrpc: '2.0',
      id: answerId,
      error: { code: INVALID_PARAMS, message, data: { code: 'invalid_request' } },
    };
  }
  requestSchemas ??= new Map(
    loaded.ClientRequestSchema.options.map((schema) => [schema.shape.method.value as string, schema]),
  );
  const schema = requestSchemas.get(method);
  const parsed = schema?.safeParse(body);
  if (!parsed || parsed.success) return undefined;
  const issues = parsed.error!.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const message = `Invalid params: ${issues.map((issue) => `${issue.path || 'request'}: ${issue.message}`).join('; ')}`;
  return {
    jsonrpc: '2.0',
    id: answerId,
    error: { code: INVALID_PARAMS, message, data: { code: 'invalid_request', issues } },
  };
}

/** The room a resource URI names, checked for membership; undefined for the inbox. */
async function resourceRoom(hub: Hub, actor: MemberRecord, uri: string) {
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

/**
 * An initialized MCP client, with the resources it subscribed to. While it is active (a `GET` stream
 * open, or a recent request) it is attached to the hub like a connection: its member shows as
 * present, and a revoked token or a disabled member ends it.
 */
class McpSession implements Closable {
  id = '';
  transport!: McpTransport;
  server!: McpServer;
  lastSeen = Date.now();
  /** Requests under way, `GET` streams included: a session with one is neither idle nor absent. */
  open = 0;
  readonly member: MemberRecord;
  readonly tokenId: string | null;
  /** Each subscribed resource by its own URI (a room by id), with the URI the client gave, which its notifications carry. */
  private readonly subscriptions = new Map<string, string>();
  private hubSession: Session | undefined;
  private attaching: Promise<void> | undefined;
  private stopWatching: (() => void) | undefined;
  private closed = false;

  constructor(
    private readonly context: TransportContext,
    private readonly auth: Authenticated,
    private readonly forget: (id: string) => void,
  ) {
    this.member = auth.member;
    this.tokenId = auth.tokenId;
  }

  touch(): void {
    this.lastSeen = Date.now();
    if (this.hubSession || this.attaching || this.closed) return;
    // `bind` hands over the hub's session before `attach` can fail, so it is always detached again.
    const connection = {
      presenceOnly: true,
      send: () => {},
      close: () => this.close(),
      bind: (session: Session) => (this.hubSession = session),
    };
    this.attaching = this.context.hub.fanout
      .attach(connection, this.auth)
      .then(() => {
        if (this.closed) this.absent();
      })
      .catch(() => this.absent())
      .finally(() => (this.attaching = undefined));
  }

  /** No longer present; the session itself stays for the client's next request. */
  absent(): void {
    if (this.hubSession) this.context.hub.fanout.detach(this.hubSession);
    this.hubSession = undefined;
  }

  /** From here on, the session hears of its rooms' changes: for its subscriptions, and its own joins and leaves. */
  async watch(): Promise<void> {
    const stop = await this.context.hub.inbox.watchMember(this.member, {
      membership: (event) => {
        if (event.kind === 'member.left') this.subscriptions.delete(`${ROOM_URI_PREFIX}${event.room}`);
        void this.server.sendResourceListChanged().catch(() => undefined);
      },
      event: (event, addressed) => {
        if (this.subscriptions.size === 0) return;
        const inbox = this.subscriptions.get(INBOX_URI);
        if (inbox && addressed) this.notify(inbox);
        const room = this.subscriptions.get(`${ROOM_URI_PREFIX}${event.room}`);
        if (room && event.kind.startsWith('message.')) this.notify(room);
      },
    });
    if (this.closed) stop();
    else this.stopWatching = stop;
  }

  async subscribe(member: MemberRecord, uri: string): Promise<void> {
    const room = await resourceRoom(this.context.hub, member, uri);
    const own = room ? `${ROOM_URI_PREFIX}${room.id}` : INBOX_URI;
    if (!this.subscriptions.has(own) && this.subscriptions.size >= MAX_SUBSCRIPTIONS) {
      throw new HubError('invalid_request', `At most ${MAX_SUBSCRIPTIONS} subscriptions per session.`);
    }
    this.subscriptions.set(own, uri);
  }

  unsubscribe(uri: string): void {
    for (const [own, given] of this.subscriptions) if (given === uri || own === uri) this.subscriptions.delete(own);
  }

  private notify(uri: string): void {
    this.server.sendResourceUpdated({ uri }).catch(() => undefined);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stopWatching?.();
    this.context.connections.delete(this);
    this.absent();
    this.forget(this.id);
    void this.transport?.close();
    void this.server?.close();
  }
}
