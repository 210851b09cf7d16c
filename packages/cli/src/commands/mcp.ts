/**
 * `roundtable mcp`: the hub's `/mcp` endpoint on stdio, for MCP clients that only start local
 * servers. Every message is passed through unchanged, both ways, including what the hub pushes on
 * its stream; stdout carries the protocol alone, so everything else goes to stderr.
 */
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';
import type { Command } from '../command.js';
import { warn } from '../output.js';

/** The JSON-RPC code for an error the bridge itself answers with: the hub could not be reached or refused. */
const BRIDGE_ERROR = -32000;

function endpointOf(url: string): URL {
  const base = new URL(url);
  return base.pathname.replace(/\/+$/, '').endsWith('/mcp')
    ? base
    : new URL('mcp', `${base.href.replace(/\/*$/, '')}/`);
}

const bridge: Command = {
  name: 'mcp',
  summary: 'Serve the hub’s MCP endpoint on stdio, for MCP clients that start a command',
  description:
    'Connects to <url>/mcp with your token and passes MCP messages between it and stdin/stdout until ' +
    'stdin closes. Give an agent’s token: every tool acts as that member. See docs/mcp.md.',
  examples: [
    'roundtable mcp --url http://127.0.0.1:8004 --token rt_…',
    'ROUNDTABLE_URL=http://chat.internal:8004 ROUNDTABLE_TOKEN=rt_… roundtable mcp',
  ],
  async run(context) {
    const token = context.requireToken();
    const [{ StdioServerTransport }, { StreamableHTTPClientTransport }] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/stdio.js'),
      import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    ]);
    const local = new StdioServerTransport();
    const remote = new StreamableHTTPClientTransport(endpointOf(context.url), {
      requestInit: { headers: { authorization: `Bearer ${token}` } },
    });
    const refuse = (message: JSONRPCMessage, error: unknown) => {
      const reason = error instanceof Error ? error.message : String(error);
      warn(`roundtable mcp: ${reason}`);
      if ('method' in message && 'id' in message) {
        void local.send({
          jsonrpc: '2.0',
          id: message.id,
          error: { code: BRIDGE_ERROR, message: `The hub at ${context.url} refused or is unreachable: ${reason}` },
        });
      }
    };
    local.onmessage = (message) => remote.send(message).catch((error: unknown) => refuse(message, error));
    remote.onmessage = (message) => void local.send(message);
    remote.onerror = (error) => warn(`roundtable mcp: ${error.message}`);
    await remote.start();
    await local.start();
    await new Promise<void>((resolve) => {
      process.stdin.once('end', resolve);
      process.stdin.once('close', resolve);
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    // Ends the hub's session at once rather than leaving it to expire.
    await remote.terminateSession().catch(() => undefined);
    await remote.close();
    await local.close();
  },
};

export const mcpCommands: Command[] = [bridge];
