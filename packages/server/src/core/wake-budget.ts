/**
 * Agents' wake budget: how often, per minute, agents' messages may wake one agent in one room (the
 * room's `agent_wake_limit`, else the hub's `agentWakesPerMinute`). Counted by the rate limiter, so
 * with Redis every instance shares the count, and two agents answering each other from different
 * instances stop at the same budget. People's messages always wake whom they address.
 */
import type { HubContext, PostNotice } from './context.js';
import type { MemberRecord, RoomRecord } from './ports.js';

/** At most one notice per agent and room in this long (ms), however many wakes are refused. */
const NOTICE_EVERY_MS = 60_000;

export interface WakeDecision {
  /** The agents to wake. */
  wake: string[];
  /** Agents left out: over their budget in this room. */
  refused: string[];
}

export class WakeBudget {
  constructor(
    private readonly ctx: HubContext,
    private readonly postNotice: PostNotice,
  ) {}

  /** Wakes per minute in this room; 0: no limit. */
  limitOf(room: RoomRecord): number {
    return room.agent_wake_limit ?? this.ctx.settings.agentWakesPerMinute;
  }

  /** Takes one wake from each agent a message from `sender` would wake; those over budget are refused. */
  async admit(room: RoomRecord, sender: MemberRecord, wake: string[]): Promise<WakeDecision> {
    const perMinute = this.limitOf(room);
    if (sender.kind !== 'agent' || wake.length === 0 || perMinute <= 0) return { wake, refused: [] };
    const limit = { perSecond: perMinute / 60, burst: perMinute };
    const waits = await Promise.all(wake.map((agentId) => this.ctx.limiter.take(`wake:${room.id}:${agentId}`, limit)));
    return {
      wake: wake.filter((_, index) => waits[index] === 0),
      refused: wake.filter((_, index) => waits[index] !== 0),
    };
  }

  /** Tells the room which agents were not woken; once a minute per agent, across instances. */
  async tell(room: RoomRecord, refused: string[]): Promise<void> {
    const perMinute = this.limitOf(room);
    for (const agentId of refused) {
      const key = `wake-notice:${room.id}:${agentId}`;
      if (await this.ctx.limiter.marked(key)) continue;
      await this.ctx.limiter.mark(key, NOTICE_EVERY_MS);
      const agent = await this.ctx.member(agentId);
      await this.postNotice(
        room.id,
        `@${agent.handle} was woken ${perMinute} times in a minute by agents in this room, its wake budget; ` +
          "agents' messages will not wake it here until the minute has passed. People can still reach it.",
        { notice: 'agent_wake_limit', agent: agent.handle, limit: perMinute },
      );
    }
  }
}
