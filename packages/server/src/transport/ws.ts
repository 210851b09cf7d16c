/**
 * WebSocket transport: authenticate, decode and check frames, run requests, and carry the hub's
 * frames back with a bound on what a slow reader can make the server hold.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';
import { CloseCode, Cursors, SIMPLE_PATH, type Message } from '@roundtable/protocol';
import type { Authenticated, Hub } from '../core/hub.js';
import { HubError, toHubError } from '../core/hub-error.js';
import { TokenBucket } from '../core/rate-limit.js';
import type { Connection, Session } from '../core/sessions.js';
import { lazyFrames } from './lazy-frames.js';
import { parseRequest, runRequest, type ParsedRequest } from './requests.js';
import { parseUntrusted, requestIdOf, requireStorable } from './untrusted-json.js';
import { simpleMessage } from './views.js';
import type { TransportContext } from './context.js';

/** The token from `Authorization: Bearer …` or, for browsers that cannot set headers, `?token=`. */
export function tokenFrom(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice(7).trim();
  const query = request.query as Record<string, unknown>;
  return typeof query.token === 'string' && query.token ? query.token : undefined;
}

/** Rooms a cursor list may name: more than any member is in, fewer than a hostile list could hold. */
const MAX_CURSORS = 10_000;

/**
 * `resume=roomId:seq,roomId:seq` in the URL (or an SSE `Last-Event-ID`), for clients that
 * authenticate with a header. Malformed pairs are skipped: a resume asks for less, never fails.
 */
export function parseCursorList(value: unknown): Cursors {
  const cursors: Cursors = Object.create(null) as Cursors;
  if (typeof value !== 'string' || value === '') return cursors;
  for (const pair of value.split(',', MAX_CURSORS)) {
    const at = pair.lastIndexOf(':');
    const seq = Number(pair.slice(at + 1));
    if (at > 0 && Number.isInteger(seq) && seq >= 0) cursors[pair.slice(0, at)] = seq;
  }
  return cursors;
}

export function registerWebSocket(app: FastifyInstance, context: TransportContext): void {
  const maxPayload = Math.max(context.ws.maxFrameBytes * 4, 1 << 20);
  app.get('/ws', { websocket: true, schema: { hide: true } }, (socket, request) => {
    void new WsConnection(socket, upgradeOf(socket, request), context).start(
      parseCursorList((request.query as Record<string, unknown>).resume),
    );
  });
  app.get<{ Params: { agent: string } }>(
    SIMPLE_PATH,
    { websocket: true, schema: { hide: true } },
    (socket, request) => {
      const query = request.query as Record<string, unknown>;
      const userId = typeof query.user_id === 'string' ? query.user_id : undefined;
      void new WsConnection(socket, upgradeOf(socket, request), context, {
        handle: simpleHandle(request.params.agent, userId),
        room: typeof query.room === 'string' && query.room ? query.room : undefined,
        userId,
      }).start({});
    },
  );
  // One timer pings every connection, rather than a timer each.
  const heartbeat = setInterval(() => {
    for (const connection of context.connections) if (connection instanceof WsConnection) connection.heartbeat();
  }, context.hub.heartbeatMs);
  heartbeat.unref();
  app.addHook('onClose', async () => clearInterval(heartbeat));
  app.log.debug({ maxPayload }, 'websocket routes registered');
}

/**
 * Whom a simple socket is for: `/ws/{agent}` names the agent (its `user_id` only labels the script),
 * and `/ws/user?user_id=alice` names a person by `user_id`, as the original's own example URL does.
 * Either way the token must be that member's.
 */
function simpleHandle(segment: string, userId: string | undefined): string {
  const named = segment === 'user' && userId ? userId : segment;
  return named.replace(/^@/, '').toLowerCase();
}

/** What a connection keeps of its upgrade request. */
interface Upgrade {
  token: string | undefined;
  requestId: string;
  log: FastifyBaseLogger;
}

/**
 * Takes what the connection needs from its upgrade request, then lets the request go: otherwise the
 * request, its response, their Fastify wrappers and a child logger (about 3.8 KB a connection,
 * measured on heap snapshots) stay reachable for the socket's whole life, through the plugin's error
 * listener and through the TCP socket's response, which the plugin assigned for routing.
 */
