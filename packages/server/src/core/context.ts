/**
 * What the hub's features share: the ports, the settings, the live sessions, the caches of members
 * and room memberships, and the checks every feature makes before it reads or changes a room.
 * Each feature (accounts.ts, rooms.ts, messages.ts, …) takes this and nothing of the others but
 * the few functions it names in its constructor.
 */
import { ACTIVITY_TTL_MS, type ListenMode } from '@roundtable/protocol';
import type { RoomMemberView } from './delivery.js';
import { HubError } from './hub-error.js';
import { newId } from './ids.js';
import type {
  Bus,
  Clock,
  LogViewer,
  MemberRecord,
  MembershipRecord,
  RateLimiter,
  RoomRecord,
  Store,
  StoredEvent,
} from './ports.js';
import { systemClock } from './ports.js';
import { LocalRateLimiter, type RateLimit } from './rate-limit.js';
import { SessionRegistry } from './sessions.js';
import type { TokenLife } from './token-lifetimes.js';
import { eventFrame } from './wire.js';

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
  /** How long (ms) an activity status holds unless set again. Default 30,000 (ACTIVITY_TTL_MS). */
  activityTtlMs?: number;
  /** How often agents' messages may wake one agent in one room, per minute, unless the room sets its own; 0: no limit. Default 20. */
  agentWakesPerMinute?: number;
  /**
   * Near-identical agent messages in one room within `windowMs` that stop agents being woken there
   * until a person posts; `repeats` below 2 turns it off. Default 3 in 600,000 ms.
   */
  agentRepeatLimit?: { repeats: number; windowMs: number };
  /** A sign-in session unused this long (ms) expires; use renews it. Default 30 days. */
  sessionIdleTtlMs?: number;
  /** A sign-in session expires this long (ms) after sign-in, however much it is used. Default 90 days. */
  sessionMaxTtlMs?: number;
  /** Live connections one member may hold on this instance: past it, its oldest is closed. 0: no limit. Default 20. */
  maxConnectionsPerMember?: number;
}

export type HubSettings = Required<Omit<HubOptions, 'store' | 'bus' | 'logger' | 'clock' | 'rateLimiter'>>;

/** Posts a notice of the hub's own in a room, with metadata saying what it is about. */
export type PostNotice = (roomId: string, content: string, metadata: Record<string, unknown>) => Promise<unknown>;

export interface Authenticated {
  member: MemberRecord;
  tokenId: string | null;
  /** The token's end and whether use renews it (token-lifetimes.ts); absent for the hub's own connections. */
  life?: TokenLife;
}

/** Counters read by /health and /metrics. */
export interface HubStats {
  messagesSent: number;
  eventsDelivered: number;
  duplicatesSuppressed: number;
}

/** A room's events as a member reads them: an agent's view is cut by the delivery rule. */
export function viewerOf(member: Pick<MemberRecord, 'id' | 'handle' | 'kind'>, listen: ListenMode): LogViewer {
  return member.kind === 'agent'
    ? { kind: 'agent', agentId: member.id, handle: member.handle, listen }
    : { kind: 'all' };
}

/** Rooms kept for sends; past this many, the cache starts over. */
const MAX_ROOMS_FOR_SEND = 10_000;

export class HubContext {
  readonly store: Store;
  readonly bus: Bus;
  readonly clock: Clock;
  readonly logger: HubLogger;
  readonly settings: HubSettings;
  readonly limiter: RateLimiter;
  readonly sessions = new SessionRegistry();
  readonly stats: HubStats = { messagesSent: 0, eventsDelivered: 0, duplicatesSuppressed: 0 };
  /** Identifies this hub instance to the others on the bus. */
  readonly instanceId = newId('i');
  /** Handles that may not post, as the store holds them; reloaded when any instance changes it. */
  denylist = new Set<string>();
  private readonly roomsForSend = new Map<string, RoomRecord>();
  private systemMember: MemberRecord | undefined;
  private readonly members = new Map<string, MemberRecord>();
  private readonly roomMembersCache = new Map<string, Map<string, MembershipRecord>>();
  /** Each room's members as the delivery rule sees them; ids, handles and kinds never change. */
  private readonly roomViewsCache = new Map<string, RoomMemberView[]>();
  /**
   * Each room's members read under way. A read that began before a forget may miss the change it
   * stands for (over PostgreSQL its answer can arrive after the event of a leave committed meanwhile):
   * the forget takes the room's entry, and the answer serves its caller but is not kept, or a member
   * who left could go on posting until the room changed again.
   */
  private readonly membersReads = new Map<string, symbol>();
  /** The same for rooms read for sends, by one count bumped at every forget: rooms change seldom. */
  private roomsEpoch = 0;

  constructor(options: HubOptions) {
    this.store = options.store;
    this.bus = options.bus;
    this.logger = options.logger;
    this.clock = options.clock ?? systemClock;
    this.settings = {
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
      activityTtlMs: options.activityTtlMs ?? ACTIVITY_TTL_MS,
      agentWakesPerMinute: options.agentWakesPerMinute ?? 20,
      agentRepeatLimit: options.agentRepeatLimit ?? { repeats: 3, windowMs: 600_000 },
      sessionIdleTtlMs: options.sessionIdleTtlMs ?? 30 * 86_400_000,
      sessionMaxTtlMs: options.sessionMaxTtlMs ?? 90 * 86_400_000,
      maxConnectionsPerMember: options.maxConnectionsPerMember ?? 20,
    };
    this.limiter = options.rateLimiter ?? new LocalRateLimiter(this.clock);
  }

  now(): string {
    return new Date(this.clock.now()).toISOString();
  }

