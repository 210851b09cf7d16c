/** The Roundtable WebSocket client: one authenticated connection, resumed by cursor across drops, with typed requests and events. */
import {
  CloseCode,
  type Activity,
  type CreateRoomParams,
  type Cursors,
  type FileReservation,
  type ErrorFrame,
  type EventFrame,
  type Member,
  type MemberKind,
  type Conversation,
  type Message,
  type Note,
  type MessageResult,
  type ReadyFrame,
  type RequestParams,
  type RequestType,
  type ResultMap,
  type Room,
  type RoomMember,
  type RoomSummary,
  type Task,
  type TaskClaim,
  type TaskVerdict,
} from '@roundtable/protocol';
import { ResumeCursors } from './cursors.js';
import { Emitter, type Listener } from './emitter.js';
import { ClientClosedError, RoundtableError } from './errors.js';
import type { ClientEvents, ConnectionState } from './events.js';
import { FrameReader } from './frames.js';
import {
  consoleLogger,
  type ClientOptions,
  type HistoryOptions,
  type Logger,
  type RequestOptions,
  type SendOptions,
  type StreamOptions,
} from './options.js';
import { finalFailure, Reconnect } from './reconnect.js';
import { PendingRequests } from './requests.js';
import { loadWebSocket, SocketState, webSocketUrl, type WebSocketConstructor, type WebSocketLike } from './socket.js';
import { LiveStreams, type MessageStream, type StreamHost } from './stream.js';
import { Watchdog } from './watchdog.js';

/** Codes reported in `close` events for connections the client ended itself. */
const LocalClose = { Normal: 1000, Abnormal: 1006 } as const;

export class RoundtableClient implements StreamHost {
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
  private readonly streams = new LiveStreams();
  private socket: WebSocketLike | undefined;
  /** Set once the current socket got `ready`: only then may requests be written to it. */
  private authed = false;
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

  /** A client_id is generated unless given, so a re-send after a reconnect cannot post twice. */
  send(room: string, content: string, options: SendOptions = {}): Promise<MessageResult> {
    return this.request('send', { ...options, room, content, client_id: options.client_id ?? newClientId() });
  }

  async edit(messageId: string, content: string): Promise<Message> {
    return (await this.request('edit', { message: messageId, content })).message;
  }

  async delete(messageId: string): Promise<void> {
    await this.request('delete', { message: messageId });
  }

  /** Resolves false when the reaction was already there. */
  async react(messageId: string, emoji: string): Promise<boolean> {
    return (await this.request('react', { message: messageId, emoji })).changed;
  }

  /** Resolves false when there was no such reaction. */
  async unreact(messageId: string, emoji: string): Promise<boolean> {
    return (await this.request('unreact', { message: messageId, emoji })).changed;
  }

  async markRead(room: string, seq: number): Promise<void> {
    await this.request('read', { room, seq });
  }

  /** Fire-and-forget: a typing signal is stale by the time a reconnect could repeat it. */
  typing(room: string, active = true, threadId?: string): void {
    if (this.authed) this.notify('typing', { room, active, thread_id: threadId });
  }

  /** This member's activity in a room; `idle` clears it. What holds now: `request('activity.list', {})`. */
  async setActivity(params: RequestParams<'activity'>): Promise<Activity> {
    return (await this.request('activity', params)).activity;
  }

  /** Catching up: the newest messages of a room (or thread) after your own last message there. */
  sinceLastSpoke(room: string, options: Omit<RequestParams<'since_last_spoke'>, 'room'> = {}) {
    return this.request('since_last_spoke', { ...options, room });
  }

  async setPresence(status: 'online' | 'away'): Promise<void> {
    await this.request('presence', { status });
  }

  history(room: string, options: HistoryOptions = {}): Promise<ResultMap['history']> {
    return this.request('history', { ...options, room });
  }

  /** Asks the hub to replay events after `after` as 'event' frames; those at or below this room's cursor are dropped as seen. */
  sync(room: string, after: number, limit?: number): Promise<ResultMap['sync']> {
    return this.request('sync', { room, after, limit });
  }

  /** Messages of your rooms (or of `room`) and your own notes matching the words of `query`, best first. */
  searchMemory(
    query: string,
    options: { room?: string; for_room?: string; limit?: number } = {},
  ): Promise<ResultMap['memory.search']> {
    return this.request('memory.search', { query, ...options });
  }

  /** Messages you may read matching the words of `query`, narrowed by room, sender, time or thread; paged by `offset`. */
  searchMessages(
    query: string,
    options: Omit<RequestParams<'messages.search'>, 'query'> = {},
  ): Promise<ResultMap['messages.search']> {
    return this.request('messages.search', { query, ...options });
  }

  /** Saves a note only you will find with `searchMemory`; `room` says what it is about. */
  async saveNote(content: string, room?: string): Promise<Note> {
    return (await this.request('memory.save', { content, ...(room ? { room } : {}) })).note;
  }

  /** Starts a private conversation with an agent; the first message titles it. Send and read it as a room. */
  startConversation(
    agent: string,
    content: string,
    clientId = newClientId(),
  ): Promise<ResultMap['conversation.create']> {
    return this.request('conversation.create', { agent, content, client_id: clientId });
  }

  /** A page of your conversations, most recently active first; pass its `next` as `cursor` for the one after. */
  conversations(params: RequestParams<'conversation.list'> = {}): Promise<ResultMap['conversation.list']> {
    return this.request('conversation.list', params);
  }

