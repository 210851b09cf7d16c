/**
 * Agent usage: the tokens agents' finished messages report (`metadata.usage`), kept per UTC day,
 * agent and room in the store, so the admins' report survives restarts and sums every instance.
 */
import {
  DEFAULT_USAGE_DAYS,
  MAX_USAGE_DAYS,
  reportedTokens,
  type AgentUsageQuery,
  type AgentUsageReport,
} from '@roundtable/protocol';
import { requireAdmin, type HubContext } from './context.js';
import { HubError } from './hub-error.js';
import type { MemberRecord } from './ports.js';

const DAY_MS = 86_400_000;

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

export class Usage {
  constructor(private readonly ctx: HubContext) {}

  /**
   * Adds what an agent's finished message reports. A failed write is logged, not thrown: the
   * message is stored already, and the report is worth less than the send's answer.
   */
  async record(agent: MemberRecord, roomId: string, metadata: Record<string, unknown> | undefined): Promise<void> {
    if (agent.kind !== 'agent') return;
    const { input, output } = reportedTokens(metadata);
    if (input + output <= 0) return;
    try {
      await this.ctx.store.addAgentUsage({
        day: dayOf(this.ctx.clock.now()),
        agent_id: agent.id,
        room_id: roomId,
        input_tokens: input,
        output_tokens: output,
      });
    } catch (error) {
      this.ctx.logger.warn({ err: error }, 'could not record agent usage');
    }
  }

  /** Tokens per agent, room and day, from `since` to `until` (both UTC days, included; at most a year). */
  async report(actor: MemberRecord, query: AgentUsageQuery): Promise<AgentUsageReport> {
    requireAdmin(actor);
    const until = query.until ?? dayOf(this.ctx.clock.now());
    const since = query.since ?? dayOf(Date.parse(until) - (DEFAULT_USAGE_DAYS - 1) * DAY_MS);
    const days = (Date.parse(until) - Date.parse(since)) / DAY_MS + 1;
    if (days < 1) throw new HubError('invalid_request', '`since` is after `until`.');
    if (days > MAX_USAGE_DAYS) {
      throw new HubError('invalid_request', `A report covers at most ${MAX_USAGE_DAYS} days.`);
    }
    const rows = await this.ctx.store.agentUsage({ since, until });
    return {
      since,
      until,
      usage: rows.map((row) => ({
        day: row.day,
        agent: row.agent,
        room: row.room_id,
        room_name: row.room_name,
        room_kind: row.room_kind,
        input_tokens: row.input_tokens,
        output_tokens: row.output_tokens,
        total_tokens: row.input_tokens + row.output_tokens,
        messages: row.messages,
      })),
    };
  }
}
