/**
 * The Agents page's view of the hub: the agent list, agent definitions, model checks, tokens. What
 * the hub answers is read defensively (safe.ts): a row with a field of the wrong shape shows what it can.
 */
import { RoundtableError, type RestClient } from '@roundtable/client';
import { num, oneOf, record, records, text, texts } from './safe.js';

export interface AgentRow {
  handle: string;
  displayName: string;
  description: string;
  capabilities: string[];
  presence: 'online' | 'away' | 'offline';
  lastSeen: string | undefined;
  owner: string | undefined;
  kind: 'hosted' | 'external';
  source: 'file' | 'api' | undefined;
  running: boolean;
  disabled: boolean;
  tokensThisHour: number;
  tokenBudget: number | undefined;
}

export function readAgents(body: unknown): AgentRow[] {
  return records(record(body).agents).flatMap((row): AgentRow[] => {
    const handle = text(row.handle);
    if (!handle) return [];
    return [
      {
        handle,
        displayName: text(row.display_name) ?? handle,
        description: text(row.description) ?? '',
        capabilities: texts(row.capabilities),
        presence: oneOf(row.presence, ['online', 'away', 'offline'] as const) ?? 'offline',
        lastSeen: text(row.last_seen),
        owner: text(row.owner),
        kind: oneOf(row.kind, ['hosted', 'external'] as const) ?? 'external',
        source: oneOf(row.source, ['file', 'api'] as const),
        running: row.running === true,
        disabled: row.disabled === true,
        tokensThisHour: num(row.tokens_this_hour) ?? 0,
        tokenBudget: num(row.token_budget),
      },
    ];
  });
}

/** One agent's tokens in one room on one day, from the usage report. */
export interface UsageRow {
  day: string;
  agent: string;
  room: string;
  /** `#name`, or what kind of room it is when it has no name. */
  roomLabel: string;
  input: number;
  output: number;
  total: number;
}

const UNNAMED_ROOMS = { direct: 'a direct room', conversation: 'a conversation' } as const;

export function readUsage(body: unknown): UsageRow[] {
  return records(record(body).usage).flatMap((row): UsageRow[] => {
    const [day, agent, room] = [text(row.day), text(row.agent), text(row.room)];
    if (!day || !agent || !room) return [];
    const name = text(row.room_name);
    const unnamed = oneOf(row.room_kind, ['direct', 'conversation'] as const);
    const input = num(row.input_tokens) ?? 0;
    const output = num(row.output_tokens) ?? 0;
    return [
      {
        day,
        agent,
        room,
        roomLabel: name ? `#${name}` : unnamed ? UNNAMED_ROOMS[unnamed] : 'a room',
        input,
        output,
        total: num(row.total_tokens) ?? input + output,
      },
    ];
  });
}

/** An MCP tool server as the form edits it; `rest` keeps what the form does not show (headers, env). */
export interface ToolServer {
  name: string;
  /** A Streamable HTTP URL, or a command with its arguments separated by spaces. */
  target: string;
  allow: string;
  /** Tools that run only once a person approves the call in the room (policy `ask`). */
  ask: string;
  /** Tools that never run (policy `deny`). */
  deny: string;
  rest: Record<string, unknown>;
}

export interface AgentDraft {
  handle: string;
  displayName: string;
  description: string;
  baseUrl: string;
  model: string;
  /** Blank on an edit: the hub keeps the stored key. */
  apiKey: string;
  hasStoredKey: boolean;
  systemPrompt: string;
  tools: ToolServer[];
  tokensPerRoomPerHour: string;
  maxTokensPerReply: string;
  /** The stored definition (secrets as ***), so an edit keeps what the form does not show. */
  base: Record<string, unknown>;
}

export const DEFAULT_PROMPT = 'You are a helpful member of a group chat. Be brief.';

export function emptyDraft(): AgentDraft {
  return {
    handle: '',
    displayName: '',
    description: '',
    baseUrl: '',
    model: '',
    apiKey: '',
    hasStoredKey: false,
    systemPrompt: DEFAULT_PROMPT,
    tools: [],
    tokensPerRoomPerHour: '100000',
    maxTokensPerReply: '1024',
    base: {},
  };
}

/** A stored definition (from `GET /api/v1/agents/definitions`) as the form's draft. */
export function draftOf(handle: string, definition: unknown): AgentDraft {
  const fields = record(definition);
  const model = record(fields.model);
  const budgets = record(fields.budgets);
  return {
    handle,
    displayName: text(fields.display_name) ?? '',
    description: text(fields.description) ?? '',
    baseUrl: text(model.base_url) ?? '',
    model: text(model.name) ?? '',
    apiKey: '',
    hasStoredKey: Object.keys(record(model.api_key)).length > 0,
    systemPrompt: text(fields.system_prompt) ?? '',
    tools: records(record(fields.tools).mcp).map((server) => {
      const { name, url, command, args, allow, policy, ...rest } = server;
      const target = text(url) ?? [text(command) ?? '', ...texts(args)].join(' ').trim();
      const policies = Object.entries(record(policy));
      const named = (wanted: string) =>
        policies
          .filter(([, value]) => value === wanted)
          .map(([tool]) => tool)
          .join(', ');
      return {
        name: text(name) ?? '',
        target,
        allow: texts(allow).join(', '),
        ask: named('ask'),
        deny: named('deny'),
        rest,
      };
    }),
    tokensPerRoomPerHour: String(num(budgets.tokens_per_room_per_hour) ?? 100_000),
    maxTokensPerReply: String(num(budgets.max_tokens_per_reply) ?? 1024),
    base: fields,
  };
}

