/**
 * The connection hub: attaches sessions (catch-up from the room log, then live), takes every
 * event and signal from the bus, puts each room's events in seq order (room-order.ts) and
 * delivers them to this instance's sessions, and acts on the other instances' control messages.
 */
import {
  CloseCode,
  Limits,
  PROTOCOL_VERSION,
  type Cursors,
  type Message,
  type ReadyFrame,
  type RoomSummary,
} from '@roundtable/protocol';
import { viewerOf, type Authenticated, type HubContext } from './context.js';
import { HubError } from './hub-error.js';
import { newId } from './ids.js';
import type { BusMessage, MemberRecord, StoredEvent, StoredEventOf } from './ports.js';
import type { Presence } from './presence.js';
import { RoomOrder } from './room-order.js';
import { Session, type Connection } from './sessions.js';
import { eventFrame, publicMember } from './wire.js';

const SYNC_PAGE = 500;

type Control = Extract<BusMessage, { kind: 'control' }>;

/** What the fan-out tells the features that keep state about sessions and streams. */
export interface FanOutHooks {
  /** A session is gone: whatever it held (a task worker's registration) goes with it. */
  sessionEnded(session: Session): void;
  /** Another instance asks the one holding a stream to stop it. */
  cancelStream(message: Extract<Control, { action: 'stream.cancel' }>): Promise<void>;
  /** A message changed (a stream ended, on any instance): before anyone is told. */
  messageUpdated(message: Message): void;
  /** An event reached a member's connection (receipts). */
  delivered(event: StoredEvent, member: MemberRecord, listensToAll: boolean): void;
  /** The rooms a connection attached with: their kinds are known from here on. */
  attached(rooms: RoomSummary[]): void;
}

export class FanOut {
  private readonly order: RoomOrder;
  private readonly lastPublished = new Map<string, number>();
  /** Listeners told of every event this instance delivers, in each room's order (MCP waits and subscriptions). */
  private readonly eventWatchers = new Set<(event: StoredEvent) => void>();

  constructor(
    private readonly ctx: HubContext,
    private readonly presence: Presence,
    private readonly hooks: FanOutHooks,
  ) {
    this.order = new RoomOrder({
      deliver: (event, frame) => this.deliverLocally(event, frame),
      readLog: (room, after, limit) => ctx.store.events(room, after, limit, { kind: 'all' }),
      frameOf: eventFrame,
      onError: (error, room) => ctx.logger.warn({ err: error, room }, 'could not fill a gap from the room log'),
    });
    ctx.bus.subscribe((message) => this.onBus(message));
    ctx.bus.onResync(() => {
      ctx.forgetRoom();
      this.order.resyncAll();
    });
  }

  stop(code: number, reason: string): void {
    this.order.stop();
    for (const session of [...this.ctx.sessions.all]) session.connection.close(code, reason);
  }

  /**
   * Registers a live connection. Rooms named in `resume` get the events missed since their
   * cursor, then a `synced` frame; other rooms go live from the `last_seq` given in `ready`.
   */
  async attach(connection: Connection, auth: Authenticated, resume: Cursors = {}): Promise<Session> {
    const rooms = await this.ctx.store.listRoomsOf(auth.member.id);
    this.hooks.attached(rooms);
    // From here to `add`, nothing awaits: no event can slip between the read and the registration.
    const session = new Session(newId('s'), connection, auth.member, auth.tokenId, auth.life);
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
    this.ctx.sessions.add(session);
    this.capConnections(auth.member.id);
    const { settings } = this.ctx;
    const ready: ReadyFrame = {
      type: 'ready',
      session_id: session.id,
      member: this.presence.withPresence(publicMember(auth.member)),
      rooms,
      resuming: catchUp.map((entry) => entry.room),
      server: {
        version: settings.version,
        protocol: PROTOCOL_VERSION,
        limits: Limits,
        heartbeat_ms: settings.heartbeatMs,
        max_frame_bytes: settings.maxFrameBytes,
      },
    };
    connection.send(JSON.stringify(ready));
    this.presence.announce(auth.member);
    for (const entry of catchUp) await this.catchUp(session, entry.room);
    return session;
  }

