/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP, so a coding agent joins with one line of
 * configuration. The Bearer token is checked like any API request's (before this code runs), and
 * every tool acts as that member through the hub (`mcp-server.ts`).
 *
 * A client that initializes gets a session: its member, token, protocol version and subscriptions
 * are kept in the shared session store (Redis when several instances run), so each of its requests
 * may land on any instance, and no load balancer needs sticky routing. Every request is answered by
 * a server made for it; the client's `GET` stream, on whichever instance it lands, hears of the
 * subscribed resources' changes. A request without a session (a single `tools/call`, say) is
 * answered on its own. The MCP SDK is loaded at the first request.
 */
import { ERRORS } from '@roundtable/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Authenticated } from '../core/hub.js';
import { HubError, toHubError } from '../core/hub-error.js';
import { newId } from '../core/ids.js';
import type { BusMessage, MemberRecord } from '../core/ports.js';
import type { Closable, TransportContext } from './context.js';
import { inRequestScope, loadSdk, mcpServer, type Sdk } from './mcp-server.js';
import { McpSession, SESSION_IDLE_MS, shared, type SessionHost } from './mcp-session.js';
import type { McpSessionRecord } from './mcp-sessions.js';

export { INBOX_URI } from './mcp-server.js';

/** Without a request here for this long, an instance forgets its view of a session (the session lives on). */
const PRESENCE_GRACE_MS = 120_000;
/** Sessions one member may hold; a new one past it ends that member's oldest. */
const MAX_SESSIONS_PER_MEMBER = 16;
/** Session ids are the hub's (`mcp_` and 22 characters): a longer header is no session, and never reaches the store. */
const MAX_SESSION_ID_LENGTH = 64;

type SessionChange = Extract<BusMessage, { action: 'mcp.session' }>;

