/**
 * Activity status: what a member (in practice an agent) is doing in a room or thread. Ephemeral,
 * like typing: never logged. Every instance keeps a board of the states that hold, told by a bus
 * control message, so a client that connects to any instance can ask for them (`activity.list`);
 * a state lapses after the TTL unless set again, on every instance by its own clock.
 */
import type { Activity, ActivityFrame, ActivityState } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { HubError } from './hub-error.js';
import type { BusMessage, MemberRecord } from './ports.js';

type ActivityControl = Extract<BusMessage, { action: 'activity' }>;

/** Sets per member, across its rooms: an agent sets two per tool call, so bursts are allowed. */
const SET_LIMIT = { perSecond: 5, burst: 30 };
/** The sweep looks this many times per TTL, so a lapsed state is cleared at most a sixth of it late. */
const SWEEPS_PER_TTL = 6;

interface Held {
  activity: Omit<Activity, 'ttl_ms'>;
  expiresAt: number;
}

export class ActivityBoard {
  /** Per room, the states that hold, keyed by member and thread. */
  private readonly rooms = new Map<string, Map<string, Held>>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: HubContext) {
    ctx.bus.subscribe((message) => {
      if (message.kind === 'control' && message.action === 'activity') this.onControl(message);
    });
  }

  start(): void {
    const every = Math.max(10, Math.floor(this.ctx.settings.activityTtlMs / SWEEPS_PER_TTL));
    this.sweepTimer = setInterval(() => this.sweep(), every);
    this.sweepTimer.unref();
  }

  stop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /** Sets the actor's own state in a room it belongs to (or a thread of it); `idle` clears it. */
  async set(
    actor: MemberRecord,
    params: { room: string; thread_id?: string; state: ActivityState; tool?: string },
  ): Promise<Activity> {
    const { ctx } = this;
    if (params.state === 'tool' && !params.tool) {
      throw new HubError('invalid_request', 'State `tool` needs the tool’s name in `tool`.');
    }
    const room = await ctx.visibleRoom(actor, params.room);
    if (room.archived_at) throw new HubError('room_archived');
    const threadId = params.thread_id ? await ctx.threadIn(room.id, params.thread_id) : null;
    const wait = await ctx.limiter.take(`activity:${actor.id}`, SET_LIMIT);
    if (wait > 0) throw new HubError('rate_limited', undefined, { retryAfterMs: wait });
    const activity: Activity = {
      room: room.id,
      thread_id: threadId,
      member: actor.handle,
      state: params.state,
      tool: params.state === 'tool' || params.state === 'waiting_approval' ? (params.tool ?? null) : null,
      ttl_ms: params.state === 'idle' ? 0 : ctx.settings.activityTtlMs,
    };
    ctx.bus.publish({ kind: 'control', action: 'activity', activity });
    return activity;
  }

  /** The states that hold now in one room the actor belongs to, or in all of them. */
  async list(actor: MemberRecord, ref: string | undefined): Promise<Activity[]> {
    const roomIds = ref ? [(await this.ctx.visibleRoom(actor, ref)).id] : await this.ctx.store.roomIdsOf(actor.id);
    const now = this.ctx.clock.now();
    return roomIds.flatMap((roomId) =>
      [...(this.rooms.get(roomId)?.values() ?? [])]
        .filter((held) => held.expiresAt > now)
        .map((held) => ({ ...held.activity, ttl_ms: held.expiresAt - now })),
    );
  }

  /** A state set on any instance (this one too): held here, and shown to this instance's people in the room. */
  private onControl(message: ActivityControl): void {
    const { activity } = message;
    const key = `${activity.member} ${activity.thread_id ?? ''}`;
    let held = this.rooms.get(activity.room);
    if (activity.state === 'idle') {
      held?.delete(key);
      if (held?.size === 0) this.rooms.delete(activity.room);
    } else {
      if (!held) this.rooms.set(activity.room, (held = new Map()));
      const { ttl_ms: ttl, ...rest } = activity;
      held.set(key, { activity: rest, expiresAt: this.ctx.clock.now() + ttl });
    }
    this.show(activity);
  }

  private sweep(): void {
    const now = this.ctx.clock.now();
    for (const [roomId, held] of this.rooms) {
      for (const [key, entry] of held) {
        if (entry.expiresAt > now) continue;
        held.delete(key);
        this.show({ ...entry.activity, state: 'idle', tool: null, ttl_ms: 0 });
      }
      if (held.size === 0) this.rooms.delete(roomId);
    }
  }

  private show(activity: Activity): void {
    const frame: ActivityFrame = { type: 'activity', ...activity };
    const text = JSON.stringify(frame);
    for (const session of this.ctx.sessions.inRoom(activity.room)) {
      if (session.member.kind !== 'agent') session.connection.send(text);
    }
  }
}