function upgradeOf(socket: WebSocket, request: FastifyRequest): Upgrade {
  socket.removeAllListeners('error');
  const tcp = request.raw.socket as Socket & { _httpMessage?: ServerResponse | null };
  tcp._httpMessage?.detachSocket(tcp);
  return { token: tokenFrom(request), requestId: request.id, log: request.server.log };
}

/** The simple dialect of `/ws/{agent}`: plain message objects in and out, one room. */
interface SimpleDialect {
  handle: string;
  room: string | undefined;
  userId: string | undefined;
}

/**
 * A dialect spoken on a WebSocket in place of the protocol's frames (transport/wegent.ts): the
 * connection keeps its limits, authentication and session, and the dialect reads and writes frames.
 */
export interface Dialect {
  /** After the token is checked, before the session is attached: a HubError refuses the connection. */
  open(auth: Authenticated): Promise<void>;
  /** A client frame that passed the connection's limits and parsed as untrusted JSON: the dialect answers it. */
  receive(decoded: unknown): void;
  /** A hub frame for this connection in the dialect's words; undefined drops it. */
  translate(frame: string): string | undefined;
  /** A refusal in the dialect's words, answering request `id` when there is one. */
  error(id: string | undefined, error: HubError): string;
  closed(): void;
}

/** What a dialect may do with its connection. */
export interface DialectLink {
  /** Sends a frame already in the dialect's words, under the connection's backpressure limit. */
  write(frame: string): void;
  /** The connection's session, once attached. */
  session(): Session | undefined;
  close(code: number, reason: string): void;
  log: FastifyBaseLogger;
}

/** Serves a dialect at `url`: each upgrade gets a connection of its own and the dialect `make` builds for it. */
export function registerDialect<P>(
  app: FastifyInstance,
  context: TransportContext,
  url: string,
  make: (params: P, link: DialectLink) => Dialect,
): void {
  app.get(url, { websocket: true, schema: { hide: true } }, (socket, request) => {
    void new WsConnection(socket, upgradeOf(socket, request), context, undefined, (link) =>
      make(request.params as P, link),
    ).start({});
  });
}

/** A refused identity is final (4401, 4403); a hub that failed while checking it is worth a retry (1001). */
function authCloseCode(error: HubError): number {
  if (error.code === 'auth_required' || error.code === 'auth_failed') return CloseCode.Unauthorized;
  if (error.status === 400 || error.status === 403 || error.status === 404) return CloseCode.Forbidden;
  return CloseCode.GoingAway;
}

/** How long a slow consumer closed with 4508 may read nothing before its socket is cut. */
const SLOW_CLOSE_IDLE_MS = 10_000;

/** How much of an oversized frame is read for its request id. */
const OVERSIZE_ID_BYTES = 4_096;

/** Frames a client may send before its header token has been checked. */
const MAX_PENDING_FRAMES = 100;

/**
 * Connections corked during this turn of the event loop, uncorked together once it ends: a burst
 * of events to one connection (a busy room, a batch of commits) leaves in one write, not one
 * system call per frame.
 */
const corked = new Set<WsConnection>();

/** A server-to-client WebSocket frame's size on the wire: the payload and its unmasked header. */
function wireSize(payload: number): number {
  return payload + (payload < 126 ? 2 : payload < 65_536 ? 4 : 10);
}

function uncorkAll(): void {
  for (const connection of corked) connection.uncork();
  corked.clear();
}

class WsConnection implements Connection {
  private session: Session | undefined;
  private auth: Authenticated | undefined;
  private authenticating = false;
  private readonly pending: Buffer[] = [];
  /** Made at the first frame: most connections of an idle crowd never send one after authenticating. */
  private limiter: TokenBucket | undefined;
  private authTimer: NodeJS.Timeout | undefined;
  private alive = true;
  private closed = false;
  /** Bytes written this turn while corked: queued, but not (yet) a sign of a slow reader. */
  private corkedBytes = 0;
  private readonly hub: Hub;
  /** The simple dialect's one room, resolved at authentication. */
  private simpleRoom: { id: string; name: string | null } | undefined;
  private readonly dialect: Dialect | undefined;

