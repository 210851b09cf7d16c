/**
 * Groups (Wegent's teams) over REST: anyone lists and reads them; anyone makes one and owns it; its
 * owner and admins change its members or delete it.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { CreateGroupParams, Handle, UpdateGroupParams } from '@roundtable/protocol';
import { actorOf } from './actor.js';
import type { TransportContext } from './context.js';

const GroupParam = z.object({ handle: Handle });

export function registerGroups(root: FastifyInstance, { hub }: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/groups',
    { schema: { tags: ['groups'], summary: 'Every group of members (teams), with its members' } },
    async () => ({ groups: await hub.groups.list() }),
  );
  app.post(
    '/api/v1/groups',
    {
      schema: {
        tags: ['groups'],
        summary: 'Make a group of members; you own it',
        description:
          'Its handle is taken from the members’ namespace: no member and no other group may have it. `@<handle>` in a message then addresses those of its members who are in the room.',
        body: CreateGroupParams,
      },
    },
    async (request, reply) =>
      reply.status(201).send({ group: await hub.groups.create(actorOf(request), request.body) }),
  );
  app.get(
    '/api/v1/groups/:handle',
    { schema: { tags: ['groups'], summary: 'One group, with its members', params: GroupParam } },
    async (request) => ({ group: await hub.groups.get(request.params.handle) }),
  );
  app.patch(
    '/api/v1/groups/:handle',
    {
      schema: {
        tags: ['groups'],
        summary: 'Change a group’s name or members (its owner)',
        description:
          'Either `add` and `remove` (handles; as Mattermost’s group members endpoints), or `members`, the whole new list (as Slack’s `usergroups.users.update`). Admins may change any group.',
        params: GroupParam,
        body: UpdateGroupParams,
      },
    },
    async (request) => ({ group: await hub.groups.update(actorOf(request), request.params.handle, request.body) }),
  );
  app.delete(
    '/api/v1/groups/:handle',
    {
      schema: {
        tags: ['groups'],
        summary: 'Delete a group (its owner); no one may take tasks limited to it any more',
        description: 'Admins may delete any group. Its handle is free again.',
        params: GroupParam,
      },
    },
    async (request, reply) => {
      await hub.groups.delete(actorOf(request), request.params.handle);
      return reply.status(204).send();
    },
  );
}
