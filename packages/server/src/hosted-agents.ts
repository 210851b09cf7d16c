/**
 * The LLM agents this hub runs itself: those of its agents file (AGENTS_FILE), and those admins define
 * through the API, which are stored and run again at every start. Each connects to the hub like any
 * client, as an agent member with a token the hub issues it. The agents package (the model and MCP
 * clients) is loaded only once there is an agent to run.
 */
import type { Logger } from 'pino';
import type { Hub } from './core/hub.js';
import { HubError } from './core/hub-error.js';
import type { HostedState } from './core/agent-roster.js';
import type { Clock, MemberRecord, Store } from './core/ports.js';

type AgentsModule = typeof import('@roundtable/agents');
type Definition = import('@roundtable/agents').AgentDefinition;
type ModelCheck = import('@roundtable/agents').ModelCheck;

/** What Test connection sends: the model's address, name and key (or the stored agent whose key to use). */
export interface ModelCheckInput {
  handle?: string;
  model: { base_url: string; name: string; api_key?: string };
}

/** Test connection waits this long (ms) for the model, and shows at most this much of its answer. */
const CHECK_TIMEOUT_MS = 15_000;
const CHECK_MAX_CHARS = 2_000;

export interface HostedAgentView {
  handle: string;
  /** `file`: from AGENTS_FILE, changed only there; `api`: made through the API. */
  source: 'file' | 'api';
  running: boolean;
  /** The definition, with every secret given as a value shown as `***`. */
  definition: Record<string, unknown>;
  updated_at: string | null;
}

export class HostedAgents {
  private module: AgentsModule | undefined;
  private readonly running = new Map<string, { stop(): Promise<void> }>();
  private readonly definitions = new Map<
    string,
    { definition: Definition; source: 'file' | 'api'; at: string | null }
  >();
  private url: string | undefined;

  constructor(
    private readonly hub: Hub,
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly logger: Logger,
  ) {}

  /** Starts the file's agents (a bad file fails the start) and the stored ones (a bad one is logged and skipped). */
  async start(url: string, file: string | undefined): Promise<void> {
    this.url = url;
    if (file) {
      for (const definition of (await this.agents()).loadAgentsFile(file).agents) {
        this.definitions.set(definition.handle, { definition, source: 'file', at: null });
      }
    }
    const stored = await this.store.agentDefinitions();
    for (const record of stored) {
      if (this.definitions.get(record.handle)?.source === 'file') continue;
      const parsed = (await this.agents()).AgentDefinition.safeParse(parseStored(record.definition));
      if (!parsed.success) {
        this.logger.warn({ agent: record.handle }, 'a stored agent definition no longer parses; not run');
        continue;
      }
      this.definitions.set(record.handle, { definition: parsed.data, source: 'api', at: record.updated_at });
    }
    for (const { definition, source } of this.definitions.values()) {
      try {
        await this.run(definition);
      } catch (error) {
        if (source === 'file') throw error;
        this.logger.warn({ err: error, agent: definition.handle }, 'a stored agent could not start');
      }
    }
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((agent) => agent.stop()));
    this.running.clear();
  }

  list(actor: MemberRecord): HostedAgentView[] {
    requireAdmin(actor);
    return [...this.definitions.values()]
      .map(({ definition, source, at }) => this.view(definition, source, at))
      .sort((a, b) => a.handle.localeCompare(b.handle));
  }

  /** Creates or replaces an agent definition, and (re)starts the agent with it; stored only once it started. */
  async define(actor: MemberRecord, handle: string, body: unknown): Promise<HostedAgentView> {
    requireAdmin(actor);
    if (this.definitions.get(handle)?.source === 'file') {
      throw new HubError('forbidden', `@${handle} is defined in the agents file; change it there.`);
    }
    const previous = this.definitions.get(handle)?.definition;
    const input = typeof body === 'object' && body !== null ? keepSecrets({ ...body, handle }, previous) : body;
    const parsed = (await this.agents()).AgentDefinition.safeParse(input);
    if (!parsed.success) {
      throw new HubError('invalid_request', 'This is not a valid agent definition.', {
        details: {
          issues: parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
        },
      });
    }
    await this.running.get(handle)?.stop();
    this.running.delete(handle);
    try {
      await this.run(parsed.data, actor.id);
    } catch (error) {
      if (previous) await this.run(previous).catch(() => undefined);
      throw new HubError('invalid_request', `@${handle} could not start: ${(error as Error).message}`);
    }
    const at = new Date(this.clock.now()).toISOString();
    await this.store.putAgentDefinition({ handle, definition: JSON.stringify(parsed.data), updated_at: at });
    this.definitions.set(handle, { definition: parsed.data, source: 'api', at });
    return this.view(parsed.data, 'api', at);
  }

  /** Stops the agent and forgets its definition; the agent member and its messages stay. */
  async remove(actor: MemberRecord, handle: string): Promise<void> {
    requireAdmin(actor);
    const known = this.definitions.get(handle);
    if (!known) throw new HubError('member_not_found', `No agent definition for @${handle}.`);
    if (known.source === 'file') throw new HubError('forbidden', `@${handle} is defined in the agents file.`);
    await this.running.get(handle)?.stop();
    this.running.delete(handle);
    this.definitions.delete(handle);
    await this.store.deleteAgentDefinition(handle);
  }

  /** Where the agent's definition comes from and whether it runs; undefined for an agent this hub does not run. */
  state(handle: string): HostedState | undefined {
    const known = this.definitions.get(handle);
    return known && { source: known.source, running: this.running.has(handle) };
  }

  /**
   * Sends the model one short prompt with these settings, the way the agents call it. Without a key,
   * the stored agent `handle`'s key is used, so a person editing an agent need not type it again.
   */
  async check(actor: MemberRecord, input: ModelCheckInput): Promise<ModelCheck> {
    requireAdmin(actor);
    const stored = input.handle ? this.definitions.get(input.handle)?.definition.model.api_key : undefined;
    const api_key = input.model.api_key ? { value: input.model.api_key } : stored;
    const { checkModel } = await this.agents();
    return checkModel(
      { base_url: input.model.base_url, name: input.model.name, api_key, timeout_ms: CHECK_TIMEOUT_MS },
      { timeoutMs: CHECK_TIMEOUT_MS, maxChars: CHECK_MAX_CHARS },
    );
  }

  /** Deletes an agent: a hosted one stops and its definition goes; then its tokens are revoked and it is disabled. */
  async retire(actor: MemberRecord, handle: string): Promise<void> {
    requireAdmin(actor);
    if (this.definitions.get(handle)?.source === 'api') await this.remove(actor, handle);
    else if (this.definitions.has(handle)) {
      throw new HubError('forbidden', `@${handle} is defined in the agents file; remove it there.`);
    }
    await this.hub.roster.retire(actor, handle);
  }

  /** An admin disabled or enabled an agent member: a hosted one stops, or starts again with its definition. */
  async follow(handle: string, disabled: boolean): Promise<void> {
    const known = this.definitions.get(handle);
    if (!known) return;
    await this.running.get(handle)?.stop();
    this.running.delete(handle);
    if (disabled) return;
    try {
      await this.run(known.definition);
    } catch (error) {
      this.logger.warn({ err: error, agent: handle }, 'an enabled agent could not start');
    }
  }

  private async run(definition: Definition, ownerId: string | null = null): Promise<void> {
    const { startAgents } = await this.agents();
    const { token, memberId } = await this.hub.accounts.hostedAgentToken({ ...definition, owner_id: ownerId });
    this.hub.budgets.setAgentBudget(memberId, definition.budgets.tokens_per_room_per_hour);
    // A disabled agent keeps its definition but does not run until an admin enables it (follow).
    if ((await this.hub.accounts.member(memberId)).disabled) return;
    const log = this.logger.child({ component: 'agents', agent: definition.handle });
    const running = await startAgents([definition], {
      url: this.url!,
      tokenFor: () => token,
      logger: {
        info: (message, extra) => log.info(extra ?? {}, message),
        warn: (message, extra) => log.warn(extra ?? {}, message),
      },
    });
    this.running.set(definition.handle, running);
  }

  private view(definition: Definition, source: 'file' | 'api', at: string | null): HostedAgentView {
    return {
      handle: definition.handle,
      source,
      running: this.running.has(definition.handle),
      definition: redact(definition) as Record<string, unknown>,
      updated_at: at,
    };
  }

  private async agents(): Promise<AgentsModule> {
    this.module ??= await import('@roundtable/agents');
    return this.module;
  }
}

