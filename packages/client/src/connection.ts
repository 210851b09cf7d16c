/**
 * The connection under the Roundtable client: one authenticated WebSocket, resumed by cursor across
 * drops, with typed requests and events. client.ts adds the hub's requests as methods over it.
 */
import {
  CloseCode,
  type Cursors,
  type ErrorFrame,
  type EventFrame,
  type ReadyFrame,
  type RequestParams,
  type RequestType,
  type ResultMap,
} from '@roundtable/protocol';
import { ResumeCursors } from './cursors.js';
import { Emitter, type Listener } from './emitter.js';
import { ClientClosedError, RoundtableError } from './errors.js';
import type { ClientEvents, ConnectionState } from './events.js';
import { FrameReader } from './frames.js';
import { consoleLogger, type ClientOptions, type Logger, type RequestOptions } from './options.js';
import { finalFailure, Reconnect } from './reconnect.js';
import { PendingRequests } from './requests.js';
import { loadWebSocket, SocketState, webSocketUrl, type WebSocketConstructor, type WebSocketLike } from './socket.js';
import { LiveStreams, type StreamHost } from './stream.js';
import { Watchdog } from './watchdog.js';

/** Codes reported in `close` events for connections the client ended itself. */
const LocalClose = { Normal: 1000, Abnormal: 1006 } as const;

export class HubConnection implements StreamHost {
  private readonly url: string;
  private readonly token: string | undefined;
  private readonly WebSocket: WebSocketConstructor | undefined;
  private readonly requestTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly logger: Logger;
  private readonly emitter: Emitter<ClientEvents>;
  private readonly reconnect: Reconnect;
  private readonly watchdog: Watchdog;
  private readonly resume: ResumeCursors;
  private readonly reader: FrameReader;
  private readonly pending = new PendingRequests();
  protected readonly streams = new LiveStreams();
  private socket: WebSocketLike | undefined;
  /** Set once the current socket got `ready`: only then may requests be written to it. */
  protected authed = false;
  private authId: string | undefined;
  /** True while the user wants no connection: before `connect()`, after `close()` or a final auth failure. */
  private stopped = true;
  /** Bumped by every open, close and failure, so an open that awaited the ws import can tell it was superseded. */
  private attempt = 0;
  private lastId = 0;
  private current: ConnectionState = 'closed';
  private lastReady: ReadyFrame | undefined;
  private readyPromise: Promise<ReadyFrame> | undefined;
  private settleReady: { resolve(frame: ReadyFrame): void; reject(error: Error): void } | undefined;
  private connectTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(options: ClientOptions) {
    this.url = webSocketUrl(options.url);
    this.token = options.token;
    this.WebSocket = options.WebSocket;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 15_000;
    this.logger = options.logger ?? consoleLogger;
    this.emitter = new Emitter(options.onListenerError);
    this.reconnect = new Reconnect(
      { baseMs: options.reconnectBaseMs, maxMs: options.reconnectMaxMs },
      this.logger,
      () => void this.open(),
    );
    this.resume = new ResumeCursors(options.cursors);
    this.watchdog = new Watchdog({
      ping: () => this.writable()?.send(JSON.stringify({ type: 'ping', id: this.nextId() })),
      dead: () => this.disconnect(LocalClose.Abnormal, 'the hub stopped answering'),
    });
    this.reader = new FrameReader(
      {
        event: (frame) => this.receiveEvent(frame),
        ack: (frame) => this.pending.ack(frame.id, frame.result),
        error: (frame) => this.receiveError(frame),
        ready: (frame) => this.receiveReady(frame),
        synced: (frame) => {
          this.resume.advance(frame.room, frame.seq);
          this.emitter.emit('synced', frame);
        },
      },
      this.emitter,
      this.logger,
    );
  }

  get state(): ConnectionState {
    return this.current;
  }

  /** The latest `ready`: who this client is, its rooms, the hub's limits. */
  get session(): ReadyFrame | undefined {
    return this.lastReady;
  }

