/** The agent usage slice of the Store: tokens agents' messages report, summed per UTC day, agent and room. */

export interface AgentUsageEntry {
  /** YYYY-MM-DD, UTC. */
  day: string;
  agent_id: string;
  room_id: string;
  input_tokens: number;
  output_tokens: number;
}

export interface AgentUsageRecord extends AgentUsageEntry {
  agent: string;
  room_name: string | null;
  room_kind: string;
  messages: number;
}

export interface AgentUsageStore {
  /** Adds one message's tokens to its day, agent and room. */
  addAgentUsage(entry: AgentUsageEntry): Promise<void>;
  /** The sums of the days from `since` to `until` (both included), by day, then agent handle, then room. */
  agentUsage(query: { since: string; until: string }): Promise<AgentUsageRecord[]>;
}
