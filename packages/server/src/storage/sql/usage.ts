/** Agent usage: one row per UTC day, agent and room, each message's reported tokens added to it. */
import type { AgentUsageEntry, AgentUsageRecord, AgentUsageStore } from '../../core/ports.js';
import { changes, rows, type SqlDriver, type Step } from './step.js';

const ADD_USAGE = `INSERT INTO agent_usage (day, agent_id, room_id, input_tokens, output_tokens, messages)
  VALUES (@day, @agent_id, @room_id, @input_tokens, @output_tokens, 1)
  ON CONFLICT (day, agent_id, room_id) DO UPDATE SET
    input_tokens = agent_usage.input_tokens + excluded.input_tokens,
    output_tokens = agent_usage.output_tokens + excluded.output_tokens,
    messages = agent_usage.messages + 1`;

const USAGE = `SELECT u.day, u.agent_id, m.handle AS agent, u.room_id, r.name AS room_name, r.kind AS room_kind,
    u.input_tokens, u.output_tokens, u.messages
  FROM agent_usage u JOIN members m ON m.id = u.agent_id JOIN rooms r ON r.id = u.room_id
  WHERE u.day >= @since AND u.day <= @until
  ORDER BY u.day, m.handle, u.room_id`;

export function agentUsageStore(db: SqlDriver): AgentUsageStore {
  return {
    addAgentUsage: (entry) => db.write(addAgentUsage, entry),
    agentUsage: (query) => db.read(agentUsage, query),
  };
}

function* addAgentUsage(entry: AgentUsageEntry): Step<void> {
  yield* changes(ADD_USAGE, entry);
}

function* agentUsage(query: { since: string; until: string }): Step<AgentUsageRecord[]> {
  return (yield* rows(USAGE, query)).map((found) => ({
    day: found.day as string,
    agent_id: found.agent_id as string,
    agent: found.agent as string,
    room_id: found.room_id as string,
    room_name: (found.room_name as string | null) ?? null,
    room_kind: found.room_kind as string,
    // PostgreSQL's bigint arrives as text.
    input_tokens: Number(found.input_tokens),
    output_tokens: Number(found.output_tokens),
    messages: Number(found.messages),
  }));
}