  on<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): () => void {
    return this.emitter.on(event, listener);
  }

  off<K extends keyof ClientEvents>(event: K, listener: Listener<ClientEvents[K]>): void {
    this.emitter.off(event, listener);
  }

  /** The last seq seen per room id; save it to resume a later run through the `cursors` option. */
  cursors(): Cursors {
    return this.resume.snapshot();
  }

  /**
   * Resolves at the first `ready`; keeps retrying through network failures until then, and
   * rejects only on a final auth failure or `close()`. Calling it again while running returns the same promise.
   */
  connect(): Promise<ReadyFrame> {
    if (this.readyPromise) return this.readyPromise;
    this.stopped = false;
    const ready = new Promise<ReadyFrame>((resolve, reject) => {
      this.settleReady = { resolve, reject };
    });
    // A caller that relies on the 'error' event instead of awaiting must not crash on an unhandled rejection.
    ready.catch(() => undefined);
    this.readyPromise = ready;
    this.setState('connecting');
    void this.open();
    return ready;
  }

  /** Closes for good (until the next `connect()`); pending requests reject with ClientClosedError. Resolves once the socket is closed. */
  close(): Promise<void> {
    const socket = this.socket;
    this.halt(new ClientClosedError());
    let closed = Promise.resolve();
    if (socket) {
      if (socket.readyState !== SocketState.Closed) {
        closed = new Promise((resolve) => {
          socket.onclose = () => resolve();
        });
        if (socket.readyState !== SocketState.Closing) socket.close(LocalClose.Normal, 'client closed');
      }
      this.emitter.emit('close', { code: LocalClose.Normal, reason: 'closed by the client' });
    }
    this.setState('closed');
    return closed;
  }

  /**
   * Sends a request and resolves with its ack. While disconnected it is queued; if the connection
   * drops before the answer, it is re-sent after the next `ready`.
   */
  request<T extends RequestType>(
    type: T,
    params: RequestParams<T>,
    options: RequestOptions = {},
  ): Promise<ResultMap[T]> {
    if (this.stopped) return Promise.reject(new ClientClosedError('The client is closed: call connect() first'));
    const id = this.nextId();
    const frame = JSON.stringify({ ...params, type, id });
    return this.pending.add(id, type, frame, options.timeoutMs ?? this.requestTimeoutMs, this.writable());
  }

  /**
   * Sends a frame without an id: no ack comes back, and an error, if any, arrives as an 'error'
   * event. Queued while disconnected, in order with requests; dropped when the client is closed.
   */
  notify<T extends RequestType>(type: T, params: RequestParams<T>): void {
    if (this.stopped) return;
    const frame = JSON.stringify({ ...params, type });
    const socket = this.writable();
    if (socket) socket.send(frame);
    else this.pending.queue(this.nextId(), frame);
  }

  private nextId(): string {
    return (++this.lastId).toString(36);
  }

  /** The socket requests may be written to now, if any. */
  /**
   * The socket, once authenticated and while open: a socket the hub has begun to close (a restart)
   * is not written to; what would go on it waits in the queue for the next connection.
   */
  private writable(): WebSocketLike | undefined {
    return this.authed && this.socket?.readyState === SocketState.Open ? this.socket : undefined;
  }

  private setState(state: ConnectionState): void {
    if (state === this.current) return;
    this.current = state;
    this.emitter.emit('state', state);
  }

  private async open(): Promise<void> {
    const attempt = ++this.attempt;
    let Socket: WebSocketConstructor;
    try {
      Socket = this.WebSocket ?? (await loadWebSocket());
    } catch (cause) {
      const message = 'No WebSocket implementation is available: install the ws package';
      if (attempt === this.attempt) this.fail(new RoundtableError('internal', message, { cause }));
      return;
    }
    if (attempt !== this.attempt) return;
    let socket: WebSocketLike;
    try {
      socket = new Socket(this.url);
    } catch (error) {
      this.scheduleReconnect(0, `could not open a WebSocket (${String(error)})`);
      return;
    }
    this.socket = socket;
    // Handlers stay attached to sockets the client has given up on (ws throws on an 'error' nobody
    // listens to), so each checks that its socket is still the current one.
    socket.onopen = () => {
      if (socket === this.socket) this.authenticate(socket);
    };
    socket.onmessage = (event) => {
      if (socket !== this.socket) return;
      this.watchdog.seen();
      this.reader.read(event.data);
    };
    socket.onclose = (event) => {
      if (socket === this.socket) this.disconnect(event.code, event.reason);
    };
    socket.onerror = (event) => {
      if (socket === this.socket) this.logger.warn('roundtable: WebSocket error', errorMessage(event));
    };
    if (this.connectTimeoutMs > 0) {
      this.connectTimer = setTimeout(
        () => this.disconnect(LocalClose.Abnormal, `no ready within ${this.connectTimeoutMs} ms`),
        this.connectTimeoutMs,
      );
    }
  }

  private authenticate(socket: WebSocketLike): void {
    this.authId = this.nextId();
    const resume = this.resume.snapshot();
    socket.send(JSON.stringify({ type: 'auth', id: this.authId, token: this.token, resume }));
  }

  private receiveEvent(frame: EventFrame): void {
    if (!this.resume.advance(frame.room, frame.seq)) return;
    this.emitter.emit('event', frame);
    if (frame.kind === 'message.created') {
      this.emitter.emit('message', frame.data);
    } else if (frame.kind === 'message.updated') {
      const message = frame.data;
      this.streams.updated(message);
      this.emitter.emit('message.updated', message);
    }
  }

  private receiveError(frame: ErrorFrame): void {
    const error = RoundtableError.from(frame);
    const id = frame.id;
    if (id !== undefined && id === this.authId) {
      this.disconnect(LocalClose.Normal, error.message, error);
      return;
    }
    if (id === undefined || !this.pending.awaits(id)) {
      this.emitter.emit('error', error);
      return;
    }
    // The hub is draining and will close this connection; the request is re-sent to whichever
    // instance the reconnect reaches.
    if (error.code === 'shutting_down') return;
    this.pending.reject(id, error);
  }

  private receiveReady(frame: ReadyFrame): void {
    const socket = this.socket;
    if (!socket || this.authed) return;
    clearTimeout(this.connectTimer);
    this.authed = true;
    this.lastReady = frame;
    this.reconnect.reset();
    this.resume.startLive(frame.rooms);
    this.watchdog.start(frame.server.heartbeat_ms);
    this.pending.flush(socket);
    this.setState('open');
    this.emitter.emit('ready', frame);
    this.settleReady?.resolve(frame);
    this.settleReady = undefined;
  }

  /** Forgets the current socket, ending it if still up, then reconnects or, after a final failure, stops. */
  private disconnect(code: number, reason: string, cause?: RoundtableError): void {
    const socket = this.socket;
    if (!socket) return;
    this.forgetSocket();
    if (socket.readyState === SocketState.Connecting || socket.readyState === SocketState.Open) {
      if (socket.terminate) socket.terminate();
      else socket.close();
    }
    this.emitter.emit('close', { code, reason });
    if (this.stopped) return;
    this.pending.rejectUnrepeatable();
    const final = finalFailure(code, reason, cause);
    if (final) {
      this.fail(final);
      return;
    }
    if (code === CloseCode.MessageTooBig) this.pending.rejectLargest();
    this.scheduleReconnect(cause?.retryAfterMs ?? 0, `connection closed (${code}${reason ? ` ${reason}` : ''})`);
  }

  private forgetSocket(): void {
    this.socket = undefined;
    this.authed = false;
    this.authId = undefined;
    this.watchdog.stop();
    clearTimeout(this.connectTimer);
  }

  private scheduleReconnect(minDelayMs: number, why: string): void {
    this.reconnect.schedule(minDelayMs, why);
    this.setState('reconnecting');
  }

  /** Stops everything and rejects whatever waits; the caller reports why. */
  private halt(error: Error): void {
    this.stopped = true;
    this.attempt++;
    this.forgetSocket();
    this.reconnect.cancel();
    this.settleReady?.reject(error);
    this.settleReady = undefined;
    this.readyPromise = undefined;
    this.pending.rejectAll(error);
    this.streams.abortAll(error);
  }

  private fail(error: RoundtableError): void {
    this.halt(error);
    this.emitter.emit('error', error);
    this.setState('closed');
  }
}

/** A fresh client_id. randomUUID exists only in secure contexts, and a hub served over plain http on a LAN is not one. */
export function newClientId(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/** ws error events carry a message; the DOM's carry nothing useful. */
function errorMessage(event: unknown): string | undefined {
  const message = (event as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : undefined;
}
