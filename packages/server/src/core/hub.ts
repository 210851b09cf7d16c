/**
 * The hub core: one function per change, which validates, writes through the Store, then
 * publishes on the Bus; and the fan-out from the Bus to live sessions. Knows no socket, no
 * driver and no HTTP.
 */
import {
  CloseCode,
  Limits,
  valueTooDeep,
  MENTION_ALL,
  PROTOCOL_VERSION,
  MAX_TITLE_CHARS,
  parseMentions,
  TokenBudget,
  type Conversation,
  type Cursors,
  type HistoryParams,
  type ListenMode,
  type Member,
  type Message,
  type MessageHit,
  type MessagePart,
  type MessageResult,
  type Note,
  type NoteHit,
  type NotifyLevel,
  type PresenceStatus,
  type ReadyFrame,
  type Room,
  type RoomMember,
  type RoomSummary,
  type SendParams,
  type StreamDeltaFrame,
  type StreamPartFrame,
} from '@roundtable/protocol';
import { addressedTo, agentsToWake, type RoomMemberView } from './delivery.js';
import { recordSignIn, throttleSignIn } from './login-throttle.js';
import { HubError } from './hub-error.js';
import { hashToken, newId, newToken } from './ids.js';
import { hashPassword, verifyPassword } from './passwords.js';
import type {
  Bus,
  BusMessage,
  Clock,
  DenyEntry,
  EventDraft,
  LogViewer,
  MemberRecord,
  MembershipRecord,
  MessageAudience,
  NoteRecord,
  RoomRecord,
  RateLimiter,
  RecentQuery,
  Store,
  StoredEvent,
  TokenRecord,
} from './ports.js';
import { systemClock } from './ports.js';
import { PresenceBoard } from './presence.js';
import { LocalRateLimiter, type RateLimit } from './rate-limit.js';
import { RoomOrder } from './room-order.js';
import { Session, SessionRegistry, type Connection } from './sessions.js';
import { TaskBoard, type TaskHost } from './tasks.js';
import { eventFrame, publicMember, publicRoom } from './wire.js';

export interface HubLogger {
  info(object: object, message?: string): void;
  warn(object: object, message?: string): void;
  error(object: object, message?: string): void;
}

export interface HubOptions {
  store: Store;
  bus: Bus;
  logger: HubLogger;
  clock?: Clock;
  version: string;
  /** Whether anyone may register with a handle and password. Default true. */
  openRegistration?: boolean;
  /** Consecutive agent messages a new room allows before agents stop being woken. Default 10. */
  defaultAgentDepthLimit?: number;
  /** Messages per member (sends and stream starts). Default 20/s, burst 60. */
  memberRateLimit?: RateLimit;
  /** Interval (ms) at which transports ping connections; clients use it to detect dead links. Default 30,000. */
  heartbeatMs?: number;
  /** A streaming message with no delta for this long (ms) is closed as an error. Default 120,000. */
  streamIdleMs?: number;
  /** The room everyone joins when their account is created. Default 'general'; '' for none. */
  defaultRoom?: string;
  /** The transports' frame cap, told to clients in `ready`. Default 262,144. */
  maxFrameBytes?: number;
  /** End streams left open in the store at start (right for a single instance). Default true. */
  endStreamsAtStart?: boolean;
  /** Where message rate limits are kept: in this process by default, in Redis to share them. */
  rateLimiter?: RateLimiter;
  /** How often expired task leases are taken back, in ms. Default 1,000. */
  taskReaperIntervalMs?: number;
  /** A pending task nobody takes for this long is escalated to people, in ms; 0 never. Default 600,000. */
  taskEscalateAfterMs?: number;
  /** Tokens an agent may spend in one room over a rolling hour (as its replies report them); 0: no limit. */
  agentTokenBudget?: number;
}

export interface Authenticated {
  member: MemberRecord;
  tokenId: string | null;
}

interface ActiveStream {
  messageId: string;
  /** Started past the depth limit: its events wake no agent. */
  quiet: boolean;
  room: string;
  senderId: string;
  content: string;
  index: number;
  /** Tool calls so far, shown while they run and stored with the message at the end. */
  parts: MessagePart[];
  audience: string[];
  lastActivity: number;
}

/** Counters read by /health and /metrics. */
export interface HubStats {
  messagesSent: number;
  eventsDelivered: number;
  duplicatesSuppressed: number;
}

const SYNC_PAGE = 500;
/** Events an inbox reads per room and call, so a person's long-unread busy room cannot make one call huge. */
const INBOX_SCAN_LIMIT = 5_000;
/** How often (ms) an instance sends the others a snapshot of its members' presence. */
const PRESENCE_HEARTBEAT_MS = 10_000;
/** How long (ms) to wait for the instance holding a stream to stop it, before ending it from the store. */
const REMOTE_STREAM_WAIT_MS = 2_000;

export class Hub {
  readonly store: Store;
  readonly tasks: TaskBoard;
  readonly sessions = new SessionRegistry();
  readonly stats: HubStats = { messagesSent: 0, eventsDelivered: 0, duplicatesSuppressed: 0 };
  private readonly bus: Bus;
  private readonly clock: Clock;
  private readonly logger: HubLogger;
  private readonly options: Required<Omit<HubOptions, 'store' | 'bus' | 'logger' | 'clock' | 'rateLimiter'>>;
  private readonly limiter: RateLimiter;
  private readonly members = new Map<string, MemberRecord>();
  private readonly roomMembersCache = new Map<string, Map<string, MembershipRecord>>();
  /** Each room's members as the delivery rule sees them; ids, handles and kinds never change. */
  private readonly roomViewsCache = new Map<string, RoomMemberView[]>();
  private readonly lastPublished = new Map<string, number>();
  private readonly streams = new Map<string, ActiveStream>();
  /** Per agent: its token budget's rolling hour, per room. */
  private readonly ledgers = new Map<string, TokenBudget>();
  private readonly agentBudgets = new Map<string, number>();
  /** Per member, the latest send still on its way to the store's queue. */
  private readonly sendOrder = new Map<string, Promise<void>>();
  /** The presence last shown to this instance's sessions, per member, so only changes are sent. */
  private readonly announced = new Map<string, PresenceStatus>();
  /** The local presence last told to other instances, per member. */
  private readonly toldOthers = new Map<string, PresenceStatus>();
  /** Identifies this hub instance to the others on the bus. */
  readonly instanceId = newId('i');
  private readonly board: PresenceBoard;
  private readonly order: RoomOrder;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  /** Cancels waiting for another instance to end a stream, by message id. */
  private readonly streamEnded = new Map<string, () => void>();
  /** Listeners told of every event this instance delivers, in each room's order (MCP waits and subscriptions). */
  private readonly eventWatchers = new Set<(event: StoredEvent) => void>();
  private denylist = new Set<string>();
  private systemMember: MemberRecord | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(options: HubOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.options = {
      version: options.version,
      openRegistration: options.openRegistration ?? true,
      defaultAgentDepthLimit: options.defaultAgentDepthLimit ?? 10,
      memberRateLimit: options.memberRateLimit ?? { perSecond: 20, burst: 60 },
      heartbeatMs: options.heartbeatMs ?? 30_000,
      streamIdleMs: options.streamIdleMs ?? 120_000,
      defaultRoom: options.defaultRoom ?? 'general',
      maxFrameBytes: options.maxFrameBytes ?? 262_144,
      endStreamsAtStart: options.endStreamsAtStart ?? true,
      taskReaperIntervalMs: options.taskReaperIntervalMs ?? 1_000,
      taskEscalateAfterMs: options.taskEscalateAfterMs ?? 600_000,
      agentTokenBudget: options.agentTokenBudget ?? 0,
    };
    this.limiter = options.rateLimiter ?? new LocalRateLimiter(this.clock);
    this.board = new PresenceBoard(PRESENCE_HEARTBEAT_MS * 3);
    this.order = new RoomOrder({
      deliver: (event, frame) => this.deliverLocally(event, frame),
      readLog: (room, after, limit) => this.store.events(room, after, limit, { kind: 'all' }),
      frameOf: eventFrame,
      onError: (error, room) => this.logger.warn({ err: error, room }, 'could not fill a gap from the room log'),
    });
    this.bus.subscribe((message) => this.onBus(message));
    this.bus.onResync(() => this.order.resyncAll());
    this.tasks = new TaskBoard(
      this.store,
      this.taskHost(),
      this.clock,
      { reaperIntervalMs: this.options.taskReaperIntervalMs, escalateAfterMs: this.options.taskEscalateAfterMs },
      (error, what) => this.logger.warn({ err: error }, what),
    );
  }

  /** What the task board may ask of the hub. */
  private taskHost(): TaskHost {
    return {
      resolveRoom: (ref) => this.resolveRoom(ref),
      requireMember: async (roomId, member) => {
        await this.requireMembership(roomId, member);
      },
      isMember: async (roomId, memberId) => (await this.roomMembers(roomId)).has(memberId),
      ensureMember: async (roomId, member) => {
        if (!(await this.roomMembers(roomId)).has(member.id))
          await this.addToRoom(roomId, member, this.systemMember!, 'member');
      },
      createTaskRoom: async (creator, name, topic) =>
        this.resolveRoom((await this.createRoom(creator, { name, kind: 'private', topic: topic.slice(0, 1000) })).id),
      postSystem: (roomId, content, options) => this.postSystem(roomId, content, options),
      peopleIn: async (roomId) =>
        (await this.memberViews(roomId, await this.roomMembers(roomId)))
          .filter((member) => member.kind === 'person')
          .map((member) => member.handle),
      roomIdsOf: (member) => this.store.roomIdsOf(member.id),
      memberById: (id) => this.member(id),
      memberByHandle: (handle) => this.store.memberByHandle(handle),
      publishEvent: (event) => this.publishEvent(event),
      sendTo: (sessionId, frame) => {
        for (const session of this.sessions.all) {
          if (session.id === sessionId) {
            session.connection.send(JSON.stringify(frame));
            return true;
          }
        }
        return false;
      },
    };
  }

