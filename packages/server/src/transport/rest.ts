/**
 * The REST routes that are no protocol request: sign-up and sign-in (with a password or a
 * one-time setup or invite code), the member a token belongs to and their password, members by
 * handle and their administration, invites, tokens, the denylist, one room, agent definitions and
 * task deletion. routes.ts places each group where the API document lists it.
 */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type ApiToken, Handle, Id, NewHandle, NotifyLevel, RoomRef } from '@roundtable/protocol';
import { publicMember } from '../core/wire.js';
import type { TokenRecord } from '../core/ports.js';
import type { TransportContext } from './context.js';
import { actorOf } from './actor.js';

const RoomParam = z.object({ room: RoomRef });
const IdParam = z.object({ id: Id });
const Password = z.string().min(8, 'a password has at least 8 characters').max(200);
const MemberInput = z.object({
  handle: NewHandle,
  kind: z.enum(['person', 'agent']),
  display_name: z.string().max(100).optional(),
  description: z.string().max(2000).optional(),
  capabilities: z.array(z.string().max(64)).max(100).optional(),
  role: z.enum(['admin', 'member']).optional(),
  password: Password.optional(),
});
const MemberPatch = z.object({
  display_name: z.string().max(100).optional(),
  description: z.string().max(2000).optional(),
  capabilities: z.array(z.string().max(64)).max(100).optional(),
  disabled: z.boolean().optional(),
  role: z.enum(['admin', 'member']).optional(),
});
const MePatch = MemberPatch.pick({ display_name: true, description: true }).extend({
  notify_default: NotifyLevel.optional(),
});

function publicToken(record: TokenRecord): ApiToken {
  return {
    id: record.id,
    member_id: record.member_id,
    name: record.name,
    kind: record.kind,
    created_at: record.created_at,
    revoked_at: record.revoked_at,
    expires_at: record.expires_at,
    last_used_at: record.last_used_at,
  };
}

/** Sign-up, sign-in and sign-out, and the member a token belongs to. */
export function registerAccount(root: FastifyInstance, { hub }: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.post(
    '/api/v1/auth/register',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Create a person account (when open registration is on) and get a session token',
        security: [],
        body: z.object({ handle: NewHandle, password: Password, display_name: z.string().max(100).optional() }),
      },
    },
    async (request, reply) => reply.status(201).send(await hub.accounts.register(request.body)),
  );
  app.post(
    '/api/v1/auth/login',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Sign in with handle and password; returns a new session token',
        security: [],
        body: z.object({ handle: z.string().max(64), password: z.string().max(200) }),
      },
    },
    async (request) => hub.accounts.login(request.body.handle, request.body.password, request.ip),
  );
  app.post(
    '/api/v1/auth/code',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Spend a one-time setup or invite code: sets the password and returns a new session token',
        description:
          'The code is the part after `#` of a setup link (`/setup#…`, 1 hour) or an invite link (`/invite#…`, 7 days). It works once.',
        security: [],
        body: z.object({ code: z.string().min(1).max(200), purpose: z.enum(['setup', 'invite']), password: Password }),
      },
    },
    async (request) => hub.codes.redeem(request.body.code, request.body.purpose, request.body.password),
  );
  app.post(
    '/api/v1/auth/code/check',
    {
      config: { public: true },
      schema: {
        tags: ['auth'],
        summary: 'Whom a setup or invite code is for, while it still works, without spending it',
        security: [],
        body: z.object({ code: z.string().min(1).max(200), purpose: z.enum(['setup', 'invite']) }),
      },
    },
    async (request) => hub.codes.check(request.body.code, request.body.purpose),
  );
  app.post(
    '/api/v1/auth/logout',
    { schema: { tags: ['auth'], summary: 'Revoke the token this request uses' } },
    async (request, reply) => {
      const tokenId = request.auth?.tokenId;
      if (tokenId) await hub.accounts.revokeToken(actorOf(request), tokenId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/me',
    {
      schema: {
        tags: ['members'],
        summary:
          'The member this token belongs to, with your notification level for channels you join and whether you have a password',
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return {
        member: hub.presence.withPresence(publicMember(actor)),
        notify_default: actor.notify_default,
        has_password: actor.password_hash !== null,
      };
    },
  );
  app.patch(
    '/api/v1/me',
    {
      schema: {
        tags: ['members'],
        summary: 'Change your display name, description, or notification level for channels you join from now on',
        body: MePatch,
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const member = await hub.accounts.updateMember(actor, actor.handle, request.body);
      return { member, notify_default: (await hub.accounts.member(actor.id)).notify_default };
    },
  );
  app.post(
    '/api/v1/me/password',
    {
      schema: {
        tags: ['members'],
        summary: 'Change your password; your other sessions are signed out, API tokens stay',
        body: z.object({ current_password: z.string().max(200).optional(), new_password: Password }),
      },
    },
    async (request) => hub.accounts.changePassword(actorOf(request), request.auth?.tokenId, request.body),
  );
}

/** One member by handle, and members created, invited and changed by admins. */
export function registerMembers(root: FastifyInstance, { hub, agents }: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/members/:handle',
    { schema: { tags: ['members'], summary: 'One member', params: z.object({ handle: z.string().max(64) }) } },
    async (request) => ({
      member: hub.presence.withPresence(publicMember(await hub.accounts.memberByHandle(request.params.handle))),
    }),
  );
  app.post(
    '/api/v1/members',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a person or an agent (admin); returns its first token, once',
        body: MemberInput,
      },
    },
    async (request, reply) => reply.status(201).send(await hub.accounts.createMember(actorOf(request), request.body)),
  );
  app.patch(
    '/api/v1/members/:handle',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a member; disabling or changing roles is for admins',
        params: z.object({ handle: z.string().max(64) }),
        body: MemberPatch,
      },
    },
    async (request) => {
      const member = await hub.accounts.updateMember(actorOf(request), request.params.handle, request.body);
      if (request.body.disabled !== undefined) await agents.follow(member.handle, request.body.disabled);
      return { member };
    },
  );
  app.delete(
    '/api/v1/members/:handle/tokens',
    {
      schema: {
        tags: ['admin'],
        summary: 'Revoke every token of a member, sessions included (admins); their connections close',
        params: z.object({ handle: z.string().max(64) }),
      },
    },
    async (request) => hub.accounts.revokeMemberTokens(actorOf(request), request.params.handle),
  );
  app.post(
    '/api/v1/invites',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a person who chooses a password through a one-time invite link (admins)',
        description: 'The link is `<hub url>/invite#<code>`; it works once, for 7 days.',
        body: MemberInput.pick({ handle: true, display_name: true, role: true }),
      },
    },
    async (request, reply) => reply.status(201).send(await hub.codes.invite(actorOf(request), request.body)),
  );
}

