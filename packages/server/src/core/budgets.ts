/**
 * Agent budgets: the tokens an agent's replies report (`metadata.usage`) count against a rolling
 * hour per room; past it, the agent is refused there and the room is told once per exhaustion. The
 * hour is kept by the rate limiter, so with Redis every instance counts the same spending, and an
 * agent cannot double its budget by answering through two instances.
 */
import { reportedTokens } from '@roundtable/protocol';
import type { HubContext, PostNotice } from './context.js';
import { HubError } from './hub-error.js';
import type { MemberRecord, SpentWindow } from './ports.js';

const HOUR_MS = 3_600_000;

export class Budgets {
  private readonly agentBudgets = new Map<string, number>();

  constructor(
    private readonly ctx: HubContext,
    private readonly postNotice: PostNotice,
  ) {}

  /** An agent run by this hub brings its own budget (from the agents file), over the hub-wide one. */
  setAgentBudget(agentId: string, tokensPerRoomPerHour: number): void {
    this.agentBudgets.set(agentId, tokensPerRoomPerHour);
  }

  /** The tokens a reply reports (`metadata.usage`) count against its agent's budget in that room, and its hour's usage. */
  async spend(agentId: string, roomId: string, metadata: Record<string, unknown> | undefined): Promise<void> {
    const { input, output } = reportedTokens(metadata);
    const tokens = input + output;
    if (tokens <= 0) return;
    await Promise.all([
      this.budgetOf(agentId) === null ? undefined : this.ctx.limiter.spend(budgetKey(agentId, roomId), tokens, HOUR_MS),
      this.ctx.limiter.spend(`usage:${agentId}`, tokens, HOUR_MS),
    ]);
  }

  /** Tokens the agent's replies reported in the last hour, all rooms together, on every instance. */
  async usedThisHour(agentId: string): Promise<number> {
    return used(await this.ctx.limiter.spend(`usage:${agentId}`, 0, HOUR_MS));
  }

  /** The agent's budget per room per hour: its own (a hosted agent's), else the hub's; null when there is none. */
  budgetOf(agentId: string): number | null {
    return this.agentBudgets.get(agentId) ?? (this.ctx.settings.agentTokenBudget || null);
  }

  /** An agent over its budget in a room is refused there, and the room is told once per exhaustion. */
  async requireBudget(agent: MemberRecord, roomId: string): Promise<void> {
    const limit = this.budgetOf(agent.id);
    if (limit === null) return;
    const window = await this.ctx.limiter.spend(budgetKey(agent.id, roomId), 0, HOUR_MS);
    if (used(window) < limit) return;
    const wait = untilUnder(window, limit);
    const noticed = `budget-notice:${agent.id}:${roomId}`;
    if (!(await this.ctx.limiter.marked(noticed))) {
      await this.ctx.limiter.mark(noticed, wait);
      const minutes = Math.max(1, Math.ceil(wait / 60_000));
      void this.postNotice(
        roomId,
        `@${agent.handle} has used its token budget for this room for this hour ` +
          `(${limit.toLocaleString('en-US')} tokens); it can answer again in about ${minutes} min.`,
        { notice: 'budget_exhausted', agent: agent.handle },
      ).catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'could not post a budget notice'));
    }
    throw new HubError('budget_exhausted', undefined, { retryAfterMs: wait });
  }
}

const budgetKey = (agentId: string, roomId: string) => `budget:${agentId}:${roomId}`;

function used(window: SpentWindow): number {
  return window.entries.reduce((sum, entry) => sum + entry.amount, 0);
}

/** How long until enough of the hour's spending has aged out for the window to be under `limit`. */
function untilUnder(window: SpentWindow, limit: number): number {
  let left = used(window);
  for (const entry of window.entries) {
    left -= entry.amount;
    if (left < limit) return Math.max(0, entry.at + HOUR_MS - window.now);
  }
  return 0;
}
