/**
 * Runs agents against a hub: each connects with its own token, as any member does, and answers what
 * the hub delivers to it. Used by `roundtable agent run` and by a hub hosting its configured agents.
 */
import { RoundtableClient, type WebSocketConstructor } from '@roundtable/client';
import { AgentRunner, type AgentLogger } from './agent.js';
import type { AgentDefinition } from './config.js';
import { createModel } from './model.js';
import { McpToolbox } from './tools.js';

export interface HostOptions {
  url: string;
  /** The agent's token: from its definition, or issued by the hub that hosts it. */
  tokenFor: (definition: AgentDefinition) => string | undefined;
  logger?: AgentLogger;
  WebSocket?: WebSocketConstructor;
  now?: () => number;
}

export interface RunningAgents {
  runners: AgentRunner[];
  stop(): Promise<void>;
}

export class AgentStartError extends Error {}

export async function startAgents(definitions: AgentDefinition[], options: HostOptions): Promise<RunningAgents> {
  const started: Array<{ runner: AgentRunner; client: RoundtableClient; toolbox: McpToolbox }> = [];
  const stop = async () => {
    await Promise.allSettled(started.map(({ runner }) => runner.stop()));
    await Promise.allSettled(started.flatMap(({ client, toolbox }) => [client.close(), toolbox.close()]));
  };
  try {
    for (const definition of definitions) {
      const token = options.tokenFor(definition);
      if (!token) throw new AgentStartError(`@${definition.handle} has no token (set token.value or token.env)`);
      const toolbox =
        definition.tools.mcp.length > 0
          ? await McpToolbox.connect(definition.tools.mcp, `roundtable-${definition.handle}`)
          : McpToolbox.empty();
      const client = new RoundtableClient({
        url: options.url,
        token,
        WebSocket: options.WebSocket,
        logger: options.logger && { warn: (message, extra) => options.logger!.warn(message, { extra }) },
      });
      const runner = new AgentRunner({
        definition,
        client,
        model: createModel(definition.model),
        toolbox,
        logger: options.logger,
        now: options.now,
      });
      started.push({ runner, client, toolbox });
      runner.start();
      const ready = await client.connect();
      if (ready.member.handle !== definition.handle) {
        throw new AgentStartError(`the token for @${definition.handle} belongs to @${ready.member.handle}`);
      }
      options.logger?.info('agent connected', { agent: definition.handle, tools: toolbox.names });
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return { runners: started.map(({ runner }) => runner), stop };
}
