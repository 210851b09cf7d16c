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
/** The id of a replayed `initialize`, whose answer the client already had once and must not see again. */
const REPLAY_ID = 'roundtable-mcp-replay';

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
    const [{ StdioServerTransport }, { StreamableHTTPClientTransport, StreamableHTTPError }] = await Promise.all([
      import('@modelcontextprotocol/sdk/server/stdio.js'),
      import('@modelcontextprotocol/sdk/client/streamableHttp.js'),
    ]);
    const local = new StdioServerTransport();
    const endpoint = endpointOf(context.url);
    /** The client's own handshake, replayed when the hub has forgotten the session (it restarted, say). */
    let handshake: { initialize: JSONRPCMessage; initialized?: JSONRPCMessage } | undefined;
    let replaying: Promise<void> | undefined;
    /** Subscriptions live in the hub's session: a new session gets them again. */
    const subscriptions = new Map<string, JSONRPCMessage>();

    const open = async () => {
      const transport = new StreamableHTTPClientTransport(endpoint, {
        requestInit: { headers: { authorization: `Bearer ${token}` } },
      });
      transport.onmessage = (message) => {
        if ('id' in message && String(message.id).startsWith(REPLAY_ID)) return;
        void local.send(message);
      };
      transport.onerror = (error) => warn(`roundtable mcp: ${error.message}`);
      await transport.start();
      return transport;
    };
    let remote = await open();

    const replay = async () => {
      await remote.close().catch(() => undefined);
      remote = await open();
      await remote.send({ ...handshake!.initialize, id: REPLAY_ID } as JSONRPCMessage);
      if (handshake!.initialized) await remote.send(handshake!.initialized);
      let n = 0;
      for (const subscribe of subscriptions.values()) {
        await remote.send({ ...subscribe, id: `${REPLAY_ID}-${(n += 1)}` } as JSONRPCMessage);
      }
    };
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
    const forward = async (message: JSONRPCMessage) => {
      if ('method' in message && message.method === 'initialize') handshake = { initialize: message };
      else if ('method' in message && message.method === 'notifications/initialized' && handshake) {
        handshake.initialized = message;
      } else if ('method' in message && message.method.startsWith('resources/') && 'params' in message) {
        const uri = String((message.params as { uri?: unknown } | undefined)?.uri);
        if (message.method === 'resources/subscribe') subscriptions.set(uri, message);
        if (message.method === 'resources/unsubscribe') subscriptions.delete(uri);
      }
      await replaying;
      try {
        await remote.send(message);
      } catch (error) {
        const forgotten = error instanceof StreamableHTTPError && error.code === 404 && handshake !== undefined;
        if (!forgotten || message === handshake!.initialize) throw error;
        warn('roundtable mcp: the hub no longer knows this session; starting a new one');
        replaying ??= replay().finally(() => (replaying = undefined));
        await replaying;
        await remote.send(message);
      }
    };
    local.onmessage = (message) => void forward(message).catch((error: unknown) => refuse(message, error));
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
