/**
 * Presence and typing: ephemeral, never logged. A member is online while any of its connections,
 * on any instance, is online; instances tell each other their members' local presence, and a
 * snapshot as a heartbeat (presence-board.ts).
 */
import type { Member, PresenceStatus } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { HubError } from './hub-error.js';
import type { BusMessage, MemberRecord } from './ports.js';
import { PresenceBoard } from './presence-board.js';
import type { Session } from './sessions.js';

/** How often (ms) an instance sends the others a snapshot of its members' presence. */
const PRESENCE_HEARTBEAT_MS = 10_000;

type PresenceControl = Extract<BusMessage, { action: 'presence' | 'presence.snapshot' | 'presence.sync' }>;

export class Presence {
  private readonly board = new PresenceBoard(PRESENCE_HEARTBEAT_MS * 3);
  /** The presence last shown to this instance's sessions, per member, so only changes are sent. */
  private readonly announced = new Map<string, PresenceStatus>();
  /** The local presence last told to other instances, per member. */
  private readonly toldOthers = new Map<string, PresenceStatus>();
  /**
   * Per member: when this instance last saw it come or go, on any instance (ms). In memory: after a
   * restart a member is "not seen" until it next connects or leaves.
   */
  private readonly seenAt = new Map<string, number>();
  private heartbeatTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: HubContext) {}

  start(): void {
    this.heartbeatTimer = setInterval(() => this.heartbeat(), PRESENCE_HEARTBEAT_MS);
    this.heartbeatTimer.unref();
    this.ctx.bus.publish({ kind: 'control', action: 'presence.sync', instance: this.ctx.instanceId });
  }

  stop(): void {
    if (this.heartbeatTimer) clearInterval(this.heartbeatTimer);
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

  /** Now while connected; else when it was last connected, if this instance saw it; else null. */
  lastSeen(memberId: string): string | null {
    const at = this.presenceOf(memberId) === 'offline' ? this.seenAt.get(memberId) : this.ctx.clock.now();
    return at === undefined ? null : new Date(at).toISOString();
  }

  private localPresence(memberId: string): PresenceStatus {
    let status: PresenceStatus = 'offline';
    for (const session of this.ctx.sessions.ofMember(memberId)) {
      if (session.status === 'online') return 'online';
      status = 'away';
    }
    return status;
  }

  setPresence(session: Session, status: 'online' | 'away'): PresenceStatus {
    session.status = status;
    this.announce(session.member);
    return this.presenceOf(session.member.id);
  }

  /**
   * After a local change: tells the other instances this instance's view, then shows this
   * instance's sessions the member's presence across all instances, when it changed.
   */
  announce(member: Pick<MemberRecord, 'id' | 'handle'>): void {
    this.seenAt.set(member.id, this.ctx.clock.now());
    const local = this.localPresence(member.id);
    if ((this.toldOthers.get(member.id) ?? 'offline') !== local) {
      if (local === 'offline') this.toldOthers.delete(member.id);
      else this.toldOthers.set(member.id, local);
      this.ctx.bus.publish({
        kind: 'control',
        action: 'presence',
        instance: this.ctx.instanceId,
        memberId: member.id,
        handle: member.handle,
        status: local,
      });
    }
    this.show(member.id, member.handle);
  }

  /**
   * Sends the member's presence, if it changed since it was last shown, to this instance's people who
   * share a room with it, and to the member's own connections: a change costs the sessions of those
   * rooms, not every connection.
   */
  private show(memberId: string, handle: string): void {
    if ((this.announced.get(memberId) ?? 'offline') === this.presenceOf(memberId)) return;
    this.ctx.store
      .roomIdsOf(memberId)
      .then(
        (rooms) => this.tell(memberId, handle, rooms),
        (error: unknown) => {
          // Without the store, everyone here is told rather than no one: a member who left must not stay online.
          this.ctx.logger.warn({ err: error }, 'could not read whom to tell of a presence; telling everyone');
          this.tell(memberId, handle, undefined);
        },
      )
      .catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'could not tell of a presence'));
  }

  /**
   * The status is read when the rooms are known: of two changes in flight, the later one's answer is
   * sent. Without `rooms`, every person connected here is told.
   */
  private tell(memberId: string, handle: string, rooms: string[] | undefined): void {
    const status = this.presenceOf(memberId);
    if ((this.announced.get(memberId) ?? 'offline') === status) return;
    if (status === 'offline') this.announced.delete(memberId);
    else this.announced.set(memberId, status);
    const frame = JSON.stringify({ type: 'presence', member: handle, status });
    const told = new Set<Session>();
    const audiences = rooms
      ? [this.ctx.sessions.ofMember(memberId), ...rooms.map((roomId) => this.ctx.sessions.inRoom(roomId))]
      : [this.ctx.sessions.all];
    for (const sessions of audiences) {
      for (const session of sessions) {
        if (session.member.kind === 'agent' || told.has(session)) continue;
        told.add(session);
        session.connection.send(frame);
      }
    }
  }

  private heartbeat(): void {
    this.ctx.bus.publish({
      kind: 'control',
      action: 'presence.snapshot',
      instance: this.ctx.instanceId,
      members: [...this.toldOthers].map(([id, status]) => [
        id,
        {
          handle: [...this.ctx.sessions.ofMember(id)][0]?.member.handle ?? '',
          status: status === 'away' ? 'away' : 'online',
        },
      ]),
    });
    for (const [id, handle] of this.board.expire(this.ctx.clock.now())) this.show(id, handle);
  }

  /** What another instance said of its members' presence. */
  onControl(message: PresenceControl): void {
    if (message.instance === this.ctx.instanceId) return;
    const now = this.ctx.clock.now();
    if (message.action === 'presence.sync') {
      this.heartbeat();
    } else if (message.action === 'presence') {
      this.seenAt.set(message.memberId, now);
      this.board.apply(message.instance, now, message.memberId, message.handle, message.status);
      this.show(message.memberId, message.handle);
    } else {
      for (const [id, handle] of this.board.snapshot(message.instance, now, message.members)) this.show(id, handle);
    }
  }

  async typing(actor: MemberRecord, ref: string, threadId: string | undefined, active: boolean): Promise<void> {
    const room = await this.ctx.visibleRoom(actor, ref);
    if (room.archived_at) throw new HubError('room_archived');
    const thread = threadId ? await this.ctx.threadIn(room.id, threadId) : null;
    this.ctx.signal(
      room.id,
      { type: 'typing', room: room.id, member: actor.handle, thread_id: thread, active },
      { agentsToo: false },
    );
  }
}