  get version(): string {
    return this.options.version;
  }

  get heartbeatMs(): number {
    return this.options.heartbeatMs;
  }

  get openRegistration(): boolean {
    return this.options.openRegistration;
  }

  private now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /**
   * Loads what the hub keeps in memory and, on an empty store, creates the system member, the
   * first admin and the default room. Returns the first admin's token when it was just created.
   */
  async start(): Promise<{ adminToken?: string }> {
    this.denylist = new Set((await this.store.listDenylist()).map((entry) => entry.handle));
    this.systemMember = await this.store.memberByHandle('system');
    let adminToken: string | undefined;
    if (!this.systemMember) {
      this.systemMember = await this.store.createMember({
        id: newId('m'),
        handle: 'system',
        display_name: 'Roundtable',
        kind: 'system',
        role: 'member',
        description: 'Notices from the hub itself',
        capabilities: [],
        owner_id: null,
        password_hash: null,
        created_at: this.now(),
      });
      const admin = await this.createMemberRecord({ handle: 'admin', kind: 'person', role: 'admin' });
      adminToken = (await this.issueToken(admin.id, 'first admin token', 'api')).token;
    }
    if (this.options.endStreamsAtStart) await this.endInterruptedStreams();
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(this.options.streamIdleMs, 30_000));
    this.sweepTimer.unref();
    this.heartbeatTimer = setInterval(() => this.presenceHeartbeat(), PRESENCE_HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    this.tasks.start();
    this.bus.publish({ kind: 'control', action: 'presence.sync', instance: this.instanceId });
    return adminToken ? { adminToken } : {};
  }