  constructor(
    private readonly socket: WebSocket,
    private readonly upgrade: Upgrade,
    private readonly context: TransportContext,
    private readonly simple?: SimpleDialect,
    dialectOf?: (link: DialectLink) => Dialect,
  ) {
    this.hub = context.hub;
    this.dialect = dialectOf?.({
      write: (frame) => this.write(frame),
      session: () => this.session,
      close: (code, reason) => this.close(code, reason),
      log: upgrade.log,
    });
  }

  async start(resume: Cursors): Promise<void> {
    const { socket } = this;
    this.context.connections.add(this);
    socket.on('message', (data: Buffer) => this.onMessage(data));
    socket.on('close', () => this.onClose());
    // The plugin's listener went with the upgrade request. An unclean disconnect ends the socket; a frame
    // ws refused (too large, not UTF-8) has already started a close with its code, which must get out
    // first: ending the socket now would drop it, and the client would see 1006.
    socket.on('error', (error) => {
      this.upgrade.log.debug({ err: error, reqId: this.upgrade.requestId }, 'websocket error');
      if (socket.readyState === socket.CLOSING) {
        this.onClose();
        setTimeout(() => socket.terminate(), 2_000).unref();
      } else {
        socket.terminate();
      }
    });
    socket.on('pong', () => (this.alive = true));
    const token = this.upgrade.token;
    if (token || this.simple || this.dialect) {
      await this.authenticate(token, resume);
    } else {
      this.authTimer = setTimeout(() => {
        if (!this.auth) this.fail(new HubError('auth_timeout'), CloseCode.AuthTimeout);
      }, this.context.ws.authTimeoutMs);
      this.authTimer.unref();
    }
  }

  bind(session: Session): void {
    this.session = session;
  }

  pressure(): number {
    return this.unsent() / this.context.ws.maxBufferedBytes;
  }

  /** What the peer has not taken yet: the socket's buffer, less this turn's frames held back by the cork. */
  private unsent(): number {
    return this.socket.bufferedAmount - this.corkedBytes;
  }

  private cork(): void {
    if (corked.has(this)) return;
    // ws keeps its TCP socket in `_socket`; cork and uncork nest, so ws's own corking inside a send still works.
    const tcp = (this.socket as unknown as { _socket?: Socket })._socket;
    if (!tcp) return;
    tcp.cork();
    corked.add(this);
    if (corked.size === 1) setImmediate(uncorkAll);
  }

  uncork(): void {
    this.corkedBytes = 0;
    (this.socket as unknown as { _socket?: Socket })._socket?.uncork();
  }

  sendLater(frame: string): void {
    if (!this.closed) lazyFrames.add(this, frame, (waited) => this.send(waited));
  }

  send(frame: string, bytes?: Buffer): void {
    if (this.dialect) {
      const translated = this.dialect.translate(frame);
      if (translated !== undefined) this.write(translated);
      return;
    }
    this.write(frame, bytes);
  }

  private write(frame: string, bytes?: Buffer): void {
    if (this.closed) return;
    lazyFrames.flush(this);
    if (this.unsent() > this.context.ws.maxBufferedBytes) {
      this.context.metrics.error('slow_consumer');
      this.close(CloseCode.SlowConsumer, 'slow consumer: resume from your cursors');
      return;
    }
    if (this.simple) {
      const translated = this.translateOut(frame);
      if (translated !== undefined) this.socket.send(translated);
      return;
    }
    this.cork();
    this.corkedBytes += wireSize(bytes ? bytes.length : Buffer.byteLength(frame));
    if (bytes) this.socket.send(bytes, { binary: false });
    else this.socket.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    if (code === CloseCode.SlowConsumer) {
      this.closeWhenDrained(code, reason);
    } else {
      this.socket.close(code, reason);
      // A peer that never answers the close handshake must not hold the socket open.
      setTimeout(() => this.socket.terminate(), 2_000).unref();
    }
    this.onClose();
  }