  async renameConversation(id: string, title: string): Promise<Conversation> {
    return (await this.request('conversation.rename', { conversation: id, title })).conversation;
  }

  async deleteConversation(id: string): Promise<void> {
    await this.request('conversation.delete', { conversation: id });
  }

  async rooms(): Promise<RoomSummary[]> {
    return (await this.request('rooms.list', { scope: 'joined' })).rooms as RoomSummary[];
  }

  async publicRooms(): Promise<Room[]> {
    return (await this.request('rooms.list', { scope: 'public' })).rooms;
  }

  async createRoom(params: CreateRoomParams): Promise<Room> {
    return (await this.request('room.create', params)).room;
  }

  /** Opens (or finds) the direct room with these members. */
  async openDirect(handles: string[]): Promise<Room> {
    return (await this.request('room.direct', { members: handles })).room;
  }

  async join(room: string): Promise<Room> {
    return (await this.request('room.join', { room })).room;
  }

  async leave(room: string): Promise<void> {
    await this.request('room.leave', { room });
  }

  async invite(room: string, handle: string): Promise<void> {
    await this.request('room.invite', { room, member: handle });
  }

  async roomMembers(room: string): Promise<RoomMember[]> {
    return (await this.request('room.members', { room })).members;
  }

  async members(kind?: MemberKind): Promise<Member[]> {
    return (await this.request('members.list', { kind })).members;
  }

  /** Creates a streaming message and resolves once the hub has it, so deltas can follow. */
  async startStream(room: string, options: StreamOptions = {}): Promise<MessageStream> {
    const client_id = options.client_id ?? newClientId();
    const { message } = await this.request('stream.start', { ...options, room, client_id });
    return this.streams.start(this, message);
  }

  /** A client_id is generated unless given, so a re-send after a reconnect cannot create the task twice. */
  async createTask(params: RequestParams<'task.create'>): Promise<Task> {
    return (await this.request('task.create', { ...params, client_id: params.client_id ?? newClientId() })).task;
  }

  async getTask(id: string): Promise<Task> {
    return (await this.request('task.get', { task: id })).task;
  }

  listTasks(params: RequestParams<'task.list'> = {}): Promise<ResultMap['task.list']> {
    return this.request('task.list', params);
  }

  async cancelTask(id: string, reason?: string): Promise<Task> {
    return (await this.request('task.cancel', { task: id, reason })).task;
  }

  /**
   * Offers this connection as a worker: the hub pushes tasks it may take as 'task.assigned' events.
   * `capabilities` narrows the ones the hub granted this agent (default: all); repeat after each reconnect.
   */
  async registerWorker(capabilities?: string[], concurrency = 1): Promise<void> {
    await this.request('worker.register', { ...(capabilities ? { capabilities } : {}), concurrency });
  }

  /** Claims the next pending task this agent can do, or resolves null when there is none. */
  async claimTask(capabilities?: string[]): Promise<TaskClaim | null> {
    return (await this.request('task.claim', { capabilities })).claim;
  }

  /** Renews the lease; the first heartbeat also marks the task running. */
  heartbeatTask(id: string, lease: string): Promise<ResultMap['task.heartbeat']> {
    return this.request('task.heartbeat', { task: id, lease });
  }

  reportTask(
    id: string,
    lease: string,
    result: RequestParams<'task.report'>['result'],
  ): Promise<{ task: Task; verdict: TaskVerdict }> {
    return this.request('task.report', { task: id, lease, result });
  }

  async releaseTask(id: string, lease: string, reason?: string): Promise<Task> {
    return (await this.request('task.release', { task: id, lease, reason })).task;
  }

  async askTask(id: string, lease: string, question: string): Promise<Task> {
    return (await this.request('task.ask', { task: id, lease, question })).task;
  }

  async answerTask(id: string, answer: string): Promise<Task> {
    return (await this.request('task.answer', { task: id, answer })).task;
  }

  async acceptTask(id: string): Promise<Task> {
    return (await this.request('task.accept', { task: id })).task;
  }

  async rejectTask(id: string, feedback: string): Promise<Task> {
    return (await this.request('task.reject', { task: id, feedback })).task;
  }

  /** Reserves paths or globs; rejects with `reservation_conflict` (details name the holder and task) when someone else holds them. */
  async reserveFiles(
    patterns: string[],
    options: { mode?: 'exclusive' | 'shared'; ttl_ms?: number; task?: string } = {},
  ): Promise<FileReservation[]> {
    return (await this.request('files.reserve', { patterns, ...options })).reservations;
  }

  /** Releases this member's reservations on `patterns`, or all of them. */
  async releaseFiles(patterns?: string[]): Promise<number> {
    return (await this.request('files.release', { patterns })).released;
  }

  async listReservations(holder?: string): Promise<FileReservation[]> {
    return (await this.request('files.list', { holder })).reservations;
  }

  /** Stops someone's streaming message, as a person pressing stop does. */
  async cancelStream(messageId: string): Promise<Message> {
    return (await this.request('stream.cancel', { message: messageId })).message;
  }

  private nextId(): string {
    return (++this.lastId).toString(36);
  }

  /** The socket requests may be written to now, if any. */
  private writable(): WebSocketLike | undefined {
    return this.authed ? this.socket : undefined;
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
