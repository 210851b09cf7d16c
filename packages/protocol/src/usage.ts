/**
 * The admins' usage report: the tokens agents' messages report (`metadata.usage`), summed per agent,
 * room and UTC day.
 */
import { z } from 'zod';

/** The longest range one report covers, in days: a year, so a report stays one bounded read. */
export const MAX_USAGE_DAYS = 366;

/** The days a report covers when it names none: the last seven, today included. */
export const DEFAULT_USAGE_DAYS = 7;

const Day = z.iso.date().describe('A UTC day, YYYY-MM-DD');

export const AgentUsageQuery = z.object({
  /** The first day, included. Default: six days before `until`. */
  since: Day.optional(),
  /** The last day, included. Default: today (UTC). */
  until: Day.optional(),
});
export type AgentUsageQuery = z.infer<typeof AgentUsageQuery>;

/** One agent's tokens in one room on one day. */
export interface AgentUsageRow {
  day: string;
  agent: string;
  room: string;
  /** The room's name; null for a direct room or a conversation, which have none. */
  room_name: string | null;
  room_kind: string;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  /** Messages that reported usage. */
  messages: number;
}

export interface AgentUsageReport {
  since: string;
  until: string;
  usage: AgentUsageRow[];
}

/** What one message may report, per field: beyond it a report is not believed whole, and sums stay exact integers. */
const MAX_REPORTED_TOKENS = 1e12;

/**
 * The tokens a message's metadata reports (`usage.input_tokens`, `usage.output_tokens`), as whole
 * numbers: whatever is not a positive number counts as 0.
 */
export function reportedTokens(metadata: Record<string, unknown> | undefined): { input: number; output: number } {
  const usage = metadata?.usage as { input_tokens?: unknown; output_tokens?: unknown } | undefined;
  const count = (value: unknown) =>
    typeof value === 'number' && Number.isFinite(value) && value > 0
      ? Math.floor(Math.min(value, MAX_REPORTED_TOKENS))
      : 0;
  return { input: count(usage?.input_tokens), output: count(usage?.output_tokens) };
}