  /**
   * A slow consumer gets nothing more, but its close frame must not sit behind megabytes it has not
   * read: ws ends a socket 30 s after `close()` is called, whether or not the close frame has left.
   * So the close is sent once what was queued has drained, while the peer keeps reading; a peer that
   * reads nothing for SLOW_CLOSE_IDLE_MS is cut off instead.
   */
  private closeWhenDrained(code: number, reason: string): void {
    let queued = this.socket.bufferedAmount;
    let idleSince = Date.now();
    const watch = setInterval(() => {
      const now = this.socket.bufferedAmount;
      if (this.socket.readyState !== this.socket.OPEN) {
        clearInterval(watch);
      } else if (now === 0) {
        clearInterval(watch);
        this.socket.close(code, reason);
      } else if (now < queued) {
        queued = now;
        idleSince = Date.now();
      } else if (Date.now() - idleSince >= SLOW_CLOSE_IDLE_MS) {
        clearInterval(watch);
        this.socket.terminate();
      }
    }, 250);
    watch.unref();
  }

  heartbeat(): void {
    if (!this.alive) {
      this.close(CloseCode.HeartbeatTimeout, 'no answer to ping');
      return;
    }
    this.alive = false;
    this.socket.ping();
  }

  private onClose(): void {
    this.closed = true;
    lazyFrames.drop(this);
    if (this.authTimer) clearTimeout(this.authTimer);
    this.context.connections.delete(this);
    this.dialect?.closed();
    if (this.session) {
      this.hub.fanout.detach(this.session);
      this.session = undefined;
    }
  }

  private fail(error: HubError, closeCode: number, requestId?: string): void {
    this.context.metrics.error(error.code);
    this.socket.send(
      this.dialect
        ? this.dialect.error(requestId, error)
        : JSON.stringify({ type: 'error', ...(requestId ? { id: requestId } : {}), ...error.toBody() }),
    );
    this.close(closeCode, error.code);
  }

  private async authenticate(token: string | undefined, resume: Cursors, requestId?: string): Promise<void> {
    this.authenticating = true;
    try {
      const auth = await this.hub.accounts.authenticate(token);
      if (this.simple && auth.member.handle !== this.simple.handle) {
        throw new HubError(
          'sender_mismatch',
          `This token belongs to @${auth.member.handle}, not @${this.simple.handle}.`,
        );
      }
      if (this.simple) {
        const room = await this.hub.rooms.memberRoom(auth.member, this.simple.room ?? this.context.defaultRoom);
        this.simpleRoom = { id: room.id, name: room.name };
      }
      if (this.dialect) await this.dialect.open(auth);
      if (this.closed) return;
      this.auth = auth;
      if (this.authTimer) clearTimeout(this.authTimer);
      this.session = await this.hub.fanout.attach(this, auth, resume);
      if (this.closed) {
        this.hub.fanout.detach(this.session);
        return;
      }
      this.upgrade.log.info(
        {
          reqId: this.upgrade.requestId,
          member: auth.member.handle,
          session: this.session.id,
          user_id: this.simple?.userId,
        },
        'websocket authenticated',
      );
      if (requestId) {
        this.socket.send(JSON.stringify({ type: 'ack', id: requestId, result: { session_id: this.session.id } }));
      }
    } catch (error) {
      const hubError = toHubError(error);
      this.fail(hubError, authCloseCode(hubError), requestId);
      return;
    } finally {
      this.authenticating = false;
    }
    for (const data of this.pending.splice(0)) this.onMessage(data);
  }

  /** A frame's handling never throws into ws's listener: that would end the process, and every connection with it. */
  private onMessage(data: Buffer): void {
    try {
      this.handle(data);
    } catch (error) {
      this.upgrade.log.error({ err: error, reqId: this.upgrade.requestId }, 'frame failed');
      this.reply(undefined, toHubError(error));
    }
  }