export function registerMcp(app: FastifyInstance, context: TransportContext): void {
  const endpoint = new McpEndpoint(context);
  // Closed with the connections at shutdown: waits end with `shutting_down`, streams here close.
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

class McpEndpoint implements Closable, SessionHost {
  /** This instance's views of the sessions whose requests reached it lately, by session id. */
  private readonly views = new Map<string, McpSession>();
  private readonly stopping = new AbortController();

  constructor(readonly context: TransportContext) {
    context.bus.subscribe((message) => {
      if (message.kind === 'control' && message.action === 'mcp.session') this.changed(message);
    });
    // Announcements may have been lost: each view reads its session again (and goes if it ended).
    context.bus.onResync(() => {
      for (const view of [...this.views.values()]) {
        view
          .reload()
          .catch((error: unknown) => this.context.log.warn({ err: error }, 'could not reload an mcp session'));
      }
    });
  }

  /** The hub is stopping: waits end, streams here close, and the sessions stay for the other instances. */
  close(): void {
    this.stopping.abort();
    for (const view of [...this.views.values()]) view.drop();
  }

  announce(id: string, change: SessionChange['change']): void {
    this.context.bus.publish({
      kind: 'control',
      action: 'mcp.session',
      sessionId: id,
      change,
      instance: this.context.hub.instanceId,
    });
  }

  forget(view: McpSession): void {
    if (this.views.get(view.id) === view) this.views.delete(view.id);
  }

  private changed(message: SessionChange): void {
    const view = this.views.get(message.sessionId);
    if (!view) return;
    if (message.change === 'ended') view.drop(true);
    else if (message.instance === this.context.hub.instanceId) return;
    else if (message.change === 'stream') view.streamClosed();
    else if (view.streams)
      view.reload().catch((error: unknown) => this.context.log.warn({ err: error }, 'could not reload an mcp session'));
  }

  async post(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    if (this.stopping.signal.aborted) return refuse(reply, new HubError('shutting_down'));
    const loaded = await loadSdk();
    const auth = authOf(request);
    // MCP dropped JSON-RPC batches (2025-06-18); refusing them keeps one request one unit of the rate limit.
    if (Array.isArray(request.body)) {
      return reply.status(400).send(rpcError('Batches are not accepted: send one JSON-RPC message per request.'));
    }
    const invalid = invalidRequest(loaded, request.body);
    if (invalid) return reply.status(200).send(invalid);
    if (request.headers['mcp-session-id'] !== undefined) return this.inSession(request, reply, 'POST');
    // An initialize the SDK will refuse (what it accepts or sends is wrong) opens no session.
    if (loaded.isInitializeRequest(request.body) && acceptable(request, 'POST'))
      return this.open(loaded, auth, request, reply);
    // A request on its own, answered as JSON.
    return this.serve(loaded, auth.member, undefined, request, reply, 'single');
  }

  async inSession(request: FastifyRequest, reply: FastifyReply, method: 'GET' | 'POST' | 'DELETE'): Promise<void> {
    const header = request.headers['mcp-session-id'];
    if (header === undefined && method !== 'POST') {
      return reply
        .status(405)
        .header('allow', 'POST')
        .send(rpcError(`${method} needs the mcp-session-id of a session: initialize one with a POST.`));
    }
    if (this.stopping.signal.aborted) return refuse(reply, new HubError('shutting_down'));
    const auth = authOf(request);
    let view: McpSession | undefined;
    try {
      view = typeof header === 'string' ? await this.find(header, auth) : undefined;
    } catch (error) {
      return refuse(reply, error);
    }
    // A session belongs to the token that opened it: with any other it is as unknown as a closed one.
    if (!view) return reply.status(404).send(rpcError('Session not found: initialize a new one.'));
    view.member = auth.member;
    const version = request.headers['mcp-protocol-version'];
    if (typeof version === 'string' && version !== view.protocolVersion) {
      return reply
        .status(400)
        .send(rpcError(`This session speaks MCP ${view.protocolVersion}: send that as mcp-protocol-version.`));
    }
    if (method === 'DELETE') {
      try {
        await view.end();
      } catch (error) {
        return refuse(reply, error);
      }
      return reply.status(200).send();
    }
    const loaded = await loadSdk();
    if (loaded.isInitializeRequest(request.body)) {
      return reply
        .status(400)
        .send({ jsonrpc: '2.0', error: { code: -32600, message: 'The session is initialized already.' }, id: null });
    }
    return this.serve(loaded, auth.member, view, request, reply, method === 'GET' ? 'stream' : 'request');
  }

  sweep(): void {
    const now = Date.now();
    for (const view of [...this.views.values()]) {
      // A stream held open for a day is use too: the session lives on meanwhile.
      if (view.open > 0) view.touch();
      else if (view.lastSeen < now - PRESENCE_GRACE_MS) view.drop();
    }
  }

  /** This instance's view of a session of this token: made from the shared store when it has none. */
  private async find(id: string, auth: Authenticated): Promise<McpSession | undefined> {
    const known = this.views.get(id);
    if (known) return known.tokenId === auth.tokenId ? known : undefined;
    if (id.length > MAX_SESSION_ID_LENGTH) return undefined;
    const state = await shared(this.context.mcpSessions.get(id));
    if (!state || state.record.tokenId !== auth.tokenId || state.record.memberId !== auth.member.id) return undefined;
    // Another request of the session may have made the view while this one read the store.
    const raced = this.views.get(id);
    if (raced) return raced;
    const view = new McpSession(this, state.record, state.subscriptions, auth, 'found');
    this.views.set(id, view);
    return view;
  }

  private async open(loaded: Sdk, auth: Authenticated, request: FastifyRequest, reply: FastifyReply) {
    const params = (request.body as { params?: { protocolVersion?: unknown } }).params;
    const asked = typeof params?.protocolVersion === 'string' ? params.protocolVersion : '';
    const record: McpSessionRecord = {
      id: newId('mcp'),
      memberId: auth.member.id,
      tokenId: auth.tokenId,
      // What the SDK's server answers the initialize with: the client's version when it speaks it.
      protocolVersion: loaded.SUPPORTED_PROTOCOL_VERSIONS.includes(asked) ? asked : loaded.LATEST_PROTOCOL_VERSION,
      createdAt: this.context.clock.now(),
    };
    let ended: string[];
    try {
      ended = await shared(this.context.mcpSessions.open(record, SESSION_IDLE_MS, MAX_SESSIONS_PER_MEMBER));
    } catch (error) {
      return refuse(reply, error);
    }
    for (const id of ended) this.announce(id, 'ended');
    const view = new McpSession(this, record, new Map(), auth, 'opened');
    this.views.set(record.id, view);
    reply.raw.setHeader('mcp-session-id', record.id);
    return this.serve(loaded, auth.member, view, request, reply, 'request');
  }

  /**
   * One HTTP request answered by a server and transport made for it, and closed with it: `single`
   * answers as JSON with no session; `stream` is a session's `GET` stream, which gets the session's
   * notifications while it is open.
   */
  private async serve(
    loaded: Sdk,
    member: MemberRecord,
    view: McpSession | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
    kind: 'single' | 'request' | 'stream',
  ): Promise<void> {
    const scope = { hub: this.context.hub, stopping: this.stopping.signal, log: this.context.log, session: view };
    const server = mcpServer(loaded, scope, member);
    const transport = new loaded.Transport({ sessionIdGenerator: undefined, enableJsonResponse: kind === 'single' });
    reply.hijack();
    if (view) {
      view.touch();
      view.open += 1;
    }
    let closed = false;
    const done = view?.serving(transport);
    reply.raw.once('close', () => {
      closed = true;
      done?.();
      if (view) {
        view.open -= 1;
        view.touch();
        if (kind === 'stream') view.streamClosed(server);
      }
      void transport.close();
      void server.close();
    });
    await answering(request, reply, async () => {
      await server.connect(transport);
      // Only a stream the SDK will open takes over the session's notifications.
      if (view && kind === 'stream' && !closed && acceptable(request, 'GET'))
        await view.streaming(server, () => void transport.close());
      await inRequestScope(request, reply, member, () => transport.handleRequest(request.raw, reply.raw, request.body));
    });
  }
}

function authOf(request: FastifyRequest): Authenticated {
  if (!request.auth) throw new HubError('auth_required');
  return request.auth;
}

/** A session request refused before the SDK sees it: the store is unreachable, the hub is stopping. */
function refuse(reply: FastifyReply, error: unknown) {
  const body = toHubError(error).toBody();
  return reply
    .status(ERRORS[body.code].status)
    .send({ jsonrpc: '2.0', error: { code: -32000, message: body.message, data: body }, id: null });
}

/** Whether the SDK will take the request as it comes (what the client accepts, and for a POST what it sends). */
function acceptable(request: FastifyRequest, method: 'GET' | 'POST'): boolean {
  const accept = request.headers.accept ?? '';
  if (!accept.includes('text/event-stream')) return false;
  if (method === 'GET') return true;
  return accept.includes('application/json') && (request.headers['content-type'] ?? '').includes('application/json');
}

function rpcError(message: string) {
  return { jsonrpc: '2.0', error: { code: -32000, message }, id: null };
}

/**
 * Runs the SDK on a reply taken out of Fastify's hands: whatever it throws is logged and answered
 * on that response alone (a hub error with its code, anything else as `internal`), never left to
 * hang the request or reach the process.
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
      response.writeHead(ERRORS[body.code].status, { 'content-type': 'application/json' });
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
