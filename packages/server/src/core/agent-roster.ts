/**
 * The agents of the hub as the Agents page shows them: who they are, whether they are here, who
 * owns them, whether this hub runs them, what they spent this hour; and what admins do to an agent
 * member as a whole (a new token, retiring it). An agent's owner is the member who created it: the
 * admin who connected it, or who first defined it when the hub runs it; agents of the agents file
 * have none.
 */
import type { PresenceStatus } from '@roundtable/protocol';
import type { Accounts } from './accounts.js';
import type { Budgets } from './budgets.js';
import { requireAdmin, type HubContext } from './context.js';
import { HubError } from './hub-error.js';
import type { MemberRecord } from './ports.js';
import type { Presence } from './presence.js';

/** What the hub process that runs agents says of one: where its definition comes from, and whether it runs. */
export interface HostedState {
  source: 'file' | 'api';
  running: boolean;
}

export interface AgentRow {
  handle: string;
  display_name: string;
  description: string;
  capabilities: string[];
  presence: PresenceStatus;
  /** Now while connected; else when this instance last saw it leave; null when it has not seen it since its start. */
  last_seen: string | null;
  /** The owner's handle; null for agents of the agents file, and of hubs older than owners. */
  owner: string | null;
  /** `hosted`: this hub runs it from a definition; `external`: it connects with a token from elsewhere. */
  kind: 'hosted' | 'external';
  source: 'file' | 'api' | null;
  running: boolean;
  disabled: boolean;
  tokens_this_hour: number;
  /** Tokens per room per hour, or null when it has no budget. */
  token_budget: number | null;
  created_at: string;
}

/** The name of the token an admin's rotation issues. */
const ROTATED_TOKEN = 'agent token';

export class AgentRoster {
  constructor(
    private readonly ctx: HubContext,
    private readonly accounts: Accounts,
    private readonly presence: Presence,
    private readonly budgets: Budgets,
  ) {}

  /** Admins see every agent; anyone else sees the agents they own (none, for most people). */
  async list(actor: MemberRecord, hosted: (handle: string) => HostedState | undefined): Promise<AgentRow[]> {
    const agents = await this.ctx.store.listMembers({ kind: 'agent' });
    const visible = actor.role === 'admin' ? agents : agents.filter((agent) => agent.owner_id === actor.id);
    const owners = new Map<string, string>();
    for (const id of new Set(visible.map((agent) => agent.owner_id).filter((id) => id !== null))) {
      const owner = await this.ctx.store.memberById(id);
      if (owner) owners.set(id, owner.handle);
    }
    const spent = await Promise.all(visible.map((agent) => this.budgets.usedThisHour(agent.id)));
    return visible
      .map((agent, index): AgentRow => {
        const state = hosted(agent.handle);
        return {
          handle: agent.handle,
          display_name: agent.display_name,
          description: agent.description,
          capabilities: agent.capabilities,
          presence: this.presence.presenceOf(agent.id),
          last_seen: this.presence.lastSeen(agent.id),
          owner: agent.owner_id ? (owners.get(agent.owner_id) ?? null) : null,
          kind: state ? 'hosted' : 'external',
          source: state?.source ?? null,
          running: state?.running ?? false,
          disabled: agent.disabled,
          tokens_this_hour: spent[index]!,
          token_budget: this.budgets.budgetOf(agent.id),
          created_at: agent.created_at,
        };
      })
      .sort((a, b) => a.handle.localeCompare(b.handle));
  }

  /** Revokes every token of an external agent (its connections close) and issues one new token, shown once. */
  async rotateToken(actor: MemberRecord, handle: string, hosted: HostedState | undefined): Promise<{ token: string }> {
    requireAdmin(actor);
    const agent = await this.agent(handle);
    if (hosted) {
      throw new HubError('forbidden', `@${handle} is run by this hub, which gives it a new token at every start.`);
    }
    await this.revokeAll(actor, agent);
    const { token } = await this.accounts.createToken(actor, { name: ROTATED_TOKEN, member: handle });
    return { token };
  }

  /**
   * Retires an agent: its tokens are revoked and it is disabled, so it can no longer connect or post.
   * Its messages stay in their rooms under its handle, which stays taken; an admin can enable it again
   * and give it a new token. A hosted agent's definition is removed by its caller first.
   */
  async retire(actor: MemberRecord, handle: string): Promise<void> {
    requireAdmin(actor);
    const agent = await this.agent(handle);
    await this.revokeAll(actor, agent);
    if (!agent.disabled) await this.accounts.updateMember(actor, handle, { disabled: true });
  }

  private async agent(handle: string): Promise<MemberRecord> {
    const member = await this.ctx.store.memberByHandle(handle.toLowerCase());
    if (!member || member.kind !== 'agent') throw new HubError('member_not_found', `No agent @${handle}.`);
    return member;
  }

  private async revokeAll(actor: MemberRecord, agent: MemberRecord): Promise<void> {
    for (const token of await this.ctx.store.listTokens(agent.id)) {
      if (!token.revoked_at) await this.accounts.revokeToken(actor, token.id);
    }
  }
}