  /** The hub's own member, which posts notices; it exists once the hub has started. */
  get system(): MemberRecord {
    if (!this.systemMember) throw new Error('the hub has not started');
    return this.systemMember;
  }

  set system(member: MemberRecord) {
    this.systemMember = member;
  }

  async reloadDenylist(): Promise<void> {
    this.denylist = new Set((await this.store.listDenylist()).map((entry) => entry.handle));
  }

  requireMayPost(actor: MemberRecord): void {
    if (this.denylist.has(actor.handle)) throw new HubError('denylisted');
  }

  // Members

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

  rememberMember(member: MemberRecord): void {
    this.members.set(member.id, member);
  }

  forgetMember(id: string): void {
    this.members.delete(id);
  }

  // Rooms and membership

  async resolveRoom(ref: string): Promise<RoomRecord> {
    const room = ref.startsWith('r_')
      ? await this.store.roomById(ref)
      : await this.store.roomByName(ref.replace(/^#/, ''));
    // A deleted conversation is gone for everyone; its rows are kept.
    if (!room || room.deleted_at) throw new HubError('room_not_found');
    return room;
  }

  /**
   * A room as a send needs it (its kind, whether it is archived, its agent limits), by id, kept
   * until the room changes on any instance (`forgetRoom`): every message would otherwise read it
   * again. Its counters (`last_seq`, `member_count`) are stale here, and no send reads them. A
   * conversation is read each time: its first message titles it, and it may be deleted.
   */
  async roomForSend(ref: string): Promise<RoomRecord> {
    const known = this.roomsForSend.get(ref);
    if (known) return known;
    const epoch = this.roomsEpoch;
    const room = await this.resolveRoom(ref);
    if (room.kind !== 'conversation' && epoch === this.roomsEpoch) {
      if (this.roomsForSend.size >= MAX_ROOMS_FOR_SEND) this.roomsForSend.clear();
      // By the reference the sender gave, id or name (a room's name never changes).
      this.roomsForSend.set(ref, room);
    }
    return room;
  }

  /** The room changed (on any instance), or events may have been missed: the next send reads it again. */
  forgetRoom(roomId?: string): void {
    this.roomsEpoch += 1;
    if (roomId === undefined) return this.roomsForSend.clear();
    for (const [ref, room] of this.roomsForSend) if (room.id === roomId) this.roomsForSend.delete(ref);
  }

  async roomMembers(roomId: string): Promise<Map<string, MembershipRecord>> {
    let members = this.roomMembersCache.get(roomId);
    if (!members) {
      const reading = Symbol(roomId);
      this.membersReads.set(roomId, reading);
      try {
        members = new Map((await this.store.roomMembers(roomId)).map((m) => [m.member_id, m]));
        if (this.membersReads.get(roomId) === reading) this.roomMembersCache.set(roomId, members);
      } finally {
        if (this.membersReads.get(roomId) === reading) this.membersReads.delete(roomId);
      }
    }
    return members;
  }

  /** The cached membership, if the room's members are cached: a read cursor is kept up to date in place. */
  cachedMembership(roomId: string, memberId: string): MembershipRecord | undefined {
    return this.roomMembersCache.get(roomId)?.get(memberId);
  }

  /** After someone joined or left (on any instance), or changed their settings. */
  forgetRoomMembers(roomId: string, views = false): void {
    this.membersReads.delete(roomId);
    this.roomMembersCache.delete(roomId);
    if (views) this.roomViewsCache.delete(roomId);
  }

  async memberViews(roomId: string, members: Map<string, MembershipRecord>): Promise<RoomMemberView[]> {
    let views = this.roomViewsCache.get(roomId);
    if (!views) {
      views = (await Promise.all([...members.keys()].map((id) => this.member(id)))).map(({ id, handle, kind }) => ({
        id,
        handle,
        kind,
      }));
      // Kept only while the members they were made from are: a forget meanwhile takes those.
      if (this.roomMembersCache.get(roomId) === members) this.roomViewsCache.set(roomId, views);
    }
    return views;
  }

  /** Non-members get `not_member` for public rooms, and `room_not_found` elsewhere: private rooms do not leak. */
  async requireMembership(roomId: string, actor: MemberRecord, kind?: string): Promise<MembershipRecord> {
    const membership = (await this.roomMembers(roomId)).get(actor.id);
    if (membership) return membership;
    const roomKind = kind ?? (await this.store.roomById(roomId))?.kind;
    throw roomKind === 'public' ? new HubError('not_member') : new HubError('room_not_found');
  }

  /** The room, if the actor is a member of it (the errors do not reveal private rooms). */
  async visibleRoom(actor: MemberRecord, ref: string): Promise<RoomRecord> {
    const room = await this.resolveRoom(ref);
    await this.requireMembership(room.id, actor, room.kind);
    return room;
  }

  /**
   * The thread a message of this room starts or belongs to; `thread_mismatch` for a message of any
   * other room or none at all, the same answer either way.
   */
  async threadIn(roomId: string, messageId: string): Promise<string> {
    const parent = await this.store.messageById(messageId);
    if (!parent || parent.room !== roomId) throw new HubError('thread_mismatch');
    return parent.thread_id ?? parent.id;
  }

  // Publishing

  publishEvent(event: StoredEvent): void {
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

  /** An ephemeral frame to a room's sessions (people only, unless `agentsToo`); never logged. */
  signal(room: string, frame: object, options: { agentsToo: boolean }): void {
    this.bus.publish({
      kind: 'signal',
      room,
      members: null,
      agentsToo: options.agentsToo,
      frame: JSON.stringify(frame),
    });
  }
}

export function requireAdmin(actor: MemberRecord): void {
  if (actor.role !== 'admin') throw new HubError('admin_only');
}