function words(value: string): string[] {
  return value
    .split(/[\s,]+/)
    .map((word) => word.trim())
    .filter(Boolean);
}

/** The body of `PUT /api/v1/agents/definitions/:handle`: the stored definition with the form's fields over it. */
export function definitionOf(draft: AgentDraft): Record<string, unknown> {
  const { handle: _handle, ...base } = draft.base;
  const model: Record<string, unknown> = {
    ...record(base.model),
    base_url: draft.baseUrl.trim(),
    name: draft.model.trim(),
  };
  if (draft.apiKey) model.api_key = { value: draft.apiKey };
  else delete model.api_key;
  const perHour = Number(draft.tokensPerRoomPerHour);
  const perReply = Number(draft.maxTokensPerReply);
  return {
    ...base,
    display_name: draft.displayName.trim() || undefined,
    description: draft.description.trim(),
    model,
    system_prompt: draft.systemPrompt.trim() || DEFAULT_PROMPT,
    tools: {
      ...record(base.tools),
      mcp: draft.tools
        .filter((server) => server.name.trim() && server.target.trim())
        .map((server) => {
          const target = server.target.trim();
          const allow = words(server.allow);
          // A tool named in both is denied: the safer reading of a contradiction.
          const policies = [
            ...words(server.ask).map((tool) => [tool, 'ask']),
            ...words(server.deny).map((tool) => [tool, 'deny']),
          ];
          const policy = policies.length > 0 ? { policy: Object.fromEntries(policies) } : {};
          if (/^https?:\/\//i.test(target)) {
            const { command: _command, args: _args, env: _env, ...rest } = server.rest;
            return { ...rest, name: server.name.trim(), url: target, allow, ...policy };
          }
          const [command, ...args] = target.split(/\s+/);
          const { url: _url, headers: _headers, ...rest } = server.rest;
          return { ...rest, name: server.name.trim(), command, args, allow, ...policy };
        }),
    },
    budgets: {
      ...record(base.budgets),
      tokens_per_room_per_hour: Number.isFinite(perHour) && perHour > 0 ? Math.round(perHour) : 100_000,
      max_tokens_per_reply: Number.isFinite(perReply) && perReply > 0 ? Math.round(perReply) : 1024,
    },
  };
}

export type ModelCheck = { ok: true; answer: string } | { ok: false; error: string };

export function readCheck(body: unknown): ModelCheck {
  const check = record(record(body).check);
  if (check.ok === true) return { ok: true, answer: text(check.answer) ?? '' };
  return { ok: false, error: text(check.error) ?? 'The hub gave no reason.' };
}

/** What a refusal says, with each field the hub found wrong on its own line. */
export function describeError(error: unknown): string {
  if (!(error instanceof RoundtableError)) return error instanceof Error ? error.message : String(error);
  const issues = records(record(error.details).issues).map(
    (issue) => `${text(issue.path) || '(body)'}: ${text(issue.message) ?? ''}`,
  );
  return [error.message, ...issues].join('\n');
}

export const agentsApi = {
  list: async (rest: RestClient) => readAgents(await rest.get('/api/v1/agents')),
  /** The last seven days of the usage report (admins). */
  usage: async (rest: RestClient) => readUsage(await rest.agentUsage()),
  definition: async (rest: RestClient, handle: string) => {
    const body = record(await rest.get('/api/v1/agents/definitions'));
    const found = records(body.agents).find((agent) => agent.handle === handle);
    return found ? draftOf(handle, found.definition) : undefined;
  },
  save: (rest: RestClient, draft: AgentDraft) =>
    rest.put(`/api/v1/agents/definitions/${encodeURIComponent(draft.handle)}`, definitionOf(draft)),
  check: async (rest: RestClient, draft: AgentDraft, editing: boolean) =>
    readCheck(
      await rest.post('/api/v1/agents/definitions/test', {
        ...(editing && { handle: draft.handle }),
        model: {
          base_url: draft.baseUrl.trim(),
          name: draft.model.trim(),
          ...(draft.apiKey && { api_key: draft.apiKey }),
        },
      }),
    ),
  connect: async (
    rest: RestClient,
    input: { handle: string; displayName: string; description: string; capabilities: string },
  ) => {
    const body = record(
      await rest.post('/api/v1/members', {
        handle: input.handle.trim(),
        kind: 'agent',
        ...(input.displayName.trim() && { display_name: input.displayName.trim() }),
        description: input.description.trim(),
        capabilities: words(input.capabilities),
      }),
    );
    return text(body.token) ?? '';
  },
  rotate: async (rest: RestClient, handle: string) =>
    text(record(await rest.post(`/api/v1/agents/${encodeURIComponent(handle)}/token`)).token) ?? '',
  setDisabled: (rest: RestClient, handle: string, disabled: boolean) =>
    rest.patch(`/api/v1/members/${encodeURIComponent(handle)}`, { disabled }),
  remove: (rest: RestClient, handle: string) => rest.delete(`/api/v1/agents/${encodeURIComponent(handle)}`),
};
