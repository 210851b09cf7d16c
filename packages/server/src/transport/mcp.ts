/**
 * `/mcp`: the Model Context Protocol over Streamable HTTP, so a coding agent joins with one line of
 * configuration. The Bearer token is checked like any API request's (before this code runs), and
 * every tool acts as that member through the hub, under the same membership checks, delivery rule,
 * limits and error codes as every other client. Stateless: each request gets its own server and
 * transport, bound to its member. The MCP SDK is loaded at the first request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Message } from '@roundtable/protocol';
import type { Hub } from '../core/hub.js';
import { toHubError } from '../core/hub-error.js';
import type { MemberRecord } from '../core/ports.js';
import type { TransportContext } from './context.js';
import { actorOf } from './http.js';

type Sdk = {
  McpServer: typeof import('@modelcontextprotocol/sdk/server/mcp.js').McpServer;
  Transport: typeof import('@modelcontextprotocol/sdk/server/streamableHttp.js').StreamableHTTPServerTransport;
  z: typeof import('zod').z;
};

let sdk: Promise<Sdk> | undefined;

function loadSdk(): Promise<Sdk> {
  sdk ??= Promise.all([
    import('@modelcontextprotocol/sdk/server/mcp.js'),
    import('@modelcontextprotocol/sdk/server/streamableHttp.js'),
    import('zod'),
  ]).then(([mcp, http, zod]) => ({
    McpServer: mcp.McpServer,
    Transport: http.StreamableHTTPServerTransport,
    z: zod.z,
  }));
  return sdk;
}

export function registerMcp(app: FastifyInstance, { hub }: TransportContext): void {
  const handle = async (request: FastifyRequest, reply: import('fastify').FastifyReply) => {
    const { McpServer, Transport, z } = await loadSdk();
    const actor = actorOf(request);
    const server = new McpServer({ name: 'roundtable', version: hub.version });
    registerTools(server, z, hub, actor);
    const transport = new Transport({ sessionIdGenerator: undefined, enableJsonResponse: true });
    reply.hijack();
    reply.raw.on('close', () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, request.body);
  };
  app.post('/mcp', { schema: { hide: true } }, handle);
  // Stateless: no session to delete, and no stream of server-initiated messages to hold open (which
  // would also keep a shutdown waiting). The protocol lets a server answer both with 405.
  const notOffered = async (_request: FastifyRequest, reply: import('fastify').FastifyReply) =>
    reply
      .status(405)
      .header('allow', 'POST')
      .send({
        jsonrpc: '2.0',
        error: { code: -32000, message: 'Method not allowed: this endpoint takes POST only.' },
        id: null,
      });
  app.get('/mcp', { schema: { hide: true } }, notOffered);
  app.delete('/mcp', { schema: { hide: true } }, notOffered);
}

/** A tool's answer: JSON text for the agent, or the hub's error code and message, marked as an error. */
async function answer(run: () => Promise<unknown>) {
  try {
    const value = await run();
    return { content: [{ type: 'text' as const, text: JSON.stringify(value) }] };
  } catch (error) {
    const hubError = toHubError(error);
    return {
      isError: true,
      content: [{ type: 'text' as const, text: JSON.stringify({ code: hubError.code, message: hubError.message }) }],
    };
  }
}

function brief(message: Message) {
  return {
    id: message.id,
    room: message.room,
    seq: message.seq,
    sender: message.sender,
    sender_kind: message.sender_kind,
    content: message.content,
    thread_id: message.thread_id,
    mentions: message.mentions,
    targets: message.targets,
    created_at: message.created_at,
  };
}

function registerTools(server: InstanceType<Sdk['McpServer']>, z: Sdk['z'], hub: Hub, actor: MemberRecord): void {
  server.registerTool(
    'whoami',
    {
      description: 'Who you are in this hub: your handle, kind, capabilities and the rooms you are in.',
      inputSchema: {},
    },
    () =>
      answer(async () => ({
        handle: actor.handle,
        kind: actor.kind,
        capabilities: actor.capabilities,
        rooms: (await hub.listRooms(actor)).map((room) => ({
          id: room.id,
          name: room.name,
          kind: room.kind,
          unread: room.unread,
        })),
      })),
  );
  server.registerTool(
    'list_rooms',
    { description: 'The rooms you are in, with unread counts; and the public rooms you could join.', inputSchema: {} },
    () =>
      answer(async () => ({
        joined: (await hub.listRooms(actor)).map((room) => ({
          id: room.id,
          name: room.name ?? room.title ?? null,
          kind: room.kind,
          topic: room.topic,
          unread: room.unread,
          last_seq: room.last_seq,
        })),
        public: (await hub.listPublicRooms()).map((room) => ({ id: room.id, name: room.name, topic: room.topic })),
      })),
  );
  server.registerTool(
    'send_message',
    {
      description:
        'Send a message to a room you are in. Mention members with @handle in the content (or list them in ' +
        '`mentions`); `targets` addresses members without a mention. Give `client_id` to make a retry safe.',
      inputSchema: {
        room: z.string().min(1).max(80).describe('The room: its name (general) or id'),
        content: z.string().min(1).max(10_000),
        mentions: z.array(z.string()).max(50).optional(),
        targets: z.array(z.string()).max(50).optional(),
        thread_id: z.string().optional().describe('Reply in this message’s thread'),
        client_id: z.string().min(1).max(128).optional(),
      },
    },
    ({ room, content, mentions, targets, thread_id, client_id }) =>
      answer(async () => {
        const missing = (mentions ?? []).filter((handle) => !content.includes(`@${handle}`));
        const text = missing.length > 0 ? `${missing.map((handle) => `@${handle}`).join(' ')} ${content}` : content;
        const result = await hub.send(actor, { room, content: text, targets, thread_id, client_id });
        return { message: brief(result.message), duplicate: result.duplicate };
      }),
  );
  server.registerTool(
    'read_messages',
    {
      description:
        'Read a room’s messages, oldest first: those after the seq `after` (your cursor), or the newest without it. ' +
        'Pass the last seq you got as `after` next time.',
      inputSchema: {
        room: z.string().min(1).max(80),
        after: z.number().int().nonnegative().optional(),
        limit: z.number().int().min(1).max(200).optional(),
      },
    },
    ({ room, after, limit }) =>
      answer(async () => {
        const page = await hub.history(actor, { room, after, limit: limit ?? 50 });
        return { messages: page.messages.map(brief), has_more: page.has_more };
      }),
  );
}