  /**
   * Past the member's connection cap on this instance, its oldest connections are closed (MCP
   * sessions, which hold no socket, do not count): a forgotten tab gives way to the device in use.
   */
  private capConnections(memberId: string): void {
    const cap = this.ctx.settings.maxConnectionsPerMember;
    if (cap === 0) return;
    const live = [...this.ctx.sessions.ofMember(memberId)].filter((session) => !session.connection.presenceOnly);
    const frame = JSON.stringify({ type: 'error', ...new HubError('too_many_connections').toBody() });
    for (const oldest of live.slice(0, Math.max(0, live.length - cap))) {
      oldest.connection.send(frame);
      oldest.connection.close(CloseCode.ConnectionLimit, 'too many connections: the oldest was closed');
    }
  }

  detach(session: Session): void {
    if (!this.ctx.sessions.all.has(session)) return;
    this.ctx.sessions.remove(session);
    this.hooks.sessionEnded(session);
    this.presence.announce(session.member);
  }

  /** Sends what the store holds after the room's cursor, then what arrived live meanwhile, in order. */
  private async catchUp(session: Session, roomId: string): Promise<void> {
    const room = session.rooms.get(roomId);
    if (!room) return;
    room.syncing = true;
    const viewer = viewerOf(session.member, room.listen);
    try {
      for (;;) {
        const events = await this.ctx.store.events(roomId, room.cursor, SYNC_PAGE, viewer);
        for (const event of events) {
          if (event.seq <= room.cursor) continue;
          room.cursor = event.seq;
          session.connection.send(eventFrame(event));
          this.receivedBy(session, event, room.listen);
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
          this.receivedBy(session, buffered.event, room.listen);
        } else {
          this.ctx.stats.duplicatesSuppressed += 1;
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
    const { sessions } = this.ctx;
    await new Promise((resolve) => setImmediate(resolve));
    while (sessions.all.has(session) && (session.connection.pressure?.() ?? 0) > 0.25) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return sessions.all.has(session);
  }

  /** An explicit `sync` request: the events after `after` as a page, without touching the live cursor. */
  async sync(
    actor: MemberRecord,
    roomRef: string,
    after: number,
    limit: number,
  ): Promise<{ room: string; events: StoredEvent[]; last_seq: number; has_more: boolean }> {
    const room = await this.ctx.resolveRoom(roomRef);
    const membership = await this.ctx.requireMembership(room.id, actor);
    const events = await this.ctx.store.events(room.id, after, limit + 1, viewerOf(actor, membership.listen));
    const hasMore = events.length > limit;
    return { room: room.id, events: events.slice(0, limit), last_seq: room.last_seq, has_more: hasMore };
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
        this.ctx.logger.warn({ err: error }, 'event watcher failed');
      }
    };
    this.eventWatchers.add(guarded);
    return () => this.eventWatchers.delete(guarded);
  }

  /** How many `watchEvents` watchers are registered: lets a test know a wait is in place before it sends. */
  get eventWatcherCount(): number {
    return this.eventWatchers.size;
  }

  private onBus(message: BusMessage): void {
    try {
      if (message.kind === 'event') this.fanOut(message.event, message.frame);
      else if (message.kind === 'signal') this.fanOutSignal(message);
      else
        this.onControl(message).catch((error: unknown) =>
          this.ctx.logger.warn({ err: error }, 'control message failed'),
        );
    } catch (error) {
      this.ctx.logger.error({ err: error }, 'fan-out failed');
    }
  }

  private fanOut(event: StoredEvent, frame: string): void {
    // On arrival rather than in the room's order: a send here may need the room though nobody here watches it.
    if (event.kind === 'room.updated') this.ctx.forgetRoom(event.room);
    const previous = this.lastPublished.get(event.room) ?? 0;
    if (event.seq > previous) this.lastPublished.set(event.room, event.seq);
    this.order.accept(event, frame);
  }

  /** One event, in its room's order, to this instance's sessions. */
  private deliverLocally(event: StoredEvent, frame: string): void {
    if (event.kind === 'message.updated') this.hooks.messageUpdated(event.data);
    if (event.kind === 'member.joined') this.onJoined(event);
    let delivered = 0;
    const sessions = this.ctx.sessions.inRoom(event.room);
    // Encoded once here rather than once per socket by each send.
    const bytes = sessions.size > 1 ? Buffer.from(frame) : undefined;
    const message = event.kind === 'message.created';
    for (const session of sessions) {
      if (!session.deliver(event, frame, bytes)) continue;
      delivered += 1;
      if (message) this.receivedBy(session, event, session.rooms.get(event.room)?.listen);
    }
    this.ctx.stats.eventsDelivered += delivered;
    for (const watcher of this.eventWatchers) watcher(event);
    if (event.kind === 'member.left') this.onLeft(event);
    if (event.kind === 'member.left' || event.kind === 'member.joined') this.ctx.forgetRoomMembers(event.room, true);
  }

  private receivedBy(session: Session, event: StoredEvent, listen: string | undefined): void {
    if (!session.connection.presenceOnly) this.hooks.delivered(event, session.member, listen === 'all');
  }

  private onJoined(event: StoredEventOf<'member.joined'>): void {
    const memberId = event.data.member_id;
    for (const session of this.ctx.sessions.ofMember(memberId)) {
      if (session.rooms.has(event.room)) continue;
      this.ctx.sessions.attachRoom(session, event.room, {
        cursor: event.seq - 1,
        listen: 'addressed',
        syncing: false,
        buffer: [],
      });
    }
  }

  private onLeft(event: StoredEventOf<'member.left'>): void {
    const memberId = event.data.member_id;
    for (const session of [...this.ctx.sessions.ofMember(memberId)]) this.ctx.sessions.detachRoom(session, event.room);
  }

  private fanOutSignal(message: Extract<BusMessage, { kind: 'signal' }>): void {
    const { sessions } = this.ctx;
    const targets = message.members
      ? message.members.flatMap((memberId) => [...sessions.ofMember(memberId)])
      : message.room
        ? sessions.inRoom(message.room)
        : sessions.all;
    const send = (session: Session) => {
      const { connection } = session;
      if (message.lazy && connection.sendLater) connection.sendLater(message.frame);
      else connection.send(message.frame);
    };
    for (const session of targets) {
      if (session.member.kind !== 'agent' || message.agentsToo) send(session);
    }
    if (message.follow === undefined) return;
    for (const session of sessions.followersOf(message.follow)) {
      if (!message.members?.includes(session.member.id)) send(session);
    }
  }

  private async onControl(message: Control): Promise<void> {
    const { ctx } = this;
    switch (message.action) {
      case 'presence':
      case 'presence.snapshot':
      case 'presence.sync':
        this.presence.onControl(message);
        return;
      case 'denylist.updated':
        // At once, so that a post reaching this instance after any later bus message is judged by it.
        if (message.denied) ctx.denylist.add(message.handle);
        else ctx.denylist.delete(message.handle);
        await ctx.reloadDenylist();
        return;
      case 'stream.cancel':
        await this.hooks.cancelStream(message);
        return;
      case 'token.revoked':
        for (const session of [...ctx.sessions.all]) {
          if (session.tokenId === message.tokenId) session.connection.close(CloseCode.Unauthorized, 'token revoked');
        }
        return;
      case 'member.updated': {
        ctx.forgetMember(message.memberId);
        const member = await ctx.store.memberById(message.memberId);
        if (!member) return;
        for (const session of [...ctx.sessions.ofMember(member.id)]) {
          session.member = member;
          if (member.disabled) session.connection.close(CloseCode.Forbidden, 'member disabled');
        }
        return;
      }
      case 'membership.updated': {
        ctx.forgetRoomMembers(message.roomId);
        const membership = await ctx.store.membership(message.roomId, message.memberId);
        for (const session of ctx.sessions.ofMember(message.memberId)) {
          const room = session.rooms.get(message.roomId);
          if (room && membership) room.listen = membership.listen;
        }
      }
    }
  }
}
