/**
 * Agent budgets: the tokens an agent's replies report (`metadata.usage`) count against a rolling
 * hour per room; past it, the agent is refused there and the room is told once per exhaustion.
 */
import { reportedTokens, TokenBudget } from '@roundtable/protocol';
import type { HubContext, PostNotice } from './context.js';
import { HubError } from './hub-error.js';
import type { MemberRecord } from './ports.js';

export class Budgets {
  /** Per agent: its token budget's rolling hour, per room. */
  private readonly ledgers = new Map<string, TokenBudget>();
  private readonly agentBudgets = new Map<string, number>();
  /**
   * Per agent: what it spent in the last hour in all rooms, with or without a budget, for the Agents
   * page. Kept by the instance that took the replies, in memory: a restart starts it at zero.
   */
  private readonly usage = new Map<string, TokenBudget>();

  constructor(
    private readonly ctx: HubContext,
    private readonly postNotice: PostNotice,
  ) {}

  /** An agent run by this hub brings its own budget (from the agents file), over the hub-wide one. */
  setAgentBudget(agentId: string, tokensPerRoomPerHour: number): void {
    this.agentBudgets.set(agentId, tokensPerRoomPerHour);
    this.ledgers.delete(agentId);
  }

  private ledgerOf(agentId: string): { ledger: TokenBudget; limit: number } | undefined {
    const limit = this.agentBudgets.get(agentId) ?? this.ctx.settings.agentTokenBudget;
    if (!limit) return undefined;
    let ledger = this.ledgers.get(agentId);
    if (!ledger) {
      ledger = new TokenBudget(limit, () => this.ctx.clock.now());
      this.ledgers.set(agentId, ledger);
    }
    return { ledger, limit };
  }

  /** The tokens a reply reports (`metadata.usage`) count against its agent's budget in that room. */
  spend(agentId: string, roomId: string, metadata: Record<string, unknown> | undefined): void {
    const { input, output } = reportedTokens(metadata);
    const tokens = input + output;
    if (tokens <= 0) return;
    this.ledgerOf(agentId)?.ledger.spend(roomId, tokens);
    let spent = this.usage.get(agentId);
    if (!spent) {
      spent = new TokenBudget(Number.POSITIVE_INFINITY, () => this.ctx.clock.now());
      this.usage.set(agentId, spent);
    }
    spent.spend(roomId, tokens);
  }

  /** Tokens the agent's replies reported in the last hour, all rooms together. */
  usedThisHour(agentId: string): number {
    return this.usage.get(agentId)?.usedInAllRooms() ?? 0;
  }

  /** The agent's budget per room per hour: its own (a hosted agent's), else the hub's; null when there is none. */
  budgetOf(agentId: string): number | null {
    return this.agentBudgets.get(agentId) ?? (this.ctx.settings.agentTokenBudget || null);
  }

  /** An agent over its budget in a room is refused there, and the room is told once per exhaustion. */
  requireBudget(agent: MemberRecord, roomId: string): void {
    const budget = this.ledgerOf(agent.id);
    if (!budget || budget.ledger.allows(roomId)) return;
    const wait = budget.ledger.msUntilAllowed(roomId);
    if (budget.ledger.shouldNotify(roomId)) {
      const minutes = Math.max(1, Math.ceil(wait / 60_000));
      void this.postNotice(
        roomId,
        `@${agent.handle} has used its token budget for this room for this hour ` +
          `(${budget.limit.toLocaleString('en-US')} tokens); it can answer again in about ${minutes} min.`,
        { notice: 'budget_exhausted', agent: agent.handle },
      ).catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'could not post a budget notice'));
    }
    throw new HubError('budget_exhausted', undefined, { retryAfterMs: wait });
  }
}
