/**
 * The LLM agents this hub runs itself: those of its agents file (AGENTS_FILE), and those admins define
 * through the API, which are stored and run again at every start. Each connects to the hub like any
 * client, as an agent member with a token the hub issues it. The agents package (the model and MCP
 * clients) is loaded only once there is an agent to run.
 */
import type { Logger } from 'pino';
import type { Hub } from './core/hub.js';
import { HubError } from './core/hub-error.js';
import type { Clock, MemberRecord, Store } from './core/ports.js';

type AgentsModule = typeof import('@roundtable/agents');
type Definition = import('@roundtable/agents').AgentDefinition;

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
    const input = typeof body === 'object' && body !== null ? { ...body, handle } : body;
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
      await this.run(parsed.data);
    } catch (error) {
      const previous = this.definitions.get(handle);
      if (previous) await this.run(previous.definition).catch(() => undefined);
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

  private async run(definition: Definition): Promise<void> {
    const { startAgents } = await this.agents();
    const { token, memberId } = await this.hub.accounts.hostedAgentToken(definition);
    this.hub.budgets.setAgentBudget(memberId, definition.budgets.tokens_per_room_per_hour);
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