/**
 * An edit that leaves a secret out, or sends back the `***` it was shown, keeps the stored one: the
 * model's key, and an MCP server's headers and environment (matched by the server's name).
 */
function keepSecrets(input: Record<string, unknown>, previous: Definition | undefined): Record<string, unknown> {
  if (!previous) return input;
  const model = input.model as Record<string, unknown> | undefined;
  const key = model?.api_key;
  // Only an absent key or one shown back as *** counts as left blank: anything else is checked as given.
  const shown = typeof key === 'object' && key !== null && !('env' in key) && 'value' in key;
  const blank = key === undefined || (shown && ['', '***'].includes((key as { value: unknown }).value as string));
  const withKey =
    model && typeof model === 'object' && blank && previous.model.api_key
      ? { ...input, model: { ...model, api_key: previous.model.api_key } }
      : input;
  const tools = withKey.tools as { mcp?: unknown } | undefined;
  if (!tools || !Array.isArray(tools.mcp)) return withKey;
  const servers = tools.mcp.map((server: unknown) => {
    if (typeof server !== 'object' || server === null) return server;
    const named = server as Record<string, unknown>;
    const before = previous.tools.mcp.find((known) => known.name === named.name) as Record<string, unknown> | undefined;
    if (!before) return server;
    const kept = { ...named };
    for (const field of ['headers', 'env']) {
      const given = named[field] as Record<string, unknown> | undefined;
      const hidden = given === undefined || Object.values(given).every((value) => value === '***');
      if (hidden && before[field] !== undefined) kept[field] = before[field];
    }
    return kept;
  });
  return { ...withKey, tools: { ...tools, mcp: servers } };
}

function requireAdmin(actor: MemberRecord): void {
  if (actor.role !== 'admin') throw new HubError('admin_only');
}

/** Secrets given as values (`{"value": …}`) never leave the hub; those named by environment variable are shown. */
function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value).map(([key, inner]) => {
    if ((key === 'api_key' || key === 'token') && typeof inner === 'object' && inner !== null && 'value' in inner) {
      return [key, { ...inner, value: '***' }];
    }
    if (key === 'headers' && typeof inner === 'object' && inner !== null) {
      return [key, Object.fromEntries(Object.keys(inner).map((name) => [name, '***']))];
    }
    return [key, redact(inner)];
  });
  return Object.fromEntries(entries);
}

/** A stored definition as JSON, or undefined when the row is damaged: the schema then refuses it like any bad one. */
function parseStored(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
