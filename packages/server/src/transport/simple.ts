/**
 * The simple endpoints that existing agent-chat scripts call: health, agents, messages (the
 * latest, or since a time, or before one), and send-message. `/ws/{agent}` and `/ws/user` live
 * with the WebSocket transport.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Content, Handle, Limits, RoomRef } from '@roundtable/protocol';
import { HubError } from '../core/hub-error.js';
import type { TransportContext } from './context.js';
import { actorOf } from './actor.js';
import { simpleMessage } from './views.js';

/** A time as an ISO string or as epoch seconds or milliseconds. */
function parseTime(value: string | undefined, name: string): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(value)) {
    const number = Number(value);
    return validTime(number < 1e12 ? number * 1000 : number, name);
  }
  return validTime(Date.parse(value), name);
}

function validTime(ms: number, name: string): string {
  const time = new Date(ms);
  if (Number.isNaN(time.getTime()))
    throw new HubError('invalid_request', `\`${name}\` is an ISO time or epoch seconds.`);
  return time.toISOString();
}

/** `before` names a time (epoch digits, or ISO text, which starts with a year) or else a message by its id. */
function parseBefore(value: string | undefined): { time: string } | { message: string } | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d/.test(value)) return { time: parseTime(value, 'before')! };
  return { message: value };
}

export function registerSimple(root: FastifyInstance, context: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const { hub } = context;
  const startedAt = Date.now();

  app.get(
    '/health',
    {
      config: { public: true },
      schema: {
        tags: ['simple'],
        summary: 'Liveness, readiness and counters (no token needed, so load balancers can probe it)',
        security: [],
      },
    },
    async (_request, reply) => {
      const ready = await hub.store.ready();
      return reply.status(ready ? 200 : 503).send({
        status: ready ? 'ok' : 'degraded',
        live: true,
        ready,
        version: hub.version,
        uptime_s: Math.round((Date.now() - startedAt) / 1000),
        counters: {
          connections: hub.sessions.size,
          messages_sent: hub.stats.messagesSent,
          events_delivered: hub.stats.eventsDelivered,
          duplicates_suppressed: hub.stats.duplicatesSuppressed,
          errors: context.metrics.errorTotal,
        },
      });
    },
  );

  app.get(
    '/metrics',
    { config: { public: true }, schema: { tags: ['simple'], summary: 'Prometheus metrics', security: [] } },
    async (_request, reply) =>
      reply.header('content-type', context.metrics.registry.contentType).send(await context.metrics.registry.metrics()),
  );

  app.get(
    '/agents',
    { schema: { tags: ['simple'], summary: 'Agents with their status and capabilities' } },
    async () => ({
      agents: (await hub.accounts.listMembers({ kind: 'agent' })).map((agent) => ({
        handle: agent.handle,
        name: agent.display_name,
        description: agent.description,
        capabilities: agent.capabilities,
        status: agent.presence,
        disabled: agent.disabled,
      })),
    }),
  );

  app.get(
    '/messages',
    {
      schema: {
        tags: ['simple'],
        summary:
          'The latest messages of your rooms or one room (oldest first), or those after `since`, or before ' +
          '`before` (a time or a message id); optionally only those delivered to one agent',
        querystring: z.object({
          since: z.string().max(64).optional(),
          before: z.string().max(64).optional(),
          room: RoomRef.optional(),
          agent: Handle.optional(),
          limit: z.coerce.number().int().min(1).max(Limits.maxSyncPage).default(100),
        }),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const messages = await hub.history.recent(actor, {
        since: parseTime(request.query.since, 'since'),
        before: parseBefore(request.query.before),
        room: request.query.room,
        agent: request.query.agent,
        limit: request.query.limit,
      });
      const names = new Map<string, string | null>();
      for (const message of messages) {
        if (!names.has(message.room)) names.set(message.room, (await hub.rooms.resolveRoom(message.room)).name);
      }
      return { messages: messages.map((message) => simpleMessage(message, names.get(message.room))) };
    },
  );

  app.post(
    '/send-message',
    {
      schema: {
        tags: ['simple'],
        summary: 'Send a message as the token owner (sender must match the token)',
        body: z.object({
          sender: z.string().max(64),
          message: Content,
          timestamp: z.union([z.string().max(64), z.number()]).optional(),
          target_agents: z.array(Handle).max(Limits.maxTargets).optional(),
          room: RoomRef.optional(),
          client_id: z.string().min(1).max(128).optional(),
        }),
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const body = request.body;
      if (body.sender.replace(/^@/, '').toLowerCase() !== actor.handle) {
        throw new HubError('sender_mismatch', `This token belongs to @${actor.handle}, not ${body.sender}.`);
      }
      const result = await hub.messages.send(actor, {
        room: body.room ?? context.defaultRoom,
        content: body.message,
        targets: body.target_agents,
        client_id: body.client_id,
        metadata: body.timestamp === undefined ? undefined : { client_timestamp: body.timestamp },
      });
      const room = await hub.rooms.resolveRoom(result.message.room);
      return reply.status(result.duplicate ? 200 : 201).send({
        ok: true,
        duplicate: result.duplicate,
        ...simpleMessage(result.message, room.name),
      });
    },
  );
}
