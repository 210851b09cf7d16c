/**
 * The Agents page's routes: every agent with its presence, owner, kind and token use; the usage
 * report; a model check for the form that defines a hosted agent; a new token for an agent; deleting one.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AgentUsageQuery, DEFAULT_USAGE_DAYS, Handle, MAX_USAGE_DAYS } from '@roundtable/protocol';
import type { TransportContext } from './context.js';
import { actorOf } from './actor.js';

const HandleParam = z.object({ handle: Handle });

export function registerAgents(root: FastifyInstance, { hub, agents }: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/agents',
    {
      schema: {
        tags: ['members'],
        summary: 'Agents with presence, last seen, owner, kind and token use this hour: all, or those you own',
      },
    },
    async (request) => ({ agents: await hub.roster.list(actorOf(request), (handle) => agents.state(handle)) }),
  );
  app.get(
    '/api/v1/agents/usage',
    {
      schema: {
        tags: ['agents'],
        summary: 'Tokens each agent reported, per room and UTC day (admins)',
        description:
          "Sums of the `metadata.usage` (`input_tokens`, `output_tokens`) of agents' finished messages, per day, " +
          `agent and room, from \`since\` to \`until\` (UTC days, both included; default: the last ${DEFAULT_USAGE_DAYS} ` +
          `days). At most ${MAX_USAGE_DAYS} days; \`since\` after \`until\` is \`invalid_request\`.`,
        querystring: AgentUsageQuery,
      },
    },
    async (request) => hub.usage.report(actorOf(request), request.query),
  );
  app.post(
    '/api/v1/agents/definitions/test',
    {
      schema: {
        tags: ['agents'],
        summary: 'Send a model one short prompt and return its answer or its error, verbatim (admins)',
        description:
          'Without `api_key`, the stored key of agent `handle` is used. The answer is cut to 2,000 characters; ' +
          'after 15 s the check fails. A model that fails is `ok: false` with its error, not an HTTP error.',
        body: z.object({
          handle: Handle.optional(),
          model: z.object({
            base_url: z.url().max(2000),
            name: z.string().min(1).max(200),
            api_key: z.string().max(2000).optional(),
          }),
        }),
      },
    },
    async (request) => ({ check: await agents.check(actorOf(request), request.body) }),
  );
  app.post(
    '/api/v1/agents/:handle/token',
    {
      schema: {
        tags: ['agents'],
        summary: 'Revoke every token of an agent and issue a new one, shown once (admins)',
        params: HandleParam,
      },
    },
    async (request, reply) =>
      reply
        .status(201)
        .send(
          await hub.roster.rotateToken(actorOf(request), request.params.handle, agents.state(request.params.handle)),
        ),
  );
  app.delete(
    '/api/v1/agents/:handle',
    {
      schema: {
        tags: ['agents'],
        summary: 'Delete an agent (admins): it stops, its tokens are revoked, it is disabled; its messages stay',
        params: HandleParam,
      },
    },
    async (request, reply) => {
      await agents.retire(actorOf(request), request.params.handle);
      return reply.status(204).send();
    },
  );
}
