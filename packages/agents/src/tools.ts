/**
 * The MCP servers an agent may use, connected once and offered to the model as tools. Only tools on
 * a server's allowlist are offered; a call the model makes for any other name never reaches a server.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { dynamicTool, jsonSchema, type ToolSet } from 'ai';
import type { McpServerSettings, ToolPolicy } from './config.js';

interface ConnectedServer {
  settings: McpServerSettings;
  client: Client;
}

export interface ToolCallOutcome {
  ok: boolean;
  /** What the model is given back, and what the tool-call card shows. */
  result: unknown;
}

export class McpToolbox {
  private constructor(
    private readonly servers: ConnectedServer[],
    /** Offered tool name → the server that has it. */
    private readonly owners: Map<string, ConnectedServer>,
    private readonly descriptions: Map<string, { description?: string; inputSchema: Record<string, unknown> }>,
  ) {}

  /** Connects to every server and lists its tools; a server that cannot be reached fails the whole start. */
  static async connect(settings: McpServerSettings[], clientName: string): Promise<McpToolbox> {
    const servers: ConnectedServer[] = [];
    const owners = new Map<string, ConnectedServer>();
    const descriptions = new Map<string, { description?: string; inputSchema: Record<string, unknown> }>();
    try {
      for (const server of settings) {
        const client = new Client({ name: clientName, version: '0.1.0' });
        await client.connect(transportFor(server));
        const connected = { settings: server, client };
        servers.push(connected);
        const allowAll = server.allow.includes('*');
        for (const tool of (await client.listTools()).tools) {
          if (!allowAll && !server.allow.includes(tool.name)) continue;
          if (owners.has(tool.name)) {
            throw new Error(
              `the tool ${tool.name} is offered by both ${owners.get(tool.name)!.settings.name} and ${server.name}`,
            );
          }
          owners.set(tool.name, connected);
          descriptions.set(tool.name, { description: tool.description, inputSchema: tool.inputSchema });
        }
      }
    } catch (error) {
      await Promise.allSettled(servers.map((server) => server.client.close()));
      throw error;
    }
    return new McpToolbox(servers, owners, descriptions);
  }

  static empty(): McpToolbox {
    return new McpToolbox([], new Map(), new Map());
  }

  get names(): string[] {
    return [...this.owners.keys()];
  }

  /** What a call to this tool needs: its server's policy for it, or for `*`, else `auto`. */
  policy(name: string): ToolPolicy {
    const policies = this.owners.get(name)?.settings.policy ?? {};
    return policies[name] ?? policies['*'] ?? 'auto';
  }

  /**
   * The tools as the model sees them. Each call runs through `observe`, which shows it in the room
   * while it runs and records its outcome; the model gets the outcome either way, an error included,
   * so it can recover rather than the reply failing.
   */
  toolSet(
    observe: (
      call: { id: string; name: string; input: unknown },
      run: () => Promise<ToolCallOutcome>,
    ) => Promise<unknown>,
  ): ToolSet {
    const tools: ToolSet = {};
    for (const [name, { description, inputSchema }] of this.descriptions) {
      tools[name] = dynamicTool({
        description,
        inputSchema: jsonSchema(inputSchema as Parameters<typeof jsonSchema>[0]),
        execute: (input, { toolCallId, abortSignal }) =>
          observe({ id: toolCallId, name, input }, () => this.call(name, input, abortSignal)),
      });
    }
    return tools;
  }

  async call(name: string, input: unknown, signal?: AbortSignal): Promise<ToolCallOutcome> {
    const owner = this.owners.get(name);
    if (!owner) return { ok: false, result: `No tool named ${name} is allowed.` };
    try {
      const result = await owner.client.callTool(
        { name, arguments: (input ?? {}) as Record<string, unknown> },
        undefined,
        { signal },
      );
      const content = (result.content ?? []) as Array<{ type: string; text?: string }>;
      const text = content
        .filter((item) => item.type === 'text')
        .map((item) => item.text)
        .join('\n');
      const value = result.structuredContent ?? (text || content);
      return { ok: result.isError !== true, result: value };
    } catch (error) {
      return { ok: false, result: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.servers.map((server) => server.client.close()));
  }
}

function transportFor(server: McpServerSettings): Transport {
  if ('command' in server) {
    return new StdioClientTransport({
      command: server.command,
      args: server.args,
      // The server gets PATH and the like, plus what the definition adds; never the agent's own secrets.
      env: { ...safeEnvironment(), ...server.env },
      stderr: 'inherit',
    });
  }
  return new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: server.headers } });
}

const INHERITED = ['PATH', 'HOME', 'USER', 'LANG', 'TERM', 'TMPDIR', 'NODE_OPTIONS', 'SHELL'];

function safeEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const key of INHERITED) if (process.env[key] !== undefined) env[key] = process.env[key]!;
  return env;
}
