/** `roundtable agent run CONFIG`: runs the agents of an agents file against any hub, each with its own token. */
import { AgentConfigError, AgentStartError, loadAgentsFile, resolveSecret, startAgents } from '@roundtable/agents';
import { UsageError, type Command } from '../command.js';
import { CliError } from '../errors.js';
import { dim, notice, warn } from '../output.js';
import { progress } from '../progress.js';

const run: Command = {
  name: 'agent run',
  summary: 'Run the LLM agents of an agents file against a hub',
  description:
    'Each agent connects with its own token (token.value or token.env in the file), answers what the hub ' +
    'delivers to it with its model, streaming, and calls the MCP tools on its allowlist. The hub is the ' +
    'file’s hub.url, else --url. Runs until Ctrl-C. See docs/agents.md for the file.',
  args: ['CONFIG'],
  examples: ['roundtable agent run agents.json', 'roundtable agent run agents.json --url http://chat.internal:8004'],
  async run(context, { args, values }) {
    const path = args[0];
    if (!path) throw new UsageError('the agents file is required', run);
    let file;
    try {
      file = loadAgentsFile(path);
    } catch (error) {
      if (error instanceof AgentConfigError) throw new CliError(error.message);
      throw error;
    }
    const url = typeof values.url === 'string' ? context.url : (file.hub?.url ?? context.url);
    let agents;
    try {
      agents = await progress(
        `starting ${file.agents.length} agent${file.agents.length === 1 ? '' : 's'}`,
        startAgents(file.agents, {
          url,
          tokenFor: (agent) => resolveSecret(agent.token, context.env) || undefined,
          logger: {
            info: (message, extra) => notice(dim(`${message} ${JSON.stringify(extra ?? {})}`)),
            warn: (message, extra) => warn(`${message} ${JSON.stringify(extra ?? {})}`),
          },
        }),
      );
    } catch (error) {
      if (error instanceof AgentStartError) throw new CliError(error.message);
      throw error;
    }
    notice(`Running ${file.agents.map((agent) => `@${agent.handle}`).join(', ')} on ${url}; Ctrl-C stops.`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await agents.stop();
  },
};

export const agentCommands: Command[] = [run];
