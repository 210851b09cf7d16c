/**
 * What defines an agent: who it is, which model speaks for it, which MCP tools it may call, how much
 * it may spend. An agents file (JSON) lists them; `loadAgentsFile` checks it and resolves secrets
 * named by environment variable, so the file itself can be committed.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { DEFAULT_APPROVAL_TIMEOUT_MS, jsonTooDeep, Limits, MAX_APPROVAL_TIMEOUT_MS } from '@roundtable/protocol';

const Handle = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, 'a handle is 1-32 of a-z, 0-9, _ and -');

/** A secret given inline or, better, named by the environment variable that holds it. */
const Secret = z
  .object({ value: z.string().optional(), env: z.string().optional() })
  .refine((secret) => secret.value !== undefined || secret.env !== undefined, 'give value or env');

export const ModelSettings = z.object({
  /** Any OpenAI-compatible endpoint: OpenAI, Ollama (`http://localhost:11434/v1`), vLLM, llama.cpp. */
  base_url: z.url(),
  /** The model's name at that endpoint. */
  name: z.string().min(1),
  api_key: Secret.optional(),
  /** A reply taking longer than this (ms), or a stream silent for a third of it, ends as an error. */
  timeout_ms: z.number().int().positive().default(60_000),
  temperature: z.number().min(0).max(2).optional(),
});

const Allowlist = z.array(z.string().min(1)).default([]);

/** `auto` runs the call; `ask` runs it once a person approves it in the room; `deny` never runs it. */
export const ToolPolicy = z.enum(['auto', 'ask', 'deny']);
export type ToolPolicy = z.infer<typeof ToolPolicy>;

/** A policy per tool name, `*` for the server's other tools; a tool named nowhere is `auto`. */
const Policies = z.record(z.string().min(1).max(200), ToolPolicy).default({});

/** An MCP server the agent connects to: a command over stdio, or a Streamable HTTP URL. */
export const McpServerSettings = z.union([
  z.object({
    name: z.string().min(1),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).default({}),
    /** Tool names the agent may call; empty allows none, `*` allows all. */
    allow: Allowlist,
    policy: Policies,
  }),
  z.object({
    name: z.string().min(1),
    url: z.url(),
    headers: z.record(z.string(), z.string()).default({}),
    allow: Allowlist,
    policy: Policies,
  }),
]);

export const AgentDefinition = z.object({
  handle: Handle,
  display_name: z.string().max(64).optional(),
  description: z.string().max(500).default(''),
  /** The agent's own token, for `roundtable agent run` against any hub; a hub hosting its agents issues its own. */
  token: Secret.optional(),
  model: ModelSettings,
  system_prompt: z.string().max(20_000).default('You are a helpful member of a group chat. Be brief.'),
  tools: z.object({ mcp: z.array(McpServerSettings).default([]) }).default({ mcp: [] }),
  memory: z
    .object({
      /** Relevant earlier messages and notes in the model's context, and the remember and recall tools. */
      enabled: z.boolean().default(true),
      /** Memory items (messages outside the recent window, and the agent's notes) given per reply. */
      items: z.number().int().min(1).max(20).default(5),
    })
    .default({ enabled: true, items: 5 }),
  reply: z
    .object({
      /** How many recent messages of the room (or thread) the model sees. */
      window: z.number().int().min(1).max(200).default(50),
      /** Model calls per reply, tool rounds included. */
      max_steps: z.number().int().min(1).max(20).default(5),
    })
    .default({ window: 50, max_steps: 5 }),
  /** Addressed again where it spoke before, the agent also gets what happened since (catch-up.ts). */
  catch_up: z
    .object({
      enabled: z.boolean().default(true),
      /** The most messages since the agent's last one that are read. */
      max_messages: z.number().int().min(1).max(Limits.maxPageSize).default(100),
      /** Past this many characters they are summarized by the model (or trimmed, when that fails). */
      max_chars: z.number().int().min(500).max(100_000).default(8_000),
    })
    .default({ enabled: true, max_messages: 100, max_chars: 8_000 }),
  /** How a call to an `ask` tool is put to the people of the room. */
  approvals: z
    .object({
      /** How long a person has to decide, in ms; no decision in time is a denial. */
      timeout_ms: z.number().int().min(0).max(MAX_APPROVAL_TIMEOUT_MS).default(DEFAULT_APPROVAL_TIMEOUT_MS),
      /** Members who may decide besides the agent's owner and the room's owners and admins. */
      deciders: z.array(Handle).max(20).default([]),
    })
    .default({ timeout_ms: DEFAULT_APPROVAL_TIMEOUT_MS, deciders: [] }),
  budgets: z
    .object({
      max_tokens_per_reply: z.number().int().positive().default(1_024),
      /** Tokens (prompt and reply) the agent may spend in one room in a rolling hour. */
      tokens_per_room_per_hour: z.number().int().positive().default(100_000),
    })
    .default({ max_tokens_per_reply: 1_024, tokens_per_room_per_hour: 100_000 }),
});
export type AgentDefinition = z.infer<typeof AgentDefinition>;
export type McpServerSettings = z.infer<typeof McpServerSettings>;

export const AgentsFile = z.object({
  /** The hub `roundtable agent run` connects to, unless `--url` says otherwise. */
  hub: z.object({ url: z.url() }).optional(),
  agents: z.array(AgentDefinition).min(1),
});
export type AgentsFile = z.infer<typeof AgentsFile>;

export class AgentConfigError extends Error {}

/** An agents file larger than this is not one a person wrote: refused before it is parsed. */
const MAX_FILE_BYTES = 1 << 20;

export function parseAgentsFile(text: string, source: string): AgentsFile {
  if (Buffer.byteLength(text) > MAX_FILE_BYTES) {
    throw new AgentConfigError(`${source} is larger than ${MAX_FILE_BYTES} bytes`);
  }
  if (jsonTooDeep(text)) {
    throw new AgentConfigError(`${source} nests objects and arrays more than ${Limits.maxJsonDepth} levels deep`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new AgentConfigError(`${source} is not JSON: ${(error as Error).message}`);
  }
  const parsed = AgentsFile.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `  ${issue.path.join('.') || '(top)'}: ${issue.message}`);
    throw new AgentConfigError(`${source} is not a valid agents file:\n${problems.join('\n')}`);
  }
  const handles = new Set<string>();
  for (const agent of parsed.data.agents) {
    if (handles.has(agent.handle)) throw new AgentConfigError(`${source}: @${agent.handle} is defined twice`);
    handles.add(agent.handle);
  }
  return parsed.data;
}

export function loadAgentsFile(path: string): AgentsFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AgentConfigError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseAgentsFile(text, path);
}

/** The secret's value; undefined when it names an environment variable that is not set. */
export function resolveSecret(
  secret: { value?: string; env?: string } | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  if (!secret) return undefined;
  return secret.value ?? (secret.env ? env[secret.env] : undefined);
}