/** API tokens: yours, or (admins) anyone's. */
export function registerTokens(root: FastifyInstance, { hub }: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Your tokens (admins: every token with ?all=true)',
        querystring: z.object({ all: z.enum(['true', 'false']).optional() }),
      },
    },
    async (request) => ({
      tokens: (await hub.accounts.listTokens(actorOf(request), { all: request.query.all === 'true' })).map(publicToken),
    }),
  );
  app.post(
    '/api/v1/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create an API token for yourself (admins: for any member); shown once',
        description:
          'Without `expires_at` it works until revoked; with it, until that time (which must be in the future).',
        body: z.object({
          name: z.string().min(1).max(100),
          member: Handle.optional(),
          expires_at: z.string().datetime({ offset: true }).optional(),
        }),
      },
    },
    async (request, reply) => {
      const created = await hub.accounts.createToken(actorOf(request), request.body);
      return reply.status(201).send({ token: created.token, record: publicToken(created.record) });
    },
  );
  app.delete(
    '/api/v1/tokens/:id',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token; its live connections are closed',
        params: IdParam,
      },
    },
    async (request) => ({ token: publicToken(await hub.accounts.revokeToken(actorOf(request), request.params.id)) }),
  );
}

/** Members that may not post (admins). */
export function registerDenylist(root: FastifyInstance, { hub }: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/denylist',
    { schema: { tags: ['admin'], summary: 'Members that may not post' } },
    async (request) => ({
      denylist: await hub.accounts.listDenylist(actorOf(request)),
    }),
  );
  app.put(
    '/api/v1/denylist/:handle',
    {
      schema: {
        tags: ['admin'],
        summary: 'Forbid a handle to post',
        params: z.object({ handle: Handle }),
        body: z.object({ reason: z.string().max(500).optional() }).optional(),
      },
    },
    async (request) => ({
      entry: await hub.accounts.addDenylist(actorOf(request), request.params.handle, request.body?.reason),
    }),
  );
  app.delete(
    '/api/v1/denylist/:handle',
    { schema: { tags: ['admin'], summary: 'Allow a handle to post again', params: z.object({ handle: Handle }) } },
    async (request) => ({ removed: await hub.accounts.removeDenylist(actorOf(request), request.params.handle) }),
  );
}

/** One room: the protocol has no request that reads a room by itself. */
export function registerRoom(root: FastifyInstance, { hub }: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/rooms/:room',
    { schema: { tags: ['rooms'], summary: 'One room', params: RoomParam } },
    async (request) => ({
      room: await hub.rooms.getRoom(actorOf(request), request.params.room),
    }),
  );
}

/** The LLM agents this hub runs, defined through the API (admins). */
export function registerAgentDefinitions(root: FastifyInstance, { agents }: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.get(
    '/api/v1/agents/definitions',
    {
      schema: {
        tags: ['agents'],
        summary: 'The LLM agents this hub runs (admins): from its agents file and defined here; secrets shown as ***',
      },
    },
    async (request) => ({ agents: agents.list(actorOf(request)) }),
  );
  app.put(
    '/api/v1/agents/definitions/:handle',
    {
      schema: {
        tags: ['agents'],
        summary: 'Define or redefine an LLM agent this hub runs (admins); it starts at once, and at every start',
        description: 'The body is an agent definition as in the agents file, without `handle` (see docs/agents.md).',
        params: z.object({ handle: Handle }),
        body: z.record(z.string(), z.unknown()),
      },
    },
    async (request) => ({ agent: await agents.define(actorOf(request), request.params.handle, request.body) }),
  );
  app.delete(
    '/api/v1/agents/definitions/:handle',
    {
      schema: {
        tags: ['agents'],
        summary: 'Stop an agent defined through the API and forget its definition (admins); the member stays',
        params: z.object({ handle: Handle }),
      },
    },
    async (request, reply) => {
      await agents.remove(actorOf(request), request.params.handle);
      return reply.status(204).send();
    },
  );
}

/** Deleting a task (admins): the protocol has no request for it. */
export function registerTaskDeletion(root: FastifyInstance, { hub }: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  app.delete(
    '/api/v1/tasks/:id',
    {
      schema: { tags: ['tasks'], summary: 'Delete a task (admins); its room keeps its history', params: IdParam },
    },
    async (request) => {
      await hub.tasks.delete(actorOf(request), request.params.id);
      return { task: request.params.id };
    },
  );
}