  private handle(data: Buffer): void {
    if (this.closed) return;
    if (this.authenticating) {
      // Frames sent while the token is checked wait for it, but only so many.
      if (this.pending.length < MAX_PENDING_FRAMES) this.pending.push(data);
      else
        this.reply(
          undefined,
          new HubError('rate_limited', 'Too many frames before authentication.', { retryAfterMs: 1000 }),
        );
      return;
    }
    // Every frame counts against the connection's rate, garbage too: refusing costs less than answering.
    this.limiter ??= new TokenBucket(this.context.ws.connectionRateLimit, this.context.clock);
    const wait = this.limiter.take();
    if (data.length > this.context.ws.maxFrameBytes) {
      // Read no further into an oversized frame than its id could sensibly be.
      const id = requestIdOf(data.subarray(0, OVERSIZE_ID_BYTES).toString('utf8'));
      const limit = this.context.ws.maxFrameBytes;
      const refusal =
        wait > 0
          ? new HubError('rate_limited', undefined, { retryAfterMs: wait })
          : new HubError('frame_too_large', `Frames are at most ${limit} bytes.`);
      this.reply(id, refusal);
      return;
    }
    const text = data.toString('utf8');
    // The id is read from the text, so that even a frame refused unparsed answers its request.
    if (wait > 0) {
      this.reply(requestIdOf(text), new HubError('rate_limited', undefined, { retryAfterMs: wait }));
      return;
    }
    let decoded: unknown;
    try {
      decoded = parseUntrusted(text);
    } catch (error) {
      this.reply(requestIdOf(text), toHubError(error));
      return;
    }
    if (this.dialect) {
      try {
        requireStorable(text, decoded);
      } catch (refusal) {
        this.reply(requestIdOf(text), toHubError(refusal));
        return;
      }
      this.dialect.receive(decoded);
      return;
    }
    if (this.simple) decoded = this.translateIn(decoded);
    const { id, request, error } = parseRequest(decoded);
    if (error || !request) {
      this.reply(id, error ?? new HubError('invalid_request'));
      return;
    }
    try {
      requireStorable(text, decoded);
    } catch (refusal) {
      this.reply(id, toHubError(refusal));
      return;
    }
    if (request.type === 'auth') {
      if (this.auth) {
        this.reply(id, new HubError('already_authenticated'));
        return;
      }
      const params = request.params as { token?: string; resume?: Cursors };
      void this.authenticate(params.token, params.resume ?? {}, id);
      return;
    }
    if (!this.auth) {
      this.reply(id, new HubError('auth_required', 'Send an auth frame first.'));
      return;
    }
    void this.run(request);
  }

  private async run(request: ParsedRequest): Promise<void> {
    try {
      const result = await runRequest(
        { hub: this.hub, actor: this.session?.member ?? this.auth!.member, session: this.session },
        request,
      );
      if (request.id !== undefined) this.send(JSON.stringify({ type: 'ack', id: request.id, result }));
    } catch (error) {
      const hubError = toHubError(error);
      if (hubError.code === 'internal') {
        this.upgrade.log.error({ err: error, reqId: this.upgrade.requestId, frame: request.type }, 'request failed');
      }
      this.reply(request.id, hubError);
    }
  }

  private reply(id: string | undefined, error: HubError): void {
    this.context.metrics.error(error.code);
    if (this.dialect) {
      this.write(this.dialect.error(id, error));
      return;
    }
    const body: Record<string, unknown> = { type: 'error', ...error.toBody() };
    if (id !== undefined) body.id = id;
    this.send(JSON.stringify(body));
  }

  /**
   * A `SimpleMessageFrame` becomes a `send` to the dialect's room; its fields are checked there, as
   * any `send`'s are.
   */
  private translateIn(decoded: unknown): unknown {
    if (typeof decoded !== 'object' || decoded === null || 'type' in decoded) return decoded;
    const simple = decoded as Record<string, unknown>;
    return {
      type: 'send',
      id: typeof simple.id === 'string' ? simple.id : undefined,
      room: typeof simple.room === 'string' ? simple.room : this.simpleRoom!.id,
      content: simple.message,
      targets: simple.target_agents,
      client_id: typeof simple.client_id === 'string' ? simple.client_id : undefined,
    };
  }

  /**
   * New messages of the dialect's room go out as plain message objects; other room events, which
   * the simple dialect has no words for, are left out; acks, errors and `ready` pass as they are.
   */
  private translateOut(frame: string): string | undefined {
    if (!frame.startsWith('{"type":"event"')) return frame;
    const event = JSON.parse(frame) as { room: string; kind: string; data: Message };
    if (event.room !== this.simpleRoom!.id || event.kind !== 'message.created') return undefined;
    return JSON.stringify(simpleMessage(event.data, this.simpleRoom!.name));
  }
}