  /** Closes every session with `code` and stops background work; the store is closed by its owner. */
  stop(code: number = CloseCode.GoingAway, reason = 'server shutting down'): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
    this.tasks.stop();
    this.order.stop();
    for (const session of [...this.sessions.all]) session.connection.close(code, reason);
  }

  /** Releases what outlives the transports (the schema checker's thread): call after they have drained. */
  close(): Promise<void> {
    return this.tasks.close();
  }

  /** Streams that were open when the hub last stopped cannot go on: their producers lost the connection. */
  private async endInterruptedStreams(): Promise<void> {
    for (const stored of await this.store.streamingMessages()) {
      await this.finishStream(streamFromStore(stored), 'error', {
        error: 'interrupted: the hub restarted while this message was streaming',
      });
    }
  }

  private sweep(): void {
    const idleBefore = this.clock.now() - this.options.streamIdleMs;
    for (const stream of this.streams.values()) {
      if (stream.lastActivity < idleBefore) {
        this.finishStream(stream, 'error', { error: 'stream timed out: no delta arrived in time' }).catch((error) =>
          this.logger.warn({ err: error, message: stream.messageId }, 'could not close an idle stream'),
        );
      }
    }
  }

  // Members, authentication and tokens

  async member(id: string): Promise<MemberRecord> {
    const cached = this.members.get(id);
    if (cached) return cached;
    const member = await this.store.memberById(id);
    if (!member) throw new HubError('member_not_found');
    this.members.set(id, member);
    return member;
  }

  async memberByHandle(handle: string): Promise<MemberRecord> {
    const member = await this.store.memberByHandle(handle.replace(/^@/, '').toLowerCase());
    if (!member) throw new HubError('member_not_found', `No member @${handle}.`);
    return member;
  }

  async authenticate(token: string | undefined): Promise<Authenticated> {
    if (!token) throw new HubError('auth_required');
    const record = await this.store.tokenByHash(hashToken(token));
    if (!record || record.revoked_at !== null) throw new HubError('auth_failed');
    const member = await this.member(record.member_id);
    if (member.disabled) throw new HubError('member_disabled');
    return { member, tokenId: record.id };
  }

  private async createMemberRecord(input: {
    handle: string;
    kind: 'person' | 'agent';
    role?: 'admin' | 'member';
    display_name?: string;
    description?: string;
    capabilities?: string[];
    owner_id?: string | null;
    password?: string;
  }): Promise<MemberRecord> {
    const member = await this.store.createMember({
      id: newId('m'),
      handle: input.handle,
      display_name: input.display_name || input.handle,
      kind: input.kind,
      role: input.role ?? 'member',
      description: input.description ?? '',
      capabilities: input.capabilities ?? [],
      owner_id: input.owner_id ?? null,
      password_hash: input.password ? await hashPassword(input.password) : null,
      created_at: this.now(),
    });
    await this.joinDefaultRoom(member);
    return member;
  }

  private async joinDefaultRoom(member: MemberRecord): Promise<void> {
    if (!this.options.defaultRoom) return;
    const room = await this.store.roomByName(this.options.defaultRoom);
    if (room) {
      await this.addToRoom(room.id, member, member, 'member');
      return;
    }
    const at = this.now();
    const { events } = await this.store.createRoom(
      {
        id: newId('r'),
        name: this.options.defaultRoom,
        kind: 'public',
        topic: 'Everyone, people and agents',
        created_by: member.handle,
        created_at: at,
        agent_depth_limit: this.options.defaultAgentDepthLimit,
        direct_key: null,
        title: null,
      },
      [membershipFor(member, 'member', at)],
      (membership) => joinedDraft(membership.member_id, [member], member.handle, at),
    );
    for (const event of events) this.publishEvent(event);
  }

  private async issueToken(
    memberId: string,
    name: string,
    kind: 'api' | 'session',
  ): Promise<{ token: string; record: TokenRecord }> {
    const token = newToken();
    const record = await this.store.createToken({
      id: newId('t'),
      member_id: memberId,
      hash: hashToken(token),
      name,
      kind,
      created_at: this.now(),
      revoked_at: null,
    });
    return { token, record };
  }

  async register(input: {
    handle: string;
    password: string;
    display_name?: string;
  }): Promise<{ member: Member; token: string }> {
    if (!this.options.openRegistration) throw new HubError('registration_closed');
    const member = await this.createMemberRecord({ ...input, kind: 'person' });
    const { token } = await this.issueToken(member.id, 'session', 'session');
    return { member: publicMember(member), token };
  }

  /** `address` is the client's network address, for the sign-in throttle (login-throttle.ts). */
  async login(handle: string, password: string, address: string): Promise<{ member: Member; token: string }> {
    const key = handle.toLowerCase();
    await throttleSignIn(this.limiter, key, address);
    const member = await this.store.memberByHandle(key);
    // Verify even for an unknown handle, so response time does not reveal which handles exist.
    const verified = await verifyPassword(password, member?.password_hash ?? DUMMY_HASH);
    const ok = member !== undefined && member.password_hash !== null && verified;
    await recordSignIn(this.limiter, key, address, ok);
    if (!ok) throw new HubError('bad_credentials');
    if (member.disabled) throw new HubError('member_disabled');
    const { token } = await this.issueToken(member.id, 'session', 'session');
    return { member: publicMember(member), token };
  }

  async createToken(
    actor: MemberRecord,
    input: { name: string; member?: string },
  ): Promise<{ token: string; record: TokenRecord }> {
    const owner = input.member ? await this.memberByHandle(input.member) : actor;
    if (owner.id !== actor.id && actor.role !== 'admin') throw new HubError('admin_only');
    return this.issueToken(owner.id, input.name, 'api');
  }

  async listTokens(actor: MemberRecord, options: { all?: boolean } = {}): Promise<TokenRecord[]> {
    if (options.all && actor.role !== 'admin') throw new HubError('admin_only');
    return this.store.listTokens(options.all ? undefined : actor.id);
  }

  async revokeToken(actor: MemberRecord, tokenId: string): Promise<TokenRecord> {
    const token = await this.store.tokenById(tokenId);
    if (!token || (token.member_id !== actor.id && actor.role !== 'admin')) throw new HubError('token_not_found');
    const revoked = await this.store.revokeToken(tokenId, this.now());
    this.bus.publish({ kind: 'control', action: 'token.revoked', tokenId });
    return revoked ?? token;
  }

  async createMember(
    actor: MemberRecord,
    input: {
      handle: string;
      kind: 'person' | 'agent';
      display_name?: string;
      description?: string;
      capabilities?: string[];
      role?: 'admin' | 'member';
      password?: string;
    },
  ): Promise<{ member: Member; token: string }> {
    requireAdmin(actor);
    const member = await this.createMemberRecord({ ...input, owner_id: actor.id });
    const { token } = await this.issueToken(member.id, `${input.kind} token`, 'api');
    return { member: publicMember(member), token };
  }

  /**
   * A token for an agent this hub runs itself: the agent member is created at its first start, and each
   * start replaces the token of the one before, so restarts leave no live tokens behind.
   */
  async hostedAgentToken(input: {
    handle: string;
    display_name?: string;
    description?: string;
  }): Promise<{ token: string; memberId: string }> {
    let member = await this.store.memberByHandle(input.handle);
    if (!member) member = await this.createMemberRecord({ ...input, kind: 'agent' });
    if (member.kind !== 'agent') {
      throw new HubError(
        'handle_taken',
        `@${input.handle} is a ${member.kind}, so it cannot be an agent this hub runs.`,
      );
    }
    for (const token of await this.store.listTokens(member.id)) {
      if (token.name === HOSTED_AGENT_TOKEN && !token.revoked_at) {
        await this.store.revokeToken(token.id, this.now());
        this.bus.publish({ kind: 'control', action: 'token.revoked', tokenId: token.id });
      }
    }
    return { token: (await this.issueToken(member.id, HOSTED_AGENT_TOKEN, 'session')).token, memberId: member.id };
  }

  async updateMember(
    actor: MemberRecord,
    handle: string,
    patch: {
      display_name?: string;
      description?: string;
      capabilities?: string[];
      disabled?: boolean;
      role?: 'admin' | 'member';
    },
  ): Promise<Member> {
    const target = await this.memberByHandle(handle);
    const self = target.id === actor.id;
    // An owner describes the agents it created; an owner who is no longer an admin keeps no more than that.
    const owner = target.kind === 'agent' && target.role !== 'admin' && target.owner_id === actor.id;
    const adminFields = patch.disabled !== undefined || patch.role !== undefined;
    if (((!self && !owner) || adminFields) && actor.role !== 'admin') throw new HubError('admin_only');
    // Capabilities route tasks to an agent, so no one grants them but an admin: not the agent, not its owner.
    if (patch.capabilities !== undefined && actor.role !== 'admin') {
      throw new HubError('forbidden', 'Capabilities are granted by an admin.');
    }
    if (target.kind === 'system') throw new HubError('forbidden', 'The system member cannot be changed.');
    const updated = await this.store.updateMember(target.id, patch);
    if (!updated) throw new HubError('member_not_found');
    this.members.set(updated.id, updated);
    this.bus.publish({ kind: 'control', action: 'member.updated', memberId: updated.id });
    return this.withPresence(publicMember(updated));
  }

  async listMembers(kind?: 'person' | 'agent' | 'system'): Promise<Member[]> {
    const members = await this.store.listMembers(kind ? { kind } : {});
    return members.map((member) => this.withPresence(publicMember(member)));
  }

  withPresence(member: Member): Member {
    return { ...member, presence: this.presenceOf(member.id) };
  }

  /** Online while any connection, on any instance, is online; away while all are away; offline without any. */
  presenceOf(memberId: string): PresenceStatus {
    const local = this.localPresence(memberId);
    if (local === 'online') return local;
    const remote = this.board.statusOf(memberId);
    return remote === 'offline' ? local : remote === 'online' ? remote : 'away';
  }

  private localPresence(memberId: string): PresenceStatus {
    let status: PresenceStatus = 'offline';
    for (const session of this.sessions.ofMember(memberId)) {
      if (session.status === 'online') return 'online';
      status = 'away';
    }
    return status;
  }

  async listDenylist(actor: MemberRecord): Promise<DenyEntry[]> {
    requireAdmin(actor);
    return this.store.listDenylist();
  }

  async addDenylist(actor: MemberRecord, handle: string, reason = ''): Promise<DenyEntry> {
    requireAdmin(actor);
    const entry = await this.store.addDenylist({ handle, reason, created_by: actor.handle, created_at: this.now() });
    this.denylist.add(handle);
    this.bus.publish({ kind: 'control', action: 'denylist.updated' });
    return entry;
  }

  async removeDenylist(actor: MemberRecord, handle: string): Promise<boolean> {
    requireAdmin(actor);
    const removed = await this.store.removeDenylist(handle);
    this.denylist.delete(handle);
    this.bus.publish({ kind: 'control', action: 'denylist.updated' });
    return removed;
  }

  // Sessions and fan-out

  /**
   * Registers a live connection. Rooms named in `resume` get the events missed since their
   * cursor, then a `synced` frame; other rooms go live from the `last_seq` given in `ready`.
   */
  async attach(connection: Connection, auth: Authenticated, resume: Cursors = {}): Promise<Session> {
    const rooms = await this.store.listRoomsOf(auth.member.id);
    // From here to `add`, nothing awaits: no event can slip between the read and the registration.
    const session = new Session(newId('s'), connection, auth.member, auth.tokenId);
    connection.bind?.(session);
    const catchUp: Array<{ room: string; after: number }> = [];
    for (const room of rooms) {
      this.order.watch(room.id, room.last_seq);
      const resumeFrom = resume[room.id];
      const after = resumeFrom !== undefined ? Math.min(resumeFrom, room.last_seq) : room.last_seq;
      const published = this.lastPublished.get(room.id) ?? 0;
      const needsCatchUp = resumeFrom !== undefined ? after < Math.max(room.last_seq, published) : published > after;
      session.rooms.set(room.id, { cursor: after, listen: room.listen, syncing: needsCatchUp, buffer: [] });
      if (needsCatchUp) catchUp.push({ room: room.id, after });
    }
    this.sessions.add(session);
    const ready: ReadyFrame = {
      type: 'ready',
      session_id: session.id,
      member: this.withPresence(publicMember(auth.member)),
      rooms,
      resuming: catchUp.map((entry) => entry.room),
      server: {
        version: this.options.version,
        protocol: PROTOCOL_VERSION,
        limits: Limits,
        heartbeat_ms: this.options.heartbeatMs,
        max_frame_bytes: this.options.maxFrameBytes,
      },
    };
    connection.send(JSON.stringify(ready));
    this.announcePresence(auth.member);
    for (const entry of catchUp) await this.catchUp(session, entry.room);
    return session;
  }

  detach(session: Session): void {
    if (!this.sessions.all.has(session)) return;
    this.sessions.remove(session);
    this.tasks.unregisterWorker(session.id);
    this.announcePresence(session.member);
  }

  /** Sends what the store holds after the room's cursor, then what arrived live meanwhile, in order. */
  private async catchUp(session: Session, roomId: string): Promise<void> {
    const room = session.rooms.get(roomId);
    if (!room) return;
    room.syncing = true;
    const viewer =
      session.member.kind === 'agent'
        ? ({ kind: 'agent', agentId: session.member.id, handle: session.member.handle, listen: room.listen } as const)
        : ({ kind: 'all' } as const);
    try {
      for (;;) {
        const events = await this.store.events(roomId, room.cursor, SYNC_PAGE, viewer);
        for (const event of events) {
          if (event.seq <= room.cursor) continue;
          room.cursor = event.seq;
          session.connection.send(eventFrame(event));
          if ((session.connection.pressure?.() ?? 0) > 0.5 && !(await this.drained(session))) return;
        }
        if (events.length < SYNC_PAGE) break;
        if (!(await this.drained(session))) return;
      }
    } finally {
      for (const buffered of room.buffer) {
        if (buffered.event.seq > room.cursor) {
          room.cursor = buffered.event.seq;
          session.connection.send(buffered.frame);
        } else {
          this.stats.duplicatesSuppressed += 1;
        }
      }
      room.buffer = [];
      room.syncing = false;
    }
    session.connection.send(JSON.stringify({ type: 'synced', room: roomId, seq: room.cursor }));
  }

  /**
   * Between catch-up pages: lets the event loop serve others and the socket empty its buffer.
   * False when the session is gone, so a long catch-up stops reading for a client that left.
   */
  private async drained(session: Session): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.sessions.all.has(session) && (session.connection.pressure?.() ?? 0) > 0.25) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return this.sessions.all.has(session);
  }

  /** An explicit `sync` request: the events after `after` as a page, without touching the live cursor. */
  async sync(
    actor: MemberRecord,
    roomRef: string,
    after: number,
    limit: number,
  ): Promise<{ room: string; events: StoredEvent[]; last_seq: number; has_more: boolean }> {
    const room = await this.resolveRoom(roomRef);
    const membership = await this.requireMembership(room.id, actor);
    const viewer =
      actor.kind === 'agent'
        ? ({ kind: 'agent', agentId: actor.id, handle: actor.handle, listen: membership.listen } as const)
        : ({ kind: 'all' } as const);
    const events = await this.store.events(room.id, after, limit + 1, viewer);
    const hasMore = events.length > limit;
    return { room: room.id, events: events.slice(0, limit), last_seq: room.last_seq, has_more: hasMore };
  }

  private publishEvent(event: StoredEvent): void {
    this.bus.publish({
      kind: 'event',
      room: event.room,
      seq: event.seq,
      agents: event.agents,
      quiet: event.quiet,
      frame: eventFrame(event),
      event,
    });
  }

  private onBus(message: BusMessage): void {
    try {
      if (message.kind === 'event') this.fanOut(message.event, message.frame);
      else if (message.kind === 'signal') this.fanOutSignal(message);
      else
        this.onControl(message).catch((error: unknown) => this.logger.warn({ err: error }, 'control message failed'));
    } catch (error) {
      this.logger.error({ err: error }, 'fan-out failed');
    }
  }

  private fanOut(event: StoredEvent, frame: string): void {
    const previous = this.lastPublished.get(event.room) ?? 0;
    if (event.seq > previous) this.lastPublished.set(event.room, event.seq);
    this.order.accept(event, frame);
  }

  /** One event, in its room's order, to this instance's sessions. */
  private deliverLocally(event: StoredEvent, frame: string): void {
    if (event.kind === 'message.updated') this.streamEnded.get(event.data.id as string)?.();
    if (event.kind === 'member.joined') this.onJoined(event);
    let delivered = 0;
    const sessions = this.sessions.inRoom(event.room);
    // Encoded once here rather than once per socket by each send.
    const bytes = sessions.size > 1 ? Buffer.from(frame) : undefined;
    for (const session of sessions) {
      if (session.deliver(event, frame, bytes)) delivered += 1;
    }
    this.stats.eventsDelivered += delivered;
    for (const watcher of this.eventWatchers) watcher(event);
    if (event.kind === 'member.left') this.onLeft(event);
    if (event.kind === 'member.left' || event.kind === 'member.joined') {
      this.roomMembersCache.delete(event.room);
      this.roomViewsCache.delete(event.room);
    }
  }

  /**
   * Tells `watcher` of every event delivered on this instance from now on, whoever it concerns: the
   * watcher applies the delivery rule itself. Returns the function that stops it.
   */
  watchEvents(watcher: (event: StoredEvent) => void): () => void {
    const guarded = (event: StoredEvent) => {
      try {
        watcher(event);
      } catch (error) {
        this.logger.warn({ err: error }, 'event watcher failed');
      }
    };
    this.eventWatchers.add(guarded);
    return () => this.eventWatchers.delete(guarded);
  }

  private onJoined(event: StoredEvent): void {
    const memberId = event.data.member_id as string;
    for (const session of this.sessions.ofMember(memberId)) {
      if (session.rooms.has(event.room)) continue;
      this.sessions.attachRoom(session, event.room, {
        cursor: event.seq - 1,
        listen: 'addressed',
        syncing: false,
        buffer: [],
      });
    }
  }

  private onLeft(event: StoredEvent): void {
    const memberId = event.data.member_id as string;
    for (const session of [...this.sessions.ofMember(memberId)]) this.sessions.detachRoom(session, event.room);
  }

  private fanOutSignal(message: Extract<BusMessage, { kind: 'signal' }>): void {
    const targets = message.members
      ? message.members.flatMap((memberId) => [...this.sessions.ofMember(memberId)])
      : message.room
        ? this.sessions.inRoom(message.room)
        : this.sessions.all;
    for (const session of targets) {
      if (session.member.kind === 'agent' && !message.agentsToo) continue;
      session.connection.send(message.frame);
    }
  }

  private async onControl(message: Extract<BusMessage, { kind: 'control' }>): Promise<void> {
    if (message.action === 'presence' || message.action === 'presence.snapshot' || message.action === 'presence.sync') {
      this.onPresenceControl(message);
    } else if (message.action === 'denylist.updated') {
      this.denylist = new Set((await this.store.listDenylist()).map((entry) => entry.handle));
    } else if (message.action === 'stream.cancel') {
      const stream = this.streams.get(message.messageId);
      if (stream) await this.finishStream(stream, 'cancelled', { cancelled_by: message.by });
    } else if (message.action === 'token.revoked') {
      for (const session of [...this.sessions.all]) {
        if (session.tokenId === message.tokenId) session.connection.close(CloseCode.Unauthorized, 'token revoked');
      }
    } else if (message.action === 'member.updated') {
      this.members.delete(message.memberId);
      const member = await this.store.memberById(message.memberId);
      if (!member) return;
      for (const session of [...this.sessions.ofMember(member.id)]) {
        session.member = member;
        if (member.disabled) session.connection.close(CloseCode.Forbidden, 'member disabled');
      }
    } else {
      this.roomMembersCache.delete(message.roomId);
      const membership = await this.store.membership(message.roomId, message.memberId);
      for (const session of this.sessions.ofMember(message.memberId)) {
        const room = session.rooms.get(message.roomId);
        if (room && membership) room.listen = membership.listen;
      }
    }
  }

  private onPresenceControl(
    message: Extract<BusMessage, { action: 'presence' | 'presence.snapshot' | 'presence.sync' }>,
  ): void {
    if (message.instance === this.instanceId) return;
    const now = this.clock.now();
    if (message.action === 'presence.sync') {
      this.presenceHeartbeat();
    } else if (message.action === 'presence') {
      this.board.apply(message.instance, now, message.memberId, message.handle, message.status);
      this.showPresence(message.memberId, message.handle);
    } else {
      for (const [id, handle] of this.board.snapshot(message.instance, now, message.members))
        this.showPresence(id, handle);
    }
  }

  // Rooms

  async resolveRoom(ref: string) {
    const room = ref.startsWith('r_')
      ? await this.store.roomById(ref)
      : await this.store.roomByName(ref.replace(/^#/, ''));
    // A deleted conversation is gone for everyone; its rows are kept.
    if (!room || room.deleted_at) throw new HubError('room_not_found');
    return room;
  }

  private async roomMembers(roomId: string): Promise<Map<string, MembershipRecord>> {
    let members = this.roomMembersCache.get(roomId);
    if (!members) {
      members = new Map((await this.store.roomMembers(roomId)).map((m) => [m.member_id, m]));
      this.roomMembersCache.set(roomId, members);
    }
    return members;
  }

  /** Non-members get `not_member` for public rooms, and `room_not_found` elsewhere: private rooms do not leak. */
  private async requireMembership(roomId: string, actor: MemberRecord, kind?: string): Promise<MembershipRecord> {
    const membership = (await this.roomMembers(roomId)).get(actor.id);
    if (membership) return membership;
    const roomKind = kind ?? (await this.store.roomById(roomId))?.kind;
    throw roomKind === 'public' ? new HubError('not_member') : new HubError('room_not_found');
  }

  /** The room, if the actor is a member of it (the errors do not reveal private rooms). */
  async memberRoom(actor: MemberRecord, ref: string): Promise<Room> {
    return publicRoom(await this.visibleRoom(actor, ref));
  }

  private async visibleRoom(actor: MemberRecord, ref: string) {
    const room = await this.resolveRoom(ref);
    await this.requireMembership(room.id, actor, room.kind);
    return room;
  }

  async listRooms(actor: MemberRecord): Promise<RoomSummary[]> {
    return this.store.listRoomsOf(actor.id);
  }

  async listPublicRooms(): Promise<Room[]> {
    return (await this.store.listPublicRooms()).filter((room) => room.archived_at === null).map(publicRoom);
  }

  async getRoom(actor: MemberRecord, ref: string): Promise<Room> {
    const room = await this.resolveRoom(ref);
    if (room.kind !== 'public') await this.requireMembership(room.id, actor, room.kind);
    return publicRoom(room);
  }

  async createRoom(
    actor: MemberRecord,
    input: { name: string; kind: 'public' | 'private'; topic?: string; members?: string[]; agent_depth_limit?: number },
  ): Promise<Room> {
    this.requireMayPost(actor);
    const invited = await this.store.membersByHandles(
      [...new Set(input.members ?? [])].filter((h) => h !== actor.handle),
    );
    if (invited.length !== new Set(input.members ?? []).size - (input.members?.includes(actor.handle) ? 1 : 0)) {
      throw new HubError('member_not_found', 'Some invited members do not exist.');
    }
    const at = this.now();
    const { room, events } = await this.store.createRoom(
      {
        id: newId('r'),
        name: input.name,
        kind: input.kind,
        topic: input.topic ?? '',
        created_by: actor.handle,
        created_at: at,
        agent_depth_limit: input.agent_depth_limit ?? this.options.defaultAgentDepthLimit,
        direct_key: null,
        title: null,
      },
      [actor, ...invited].map((member, index) => membershipFor(member, index === 0 ? 'owner' : 'member', at)),
      (membership) => joinedDraft(membership.member_id, [actor, ...invited], actor.handle, at),
    );
    for (const event of events) this.publishEvent(event);
    return publicRoom({ ...room, last_seq: events.at(-1)?.seq ?? room.last_seq });
  }

  /** Opens the direct room between the actor and `handles`, creating it on first use. */
  async openDirect(actor: MemberRecord, handles: string[]): Promise<Room> {
    const others = await this.store.membersByHandles([...new Set(handles)].filter((h) => h !== actor.handle));
    if (others.length === 0 || others.length !== new Set(handles.filter((h) => h !== actor.handle)).size) {
      throw new HubError('member_not_found', 'Some members of the direct room do not exist.');
    }
    const everyone = [actor, ...others];
    const key = everyone
      .map((member) => member.id)
      .sort()
      .join(',');
    const existing = await this.store.roomByDirectKey(key);
    if (existing) return publicRoom(existing);
    const at = this.now();
    try {
      const { room, events } = await this.store.createRoom(
        {
          id: newId('r'),
          name: null,
          kind: 'direct',
          topic: '',
          created_by: actor.handle,
          created_at: at,
          agent_depth_limit: this.options.defaultAgentDepthLimit,
          direct_key: key,
          title: null,
        },
        everyone.map((member) => membershipFor(member, 'member', at)),
        (membership) => joinedDraft(membership.member_id, everyone, actor.handle, at),
      );
      for (const event of events) this.publishEvent(event);
      return publicRoom({ ...room, last_seq: events.at(-1)?.seq ?? room.last_seq });
    } catch (error) {
      // Two members opening the same direct room at once: the second finds the first's.
      const raced = await this.store.roomByDirectKey(key);
      if (raced) return publicRoom(raced);
      throw error;
    }
  }

  private async addToRoom(
    roomId: string,
    member: MemberRecord,
    by: MemberRecord,
    role: 'owner' | 'member',
  ): Promise<boolean> {
    const at = this.now();
    const result = await this.store.addMembership(
      membershipFor(member, role, at, roomId),
      joinedDraft(member.id, [member], by.handle, at),
    );
    if (result.event) this.publishEvent(result.event);
    return result.added;
  }

  async joinRoom(actor: MemberRecord, ref: string): Promise<Room> {
    const room = await this.resolveRoom(ref);
    const members = await this.roomMembers(room.id);
    if (members.has(actor.id)) return publicRoom(room);
    if (room.kind !== 'public') throw new HubError('room_not_found');
    if (room.archived_at) throw new HubError('room_archived');
    await this.addToRoom(room.id, actor, actor, 'member');
    return publicRoom((await this.store.roomById(room.id)) ?? room);
  }

  async leaveRoom(actor: MemberRecord, ref: string): Promise<string> {
    const room = await this.visibleRoom(actor, ref);
    if (room.kind === 'direct') throw new HubError('forbidden', 'Direct rooms cannot be left; mute them instead.');
    if (room.kind === 'conversation') throw new HubError('forbidden', 'A conversation is not left: delete it.');
    await this.removeFromRoom(room.id, actor, actor, this.now());
    return room.id;
  }

  private async removeFromRoom(roomId: string, member: MemberRecord, by: MemberRecord, at: string): Promise<void> {
    const result = await this.store.removeMembership(roomId, member.id, {
      kind: 'member.left',
      actor: by.handle,
      at,
      data: { member: member.handle, member_id: member.id },
      agents: null,
    });
    if (result.event) this.publishEvent(result.event);
  }

  async invite(actor: MemberRecord, ref: string, handle: string): Promise<string> {
    const room = await this.visibleRoom(actor, ref);
    if (room.kind === 'direct' || room.kind === 'conversation') {
      throw new HubError('forbidden', `Members cannot be added to a ${room.kind} room.`);
    }
    if (room.archived_at) throw new HubError('room_archived');
    const member = await this.memberByHandle(handle);
    if (member.disabled) throw new HubError('forbidden', `@${member.handle} is disabled and cannot be invited.`);
    await this.addToRoom(room.id, member, actor, 'member');
    return room.id;
  }

  async updateRoom(
    actor: MemberRecord,
    ref: string,
    patch: { topic?: string; agent_depth_limit?: number; archived?: boolean },
  ): Promise<Room> {
    const room = await this.visibleRoom(actor, ref);
    if (room.kind === 'conversation')
      throw new HubError('forbidden', 'Rename a conversation with conversation.rename.');
    const membership = await this.requireMembership(room.id, actor, room.kind);
    const privileged = membership.role === 'owner' || actor.role === 'admin';
    if ((patch.agent_depth_limit !== undefined || patch.archived !== undefined) && !privileged) {
      throw new HubError('forbidden', 'Only the room owner or an admin may do this.');
    }
    if (room.archived_at && patch.archived !== false) throw new HubError('room_archived');
    const at = this.now();
    const { room: updated, event } = await this.store.updateRoom(
      room.id,
      {
        topic: patch.topic,
        agent_depth_limit: patch.agent_depth_limit,
        archived_at: patch.archived === undefined ? undefined : patch.archived ? at : null,
      },
      roomUpdated(actor, at),
    );
    this.publishEvent(event);
    return publicRoom(updated);
  }

  async roomSettings(
    actor: MemberRecord,
    ref: string,
    patch: { notify?: NotifyLevel; listen?: ListenMode },
  ): Promise<MembershipRecord> {
    const room = await this.visibleRoom(actor, ref);
    const updated = await this.store.updateMembership(room.id, actor.id, {
      notify: patch.notify,
      listen: patch.listen,
    });
    if (!updated) throw new HubError('not_member');
    this.bus.publish({ kind: 'control', action: 'membership.updated', roomId: room.id, memberId: actor.id });
    return updated;
  }

  async listRoomMembers(actor: MemberRecord, ref: string): Promise<RoomMember[]> {
    const room = await this.resolveRoom(ref);
    const memberships = [...(await this.roomMembers(room.id)).values()];
    if (room.kind !== 'public' && !memberships.some((m) => m.member_id === actor.id)) {
      throw new HubError('room_not_found');
    }
    const members = await Promise.all(memberships.map((m) => this.member(m.member_id)));
    return memberships.map((membership, index) => ({
      member: members[index]!.handle,
      kind: members[index]!.kind,
      display_name: members[index]!.display_name,
      role: membership.role,
      joined_at: membership.joined_at,
      read_seq: membership.read_seq,
      notify: membership.notify,
      listen: membership.listen,
      presence: this.presenceOf(membership.member_id),
    }));
  }

  /**
   * What is addressed to the actor (see `addressedTo`) after its read cursors, oldest first across its
   * rooms. With `markRead`, each room's cursor moves past what was returned and past what was not
   * addressed, but never past a message still waiting to be returned.
   */
  async inbox(
    actor: MemberRecord,
    options: { limit: number; markRead: boolean },
  ): Promise<{ messages: Message[]; has_more: boolean }> {
    const me = { id: actor.id, handle: actor.handle, kind: actor.kind };
    const viewer: LogViewer =
      actor.kind === 'agent'
        ? { kind: 'agent', agentId: actor.id, handle: actor.handle, listen: 'addressed' }
        : { kind: 'all' };
    const scans: Array<{ room: RoomSummary; found: StoredEvent[]; through: number; complete: boolean }> = [];
    for (const room of await this.store.listRoomsOf(actor.id)) {
      if (room.last_seq <= room.read_seq) continue;
      const found: StoredEvent[] = [];
      let through = room.read_seq;
      let complete = false;
      for (let scanned = 0; found.length <= options.limit && scanned < INBOX_SCAN_LIMIT;) {
        const events = await this.store.events(room.id, through, SYNC_PAGE, viewer);
        for (const event of events) {
          if (addressedTo(event, me, room.kind)) found.push(event);
          through = event.seq;
        }
        scanned += events.length;
        if (events.length < SYNC_PAGE) {
          complete = true;
          break;
        }
      }
      // An agent's view skips what is not addressed to it, so the room's end is as far as it read.
      if (complete) through = Math.max(through, room.last_seq);
      if (found.length > 0 || through > room.read_seq) scans.push({ room, found, through, complete });
    }
    const all = scans
      .flatMap((scan) => scan.found)
      .sort((a, b) => a.at.localeCompare(b.at) || a.room.localeCompare(b.room) || a.seq - b.seq);
    const taken = new Set(all.slice(0, options.limit));
    // As they are now: edited since, finished streaming, or deleted (those are left out). Read before
    // any cursor moves, so a failure here loses nothing.
    const current = await Promise.all([...taken].map((event) => this.store.messageById(event.data.id as string)));
    if (options.markRead) {
      for (const scan of scans) {
        const firstLeft = scan.found.find((event) => !taken.has(event));
        const cursor = firstLeft ? firstLeft.seq - 1 : scan.through;
        if (cursor <= scan.room.read_seq) continue;
        try {
          await this.markRead(actor, scan.room.id, cursor);
        } catch (error) {
          // Left meanwhile, or the room is gone: nothing of it is left to read.
          if (!(error instanceof HubError && (error.code === 'not_member' || error.code === 'room_not_found'))) {
            throw error;
          }
        }
      }
    }
    return {
      messages: current
        .filter((message): message is Message => message !== undefined && !message.deleted)
        .map((message) => this.withStreamContent(message)),
      has_more: all.length > options.limit || scans.some((scan) => !scan.complete),
    };
  }

  /** How many `watchEvents` watchers are registered: lets a test know a wait is in place before it sends. */
  get eventWatcherCount(): number {
    return this.eventWatchers.size;
  }

  async markRead(actor: MemberRecord, ref: string, seq: number): Promise<{ room: string; seq: number }> {
    const room = await this.visibleRoom(actor, ref);
    const cursor = (await this.store.markRead(room.id, actor.id, seq)) ?? 0;
    const cached = this.roomMembersCache.get(room.id)?.get(actor.id);
    if (cached) cached.read_seq = cursor;
    this.signal(room.id, { type: 'read', room: room.id, member: actor.handle, seq: cursor }, { agentsToo: false });
    return { room: room.id, seq: cursor };
  }

  // Messages

  private requireMayPost(actor: MemberRecord): void {
    if (this.denylist.has(actor.handle)) throw new HubError('denylisted');
  }

  private async checkRate(actor: MemberRecord): Promise<void> {
    const wait = await this.limiter.take(`msg:${actor.id}`, this.options.memberRateLimit);
    if (wait > 0) throw new HubError('rate_limited', undefined, { retryAfterMs: wait });
  }

  /**
   * A member's sends are stored in the order they arrive: each waits until the one before it has
   * been queued for commit (not committed), so sends still share a transaction.
   */
  async send(
    actor: MemberRecord,
    params: SendParams,
    status: 'complete' | 'streaming' = 'complete',
  ): Promise<MessageResult> {
    const previous = this.sendOrder.get(actor.id);
    let queued!: () => void;
    const mine = new Promise<void>((resolve) => (queued = resolve));
    this.sendOrder.set(actor.id, mine);
    try {
      if (previous) await previous;
      return await this.sendInOrder(actor, params, status, queued);
    } finally {
      queued();
      if (this.sendOrder.get(actor.id) === mine) this.sendOrder.delete(actor.id);
    }
  }

  private async sendInOrder(
    actor: MemberRecord,
    params: SendParams,
    status: 'complete' | 'streaming',
    queued: () => void,
  ): Promise<MessageResult> {
    this.requireMayPost(actor);
    await this.checkRate(actor);
    checkSizes(params.parts, params.metadata);
    const room = await this.resolveRoom(params.room);
    await this.requireMembership(room.id, actor, room.kind);
    if (room.archived_at) throw new HubError('room_archived');
    if (actor.kind === 'agent') this.requireBudget(actor, room.id);
    const members = await this.roomMembers(room.id);
    const views = await this.memberViews(room.id, members);
    const byHandle = new Map(views.map((view) => [view.handle, view]));

    const threadId = params.thread_id ? await this.threadIn(room.id, params.thread_id) : null;
    const mentioned = parseMentions(params.content);
    const mentionAll = mentioned.includes(MENTION_ALL);
    const mentions = mentioned.filter((handle) => handle !== MENTION_ALL && byHandle.has(handle));
    const targets = [...new Set(params.targets ?? [])];
    const unknown = targets.filter((handle) => !byHandle.has(handle));
    if (unknown.length > 0) {
      throw new HubError('unknown_target', `Not members of this room: ${unknown.map((h) => `@${h}`).join(', ')}.`, {
        details: { targets: unknown },
      });
    }
    const addressed = new Set(
      [...mentions, ...targets].map((handle) => byHandle.get(handle)!.id).filter((id) => id !== actor.id),
    );
    const threadAgents = new Set(threadId ? await this.store.threadAgents(threadId) : []);
    const wake = agentsToWake(views, {
      roomKind: room.kind,
      senderId: actor.id,
      mentionAll,
      addressed,
      threadAgents,
    });
    const at = this.now();
    const insert = this.store.insertMessage(
      {
        id: newId('msg'),
        room_id: room.id,
        sender_id: actor.id,
        sender: actor.handle,
        sender_kind: actor.kind,
        content: params.content,
        mentions,
        targets,
        mention_all: mentionAll,
        thread_id: threadId,
        status,
        parts: params.parts ?? [],
        metadata: params.metadata ?? {},
        client_id: params.client_id ?? null,
        created_at: at,
        addressed: [...addressed],
        wake,
      },
      (message, quiet) => ({
        kind: 'message.created',
        actor: actor.handle,
        at,
        data: message as unknown as Record<string, unknown>,
        agents: quiet ? [] : wake,
      }),
    );
    queued();
    const result = await insert;
    if (result.duplicate) {
      this.stats.duplicatesSuppressed += 1;
      return { message: this.withStreamContent(result.message), duplicate: true };
    }
    this.publishEvent(result.event);
    this.stats.messagesSent += 1;
    if (status === 'complete' && actor.kind === 'agent') this.spend(actor.id, room.id, params.metadata);
    if (status === 'streaming') {
      this.streams.set(result.message.id, {
        messageId: result.message.id,
        quiet: result.depthExceeded,
        room: room.id,
        senderId: actor.id,
        content: result.message.content,
        index: 0,
        parts: [],
        audience: audienceOf(result.depthExceeded ? [] : wake, actor),
        lastActivity: this.clock.now(),
      });
    }
    if (result.firstPastLimit) await this.postDepthNotice(room.id, room.agent_depth_limit);
    return { message: result.message, duplicate: false };
  }

  private async memberViews(roomId: string, members: Map<string, MembershipRecord>): Promise<RoomMemberView[]> {
    let views = this.roomViewsCache.get(roomId);
    if (!views) {
      views = (await Promise.all([...members.keys()].map((id) => this.member(id)))).map(({ id, handle, kind }) => ({
        id,
        handle,
        kind,
      }));
      this.roomViewsCache.set(roomId, views);
    }
    return views;
  }

  private async postDepthNotice(roomId: string, limit: number): Promise<void> {
    const content =
      `Agent chain limit reached: ${limit} agent messages in a row without a person. ` +
      'Agents will not be woken in this room until a person posts.';
    await this.postSystem(roomId, content, { metadata: { notice: 'agent_depth_limit', limit } });
  }

  /** A notice from the hub itself; the members it mentions count it as a mention, and mentioned agents are woken. */
  async postSystem(
    roomId: string,
    content: string,
    options: { mentions?: string[]; threadId?: string | null; metadata?: Record<string, unknown> } = {},
  ): Promise<string> {
    const system = this.systemMember!;
    const at = this.now();
    const mentioned = await this.store.membersByHandles(options.mentions ?? []);
    const agents = mentioned.filter((member) => member.kind === 'agent').map((member) => member.id);
    const result = await this.store.insertMessage(
      {
        id: newId('msg'),
        room_id: roomId,
        sender_id: system.id,
        sender: system.handle,
        sender_kind: 'system',
        content: content.slice(0, Limits.maxContentChars),
        mentions: mentioned.map((member) => member.handle),
        targets: [],
        mention_all: false,
        thread_id: options.threadId ?? null,
        status: 'complete',
        parts: [],
        metadata: options.metadata ?? {},
        client_id: null,
        created_at: at,
        addressed: mentioned.map((member) => member.id),
        wake: agents,
      },
      (message) => ({
        kind: 'message.created',
        actor: system.handle,
        at,
        data: message as unknown as Record<string, unknown>,
        agents,
      }),
    );
    if (!result.duplicate) this.publishEvent(result.event);
    return result.message.id;
  }

  /** The message, checked to be visible to the actor, with who it reached; `change` also requires a live room. */
  private async messageFor(actor: MemberRecord, messageId: string, change = false) {
    const audience = await this.store.messageAudience(messageId);
    if (!audience) throw new HubError('message_not_found');
    const members = await this.roomMembers(audience.message.room);
    if (!members.has(actor.id)) throw new HubError('message_not_found');
    if (change && (await this.store.roomById(audience.message.room))?.archived_at) throw new HubError('room_archived');
    return audience;
  }

  async getMessage(actor: MemberRecord, messageId: string): Promise<Message> {
    return this.withStreamContent((await this.messageFor(actor, messageId)).message);
  }

  async editMessage(actor: MemberRecord, messageId: string, content: string): Promise<Message> {
    this.requireMayPost(actor);
    const { message, senderId, wake, quiet } = await this.messageFor(actor, messageId, true);
    if (senderId !== actor.id && actor.role !== 'admin')
      throw new HubError('forbidden', 'Only the author or an admin may edit.');
    if (message.deleted) throw new HubError('message_not_found');
    if (message.status === 'streaming') throw new HubError('forbidden', 'A streaming message cannot be edited.');
    const at = this.now();
    const result = await this.store.updateMessage(messageId, { content, edited_at: at }, (updated) => ({
      kind: 'message.updated',
      actor: actor.handle,
      at,
      data: updated as unknown as Record<string, unknown>,
      agents: audienceOf(wake, { id: senderId, kind: message.sender_kind }),
      quiet,
    }));
    if (!result) throw new HubError('message_not_found');
    this.publishEvent(result.event);
    return result.message;
  }

  async deleteMessage(actor: MemberRecord, messageId: string): Promise<void> {
    const { message, senderId, wake, quiet } = await this.messageFor(actor, messageId, true);
    if (senderId !== actor.id && actor.role !== 'admin') {
      throw new HubError('forbidden', 'Only the author or an admin may delete.');
    }
    if (message.deleted) return;
    const at = this.now();
    this.streams.delete(messageId);
    const result = await this.store.updateMessage(
      messageId,
      { content: '', parts: [], metadata: {}, deleted_at: at },
      () => ({
        kind: 'message.deleted',
        actor: actor.handle,
        at,
        data: { id: messageId },
        agents: audienceOf(wake, { id: senderId, kind: message.sender_kind }),
        quiet,
      }),
    );
    if (result) this.publishEvent(result.event);
  }

  async react(actor: MemberRecord, messageId: string, emoji: string, add: boolean): Promise<boolean> {
    this.requireMayPost(actor);
    const { message, senderId, wake, quiet } = await this.messageFor(actor, messageId, true);
    if (message.deleted) throw new HubError('message_not_found');
    const draft: EventDraft = {
      kind: add ? 'reaction.added' : 'reaction.removed',
      actor: actor.handle,
      at: this.now(),
      data: { message_id: messageId, emoji, member: actor.handle },
      agents: audienceOf(wake, { id: senderId, kind: message.sender_kind }),
      quiet,
    };
    const event = add
      ? await this.store.addReaction(messageId, actor.handle, emoji, draft)
      : await this.store.removeReaction(messageId, actor.handle, emoji, draft);
    if (event) this.publishEvent(event);
    return event !== undefined;
  }

  // Conversations

  /** A person starts a private conversation with an agent; only the two of them can ever see it. */
  async createConversation(
    actor: MemberRecord,
    params: { agent: string; content: string; client_id?: string },
  ): Promise<{ conversation: Conversation; message: Message }> {
    this.requireMayPost(actor);
    if (actor.kind !== 'person') throw new HubError('forbidden', 'Conversations are started by people.');
    const agent = await this.memberByHandle(params.agent);
    if (agent.kind !== 'agent') throw new HubError('invalid_request', `@${agent.handle} is not an agent.`);
    if (agent.disabled) throw new HubError('forbidden', `@${agent.handle} is disabled.`);
    // A create repeated after a lost answer (same client_id) returns the conversation it made.
    const earlier = params.client_id ? await this.store.messageByClientId(actor.id, params.client_id) : undefined;
    if (earlier) {
      const room = await this.store.roomById(earlier.room);
      if (room?.kind !== 'conversation' || room.deleted_at) throw new HubError('invalid_request', 'client_id reused.');
      return { conversation: await this.conversationOf(actor, room.id), message: earlier };
    }
    const at = this.now();
    const both = [actor, agent];
    const { room, events } = await this.store.createRoom(
      {
        id: newId('r'),
        name: null,
        kind: 'conversation',
        topic: '',
        created_by: actor.handle,
        created_at: at,
        agent_depth_limit: this.options.defaultAgentDepthLimit,
        direct_key: null,
        title: titleFrom(params.content),
      },
      both.map((member, index) => membershipFor(member, index === 0 ? 'owner' : 'member', at)),
      (membership) => joinedDraft(membership.member_id, both, actor.handle, at),
    );
    for (const event of events) this.publishEvent(event);
    const { message } = await this.send(actor, { room: room.id, content: params.content, client_id: params.client_id });
    return { conversation: await this.conversationOf(actor, room.id), message };
  }

  /** The actor's conversations (a person's own, or an agent's with people), most recently active first. */
  async listConversations(actor: MemberRecord): Promise<Conversation[]> {
    const rooms = (await this.store.listRoomsOf(actor.id)).filter((room) => room.kind === 'conversation');
    const conversations = await Promise.all(rooms.map((room) => this.conversationOf(actor, room.id, room)));
    const activity = (conversation: Conversation) => conversation.last_message?.created_at ?? conversation.created_at;
    return conversations.sort((a, b) => activity(b).localeCompare(activity(a)));
  }

  async renameConversation(actor: MemberRecord, id: string, title: string): Promise<Conversation> {
    const room = await this.ownConversation(actor, id);
    const at = this.now();
    const { event } = await this.store.updateRoom(room.id, { title: title.trim() }, roomUpdated(actor, at));
    this.publishEvent(event);
    return this.conversationOf(actor, room.id);
  }

  /**
   * Soft delete: the room is marked deleted and both sides leave it, so every check that asks for
   * membership refuses it from then on; its messages stay in the store (and in exports).
   */
  async deleteConversation(actor: MemberRecord, id: string): Promise<string> {
    const room = await this.ownConversation(actor, id);
    const at = this.now();
    const { event } = await this.store.updateRoom(room.id, { deleted_at: at }, roomUpdated(actor, at));
    this.publishEvent(event);
    for (const memberId of [...(await this.roomMembers(room.id)).keys()]) {
      await this.removeFromRoom(room.id, await this.member(memberId), actor, at);
    }
    return room.id;
  }

  private async ownConversation(actor: MemberRecord, id: string): Promise<RoomRecord> {
    const room = await this.resolveRoom(id);
    const membership = (await this.roomMembers(room.id)).get(actor.id);
    if (room.kind !== 'conversation' || !membership) throw new HubError('room_not_found');
    if (membership.role !== 'owner') throw new HubError('forbidden', 'Only the person who started it may do this.');
    return room;
  }

  private async conversationOf(actor: MemberRecord, roomId: string, summary?: RoomSummary): Promise<Conversation> {
    const room = summary ?? (await this.store.listRoomsOf(actor.id)).find((candidate) => candidate.id === roomId);
    if (!room) throw new HubError('room_not_found');
    const members = await this.roomMembers(roomId);
    const [page, count, views] = await Promise.all([
      this.store.history(roomId, { limit: 1 }),
      this.store.countMessages(roomId),
      this.memberViews(roomId, members),
    ]);
    const last = page.messages.at(-1);
    return {
      id: room.id,
      title: room.title ?? '',
      owner: room.created_by,
      agent: views.find((view) => view.kind === 'agent')?.handle ?? '',
      created_at: room.created_at,
      message_count: count,
      unread: room.unread,
      last_message: last
        ? { id: last.id, sender: last.sender, excerpt: excerptOf(last.content), created_at: last.created_at }
        : null,
    };
  }

  // Memory

  /**
   * Messages of the actor's rooms (or of one of them) and the actor's own notes matching the words of
   * the query. Only rooms the actor belongs to are searched: a public room's history is readable
   * before joining, but it is not searched until joined.
   */
  async searchMemory(
    actor: MemberRecord,
    params: { query: string; room?: string; for_room?: string; limit: number },
  ): Promise<{ messages: MessageHit[]; notes: NoteHit[] }> {
    const terms = searchTerms(params.query);
    const mine = await this.store.listRoomsOf(actor.id);
    let roomIds: string[];
    let noteRooms: Set<string>;
    if (params.room || params.for_room) {
      const room = await this.resolveRoom((params.room ?? params.for_room)!);
      await this.requireMembership(room.id, actor, room.kind);
      roomIds = [room.id];
      // What every member of that room may read anyway: public rooms (`room`, when also given, is narrower).
      if (!params.room) roomIds.push(...mine.filter((r) => r.kind === 'public' && r.id !== room.id).map((r) => r.id));
      noteRooms = new Set([room.id]);
    } else {
      // Someone else's conversation with this agent never surfaces outside it.
      roomIds = mine.filter((r) => r.kind !== 'conversation' || r.created_by === actor.handle).map((r) => r.id);
      noteRooms = new Set(roomIds);
    }
    const query = { terms, limit: params.limit, now: this.now() };
    const [messages, notes] = await Promise.all([
      this.store.searchMessages({ ...query, roomIds }),
      this.store.searchNotes(actor.id, query),
    ]);
    return {
      messages,
      notes: notes
        .filter(({ note }) => note.room_id === null || noteRooms.has(note.room_id))
        .map(({ note, score }) => ({ note: publicNote(note, actor.handle), score })),
    };
  }

  async saveNote(actor: MemberRecord, params: { content: string; room?: string }): Promise<Note> {
    this.requireMayPost(actor);
    let roomId: string | null = null;
    if (params.room) {
      const room = await this.resolveRoom(params.room);
      await this.requireMembership(room.id, actor, room.kind);
      roomId = room.id;
    }
    const note = await this.store.insertNote({
      id: newId('note'),
      member_id: actor.id,
      room_id: roomId,
      content: params.content,
      created_at: this.now(),
    });
    return publicNote(note, actor.handle);
  }

  async history(actor: MemberRecord, params: HistoryParams): Promise<{ messages: Message[]; has_more: boolean }> {
    const room = await this.resolveRoom(params.room);
    // Public rooms can be read before joining, as in any team chat; others only by members.
    if (room.kind !== 'public') await this.requireMembership(room.id, actor, room.kind);
    // A thread of another room is refused as a missing one would be: its id says nothing here.
    if (params.thread_id) await this.threadIn(room.id, params.thread_id);
    const page = await this.store.history(room.id, {
      before: params.before,
      after: params.after,
      beforeTime: params.before_time === undefined ? undefined : new Date(params.before_time).toISOString(),
      afterTime: params.after_time === undefined ? undefined : new Date(params.after_time).toISOString(),
      limit: params.limit ?? 50,
      sender: params.sender,
      threadId: params.thread_id,
    });
    return { messages: page.messages.map((message) => this.withStreamContent(message)), has_more: page.has_more };
  }

  /**
   * The thread a message of this room starts or belongs to; `thread_mismatch` for a message of any
   * other room or none at all, the same answer either way.
   */
  private async threadIn(roomId: string, messageId: string): Promise<string> {
    const parent = await this.store.messageById(messageId);
    if (!parent || parent.room !== roomId) throw new HubError('thread_mismatch');
    return parent.thread_id ?? parent.id;
  }

  /** Messages since a time across the actor's rooms, for the simple `/messages` endpoint. */
  async recentMessages(
    actor: MemberRecord,
    query: { since?: string; room?: string; agent?: string; limit: number },
  ): Promise<Message[]> {
    const roomIds = query.room
      ? [(await this.visibleRoom(actor, query.room)).id]
      : await this.store.roomIdsOf(actor.id);
    const agent = query.agent ? await this.memberByHandle(query.agent) : undefined;
    let deliveredTo: RecentQuery['deliveredTo'];
    if (agent) {
      const listensToAll: string[] = [];
      for (const roomId of roomIds) {
        if ((await this.roomMembers(roomId)).get(agent.id)?.listen === 'all') listensToAll.push(roomId);
      }
      deliveredTo = { agentId: agent.id, listensToAll };
    }
    return this.store.recentMessages({ roomIds, afterTime: query.since, deliveredTo, limit: query.limit });
  }

  /** A streaming message holds its text in memory until it ends; readers see the text so far. */
  private withStreamContent(message: Message): Message {
    if (message.status !== 'streaming') return message;
    const stream = this.streams.get(message.id);
    // `stream_deltas` tells a reader joining mid-stream which delta indexes the snapshot already holds.
    return stream
      ? {
          ...message,
          content: stream.content,
          parts: stream.parts.length > 0 ? stream.parts : message.parts,
          metadata: { ...message.metadata, stream_deltas: stream.index },
        }
      : message;
  }

  // Streaming

  async startStream(
    actor: MemberRecord,
    params: Omit<SendParams, 'content'> & { content?: string },
  ): Promise<MessageResult> {
    return this.send(actor, { ...params, content: params.content ?? '' }, 'streaming');
  }

  private streamOf(actor: MemberRecord, messageId: string): ActiveStream {
    const stream = this.streams.get(messageId);
    if (!stream) throw new HubError('not_streaming');
    if (stream.senderId !== actor.id) throw new HubError('forbidden', 'Only the sender may write to a stream.');
    return stream;
  }

  streamDelta(actor: MemberRecord, messageId: string, delta: string): void {
    this.requireMayPost(actor);
    const stream = this.streamOf(actor, messageId);
    if (stream.content.length + delta.length > Limits.maxContentChars) throw new HubError('content_too_long');
    stream.content += delta;
    stream.lastActivity = this.clock.now();
    this.signalStream(stream, {
      type: 'stream.delta',
      room: stream.room,
      message: messageId,
      index: stream.index,
      delta,
    });
    stream.index += 1;
  }

  streamPart(actor: MemberRecord, messageId: string, part: MessagePart): void {
    this.requireMayPost(actor);
    const stream = this.streamOf(actor, messageId);
    const parts = [...stream.parts.filter((existing) => existing.id !== part.id), part];
    checkSizes(parts, undefined);
    // Replaced in place, so a tool call keeps its position as it goes from running to done.
    const at = stream.parts.findIndex((existing) => existing.id === part.id);
    if (at >= 0) stream.parts[at] = part;
    else stream.parts.push(part);
    stream.lastActivity = this.clock.now();
    this.signalStream(stream, { type: 'stream.part', room: stream.room, message: messageId, part });
  }

  /** A stream's ephemeral frame, to the room's people and to the agents the message addresses. */
  private signalStream(stream: ActiveStream, frame: StreamDeltaFrame | StreamPartFrame): void {
    const encoded = JSON.stringify(frame);
    this.bus.publish({ kind: 'signal', room: stream.room, members: null, agentsToo: false, frame: encoded });
    for (const agentId of stream.audience) {
      this.bus.publish({ kind: 'signal', room: null, members: [agentId], agentsToo: true, frame: encoded });
    }
  }

  async streamDone(
    actor: MemberRecord,
    messageId: string,
    final: { content?: string; parts?: MessagePart[]; metadata?: Record<string, unknown> },
  ): Promise<Message> {
    this.requireMayPost(actor);
    const stream = this.streamOf(actor, messageId);
    checkSizes(final.parts, final.metadata);
    if (actor.kind === 'agent') this.spend(actor.id, stream.room, final.metadata);
    return this.finishStream(stream, 'complete', final);
  }

  // Agent budgets

  /** An agent run by this hub brings its own budget (from the agents file), over the hub-wide one. */
  setAgentBudget(agentId: string, tokensPerRoomPerHour: number): void {
    this.agentBudgets.set(agentId, tokensPerRoomPerHour);
    this.ledgers.delete(agentId);
  }

  private ledgerOf(agentId: string): { ledger: TokenBudget; limit: number } | undefined {
    const limit = this.agentBudgets.get(agentId) ?? this.options.agentTokenBudget;
    if (!limit) return undefined;
    let ledger = this.ledgers.get(agentId);
    if (!ledger) {
      ledger = new TokenBudget(limit, () => this.clock.now());
      this.ledgers.set(agentId, ledger);
    }
    return { ledger, limit };
  }

  /** The tokens a reply reports (`metadata.usage`) count against its agent's budget in that room. */
  private spend(agentId: string, roomId: string, metadata: Record<string, unknown> | undefined): void {
    const usage = metadata?.usage as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
    const tokens = [usage?.input_tokens, usage?.output_tokens].reduce<number>(
      (sum, value) => sum + (typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0),
      0,
    );
    if (tokens > 0) this.ledgerOf(agentId)?.ledger.spend(roomId, tokens);
  }

  /** An agent over its budget in a room is refused there, and the room is told once per exhaustion. */
  private requireBudget(agent: MemberRecord, roomId: string): void {
    const budget = this.ledgerOf(agent.id);
    if (!budget || budget.ledger.allows(roomId)) return;
    const wait = budget.ledger.msUntilAllowed(roomId);
    if (budget.ledger.shouldNotify(roomId)) {
      const minutes = Math.max(1, Math.ceil(wait / 60_000));
      void this.postSystem(
        roomId,
        `@${agent.handle} has used its token budget for this room for this hour ` +
          `(${budget.limit.toLocaleString('en-US')} tokens); it can answer again in about ${minutes} min.`,
        { metadata: { notice: 'budget_exhausted', agent: agent.handle } },
      ).catch((error: unknown) => this.logger.warn({ err: error }, 'could not post a budget notice'));
    }
    throw new HubError('budget_exhausted', undefined, { retryAfterMs: wait });
  }

  async streamError(actor: MemberRecord, messageId: string, error: string): Promise<Message> {
    return this.finishStream(this.streamOf(actor, messageId), 'error', { error });
  }

  /** Stop: the sender, or any person in the room, may cancel a streaming message. */
  async cancelStream(actor: MemberRecord, messageId: string): Promise<Message> {
    // Visibility first: a non-member learns nothing about a message in a private room.
    const stored = await this.messageFor(actor, messageId);
    const { message, senderId } = stored;
    if (message.status !== 'streaming') throw new HubError('not_streaming');
    if (senderId !== actor.id && actor.kind !== 'person') {
      throw new HubError('forbidden', 'Only the sender or a person in the room may stop a stream.');
    }
    const stream = this.streams.get(messageId);
    if (stream) return this.finishStream(stream, 'cancelled', { cancelled_by: actor.handle });
    // Another instance holds the stream (its sender is connected there): ask it to stop, since it
    // has the text so far; if none answers in time, end the stream from what the store has.
    const ended = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), REMOTE_STREAM_WAIT_MS);
      this.streamEnded.set(messageId, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    this.bus.publish({ kind: 'control', action: 'stream.cancel', messageId, by: actor.handle });
    const stoppedElsewhere = await ended;
    this.streamEnded.delete(messageId);
    if (stoppedElsewhere) return (await this.store.messageById(messageId)) ?? message;
    return this.finishStream(streamFromStore(stored), 'cancelled', { cancelled_by: actor.handle });
  }

  private async finishStream(
    stream: ActiveStream,
    status: 'complete' | 'error' | 'cancelled',
    final: {
      content?: string;
      parts?: MessagePart[];
      metadata?: Record<string, unknown>;
      error?: string;
      cancelled_by?: string;
    },
  ): Promise<Message> {
    this.streams.delete(stream.messageId);
    const current = await this.store.messageById(stream.messageId);
    const metadata = { ...(current?.metadata ?? {}), ...(final.metadata ?? {}) };
    if (final.error) metadata.error = final.error;
    if (final.cancelled_by) metadata.cancelled_by = final.cancelled_by;
    const at = this.now();
    const result = await this.store.updateMessage(
      stream.messageId,
      {
        content: final.content ?? stream.content,
        status,
        parts: final.parts ?? (stream.parts.length > 0 ? stream.parts : undefined),
        metadata,
      },
      (message) => ({
        kind: 'message.updated',
        actor: status === 'cancelled' ? String(final.cancelled_by) : message.sender,
        at,
        data: message as unknown as Record<string, unknown>,
        agents: stream.audience,
        quiet: stream.quiet,
      }),
    );
    if (!result) throw new HubError('message_not_found');
    this.publishEvent(result.event);
    return result.message;
  }

  // Presence, typing and read receipts: ephemeral, never logged

  setPresence(session: Session, status: 'online' | 'away'): PresenceStatus {
    session.status = status;
    this.announcePresence(session.member);
    return this.presenceOf(session.member.id);
  }

  /**
   * After a local change: tells the other instances this instance's view, then shows this
   * instance's sessions the member's presence across all instances, when it changed.
   */
  private announcePresence(member: Pick<MemberRecord, 'id' | 'handle'>): void {
    const local = this.localPresence(member.id);
    if ((this.toldOthers.get(member.id) ?? 'offline') !== local) {
      if (local === 'offline') this.toldOthers.delete(member.id);
      else this.toldOthers.set(member.id, local);
      this.bus.publish({
        kind: 'control',
        action: 'presence',
        instance: this.instanceId,
        memberId: member.id,
        handle: member.handle,
        status: local,
      });
    }
    this.showPresence(member.id, member.handle);
  }

  /** Sends this instance's people the member's presence, if it changed since they were last told. */
  private showPresence(memberId: string, handle: string): void {
    const status = this.presenceOf(memberId);
    if ((this.announced.get(memberId) ?? 'offline') === status) return;
    if (status === 'offline') this.announced.delete(memberId);
    else this.announced.set(memberId, status);
    const frame = JSON.stringify({ type: 'presence', member: handle, status });
    for (const session of this.sessions.all) if (session.member.kind !== 'agent') session.connection.send(frame);
  }

  private presenceHeartbeat(): void {
    this.bus.publish({
      kind: 'control',
      action: 'presence.snapshot',
      instance: this.instanceId,
      members: [...this.toldOthers].map(([id, status]) => [
        id,
        {
          handle: [...this.sessions.ofMember(id)][0]?.member.handle ?? '',
          status: status === 'away' ? 'away' : 'online',
        },
      ]),
    });
    for (const [id, handle] of this.board.expire(this.clock.now())) this.showPresence(id, handle);
  }

  async typing(actor: MemberRecord, ref: string, threadId: string | undefined, active: boolean): Promise<void> {
    const room = await this.visibleRoom(actor, ref);
    if (room.archived_at) throw new HubError('room_archived');
    const thread = threadId ? await this.threadIn(room.id, threadId) : null;
    this.signal(
      room.id,
      { type: 'typing', room: room.id, member: actor.handle, thread_id: thread, active },
      { agentsToo: false },
    );
  }

  private signal(room: string, frame: object, options: { agentsToo: boolean }): void {
    this.bus.publish({
      kind: 'signal',
      room,
      members: null,
      agentsToo: options.agentsToo,
      frame: JSON.stringify(frame),
    });
  }
}

/** A conversation's first title: the first line of its first message, cut at a word near 200 characters. */
function titleFrom(content: string): string {
  const line = content.trim().split('\n')[0]!.trim();
  if (line.length <= MAX_TITLE_CHARS) return line;
  const cut = line.slice(0, MAX_TITLE_CHARS - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_TITLE_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function excerptOf(content: string): string {
  const flat = content.replace(/\s+/g, ' ').trim();
  return flat.length <= 140 ? flat : `${flat.slice(0, 139)}…`;
}

function publicNote(note: NoteRecord, handle: string): Note {
  return { id: note.id, member: handle, room: note.room_id, content: note.content, created_at: note.created_at };
}

/** The words of a search, lowercased, once each: at most 16, so a pasted page cannot become a huge query. */
export function searchTerms(query: string): string[] {
  const words = query.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [];
  return [...new Set(words.filter((word) => word.length > 1 || /\p{N}/u.test(word)))].slice(0, 16);
}

/** The name of the token a hub issues to an agent it runs itself. */
const HOSTED_AGENT_TOKEN = 'hosted by this hub';

const DUMMY_HASH =
  'scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==';

function requireAdmin(actor: MemberRecord): void {
  if (actor.role !== 'admin') throw new HubError('admin_only');
}

/** A stream no instance holds in memory, rebuilt from the store to be ended: its text is what was stored. */
function streamFromStore({ message, senderId, wake, quiet }: MessageAudience): ActiveStream {
  return {
    messageId: message.id,
    quiet,
    room: message.room,
    senderId,
    content: message.content,
    index: 0,
    parts: message.parts,
    audience: audienceOf(wake, { id: senderId, kind: message.sender_kind }),
    lastActivity: 0,
  };
}

/** Events about a message reach the agents it woke, and its sender when that is an agent. */
function audienceOf(wake: string[], sender: { id: string; kind: string }): string[] {
  return sender.kind === 'agent' && !wake.includes(sender.id) ? [...wake, sender.id] : wake;
}

function membershipFor(
  member: MemberRecord,
  role: 'owner' | 'member',
  at: string,
  roomId = '',
): Omit<MembershipRecord, 'read_seq'> & { room_id: string } {
  return { room_id: roomId, member_id: member.id, role, joined_at: at, notify: 'all', listen: 'addressed' };
}

function roomUpdated(actor: MemberRecord, at: string): (room: RoomRecord) => EventDraft {
  return (room) => ({ kind: 'room.updated', actor: actor.handle, at, data: { room: publicRoom(room) }, agents: null });
}

function joinedDraft(memberId: string, known: MemberRecord[], by: string, at: string): EventDraft {
  const member = known.find((candidate) => candidate.id === memberId)!;
  return {
    kind: 'member.joined',
    actor: by,
    at,
    data: { member: member.handle, member_id: member.id, kind: member.kind },
    agents: null,
  };
}

/**
 * Parts and metadata are free-form: bounded in nesting before JSON.stringify walks them (the
 * transports check frames already; the core does not rely on every caller being one), then in size.
 */
function checkSizes(parts: MessagePart[] | undefined, metadata: Record<string, unknown> | undefined): void {
  if (valueTooDeep(parts) || valueTooDeep(metadata)) {
    throw new HubError('nesting_too_deep', `Parts and metadata nest at most ${Limits.maxJsonDepth} levels deep.`);
  }
  if (parts && Buffer.byteLength(JSON.stringify(parts)) > Limits.maxPartsBytes) {
    throw new HubError('frame_too_large', `Message parts exceed ${Limits.maxPartsBytes} bytes.`);
  }
  if (metadata && Buffer.byteLength(JSON.stringify(metadata)) > Limits.maxMetadataBytes) {
    throw new HubError('frame_too_large', `Message metadata exceeds ${Limits.maxMetadataBytes} bytes.`);
  }
}
