/** REST API at /api/v1: the same hub functions as the WebSocket requests, for scripts and the CLI. */
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type ApiToken,
  CreateRoomParams,
  Content,
  Emoji,
  Handle,
  HistoryParams,
  Id,
  Limits,
  ConversationRequestSchemas,
  MemoryRequestSchemas,
  ListenMode,
  NewHandle,
  NotifyLevel,
  RoomRef,
  SendParams,
  Seq,
  CreateTaskParams,
  TaskListParams,
  TaskStatus,
  Topic,
} from '@roundtable/protocol';
import { publicMember } from '../core/wire.js';
import type { TokenRecord } from '../core/ports.js';
import type { TransportContext } from './context.js';
import { actorOf } from './actor.js';

const RoomParam = z.object({ room: RoomRef });
const MessageParam = z.object({ id: Id });
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
const HistoryQuery = HistoryParams.omit({ room: true }).extend({
  before: z.coerce.number().int().nonnegative().optional(),
  after: z.coerce.number().int().nonnegative().optional(),
  limit: z.coerce.number().int().min(1).max(Limits.maxPageSize).optional(),
});

function publicToken(record: TokenRecord): ApiToken {
  return {
    id: record.id,
    member_id: record.member_id,
    name: record.name,
    kind: record.kind,
    created_at: record.created_at,
    revoked_at: record.revoked_at,
  };
}

export function registerRest(root: FastifyInstance, { hub, agents }: TransportContext): void {
  const app = root.withTypeProvider<ZodTypeProvider>();
  const tags = (tag: string) => [tag];

  app.post(
    '/api/v1/auth/register',
    {
      config: { public: true },
      schema: {
        tags: tags('auth'),
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
        tags: tags('auth'),
        summary: 'Sign in with handle and password; returns a new session token',
        security: [],
        body: z.object({ handle: z.string().max(64), password: z.string().max(200) }),
      },
    },
    async (request) => hub.accounts.login(request.body.handle, request.body.password, request.ip),
  );
  app.post(
    '/api/v1/auth/logout',
    { schema: { tags: tags('auth'), summary: 'Revoke the token this request uses' } },
    async (request, reply) => {
      const tokenId = request.auth?.tokenId;
      if (tokenId) await hub.accounts.revokeToken(actorOf(request), tokenId);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/me',
    { schema: { tags: tags('members'), summary: 'The member this token belongs to' } },
    async (request) => ({
      member: hub.presence.withPresence(publicMember(actorOf(request))),
    }),
  );
  app.patch(
    '/api/v1/me',
    {
      schema: {
        tags: tags('members'),
        summary: 'Change your display name or description',
        body: MemberPatch.pick({ display_name: true, description: true }),
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return { member: await hub.accounts.updateMember(actor, actor.handle, request.body) };
    },
  );

  app.get(
    '/api/v1/members',
    {
      schema: {
        tags: tags('members'),
        summary: 'List members with their presence',
        querystring: z.object({ kind: z.enum(['person', 'agent', 'system']).optional() }),
      },
    },
    async (request) => ({ members: await hub.accounts.listMembers(request.query.kind) }),
  );
  app.get(
    '/api/v1/members/:handle',
    { schema: { tags: tags('members'), summary: 'One member', params: z.object({ handle: z.string().max(64) }) } },
    async (request) => ({
      member: hub.presence.withPresence(publicMember(await hub.accounts.memberByHandle(request.params.handle))),
    }),
  );
  app.post(
    '/api/v1/members',
    {
      schema: {
        tags: tags('admin'),
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
        tags: tags('admin'),
        summary: 'Change a member; disabling or changing roles is for admins',
        params: z.object({ handle: z.string().max(64) }),
        body: MemberPatch,
      },
    },
    async (request) => ({
      member: await hub.accounts.updateMember(actorOf(request), request.params.handle, request.body),
    }),
  );

  app.get(
    '/api/v1/tokens',
    {
      schema: {
        tags: tags('tokens'),
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
        tags: tags('tokens'),
        summary: 'Create an API token for yourself (admins: for any member); shown once',
        body: z.object({ name: z.string().min(1).max(100), member: Handle.optional() }),
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
        tags: tags('tokens'),
        summary: 'Revoke a token; its live connections are closed',
        params: MessageParam,
      },
    },
    async (request) => ({ token: publicToken(await hub.accounts.revokeToken(actorOf(request), request.params.id)) }),
  );

  app.get(
    '/api/v1/denylist',
    { schema: { tags: tags('admin'), summary: 'Members that may not post' } },
    async (request) => ({
      denylist: await hub.accounts.listDenylist(actorOf(request)),
    }),
  );
  app.put(
    '/api/v1/denylist/:handle',
    {
      schema: {
        tags: tags('admin'),
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
    { schema: { tags: tags('admin'), summary: 'Allow a handle to post again', params: z.object({ handle: Handle }) } },
    async (request) => ({ removed: await hub.accounts.removeDenylist(actorOf(request), request.params.handle) }),
  );

  app.get(
    '/api/v1/rooms',
    {
      schema: {
        tags: tags('rooms'),
        summary: 'Your rooms with unread and mention counts, or (scope=public) every public room',
        querystring: z.object({ scope: z.enum(['joined', 'public']).default('joined') }),
      },
    },
    async (request) => ({
      rooms:
        request.query.scope === 'public'
          ? await hub.rooms.listPublicRooms()
          : await hub.rooms.listRooms(actorOf(request)),
    }),
  );
  app.post(
    '/api/v1/rooms',
    { schema: { tags: tags('rooms'), summary: 'Create a public or private channel', body: CreateRoomParams } },
    async (request, reply) =>
      reply.status(201).send({ room: await hub.rooms.createRoom(actorOf(request), request.body) }),
  );
  app.post(
    '/api/v1/rooms/direct',
    {
      schema: {
        tags: tags('rooms'),
        summary: 'Open (or find) the direct room with these members',
        body: z.object({ members: z.array(Handle).min(1).max(8) }),
      },
    },
    async (request) => ({ room: await hub.rooms.openDirect(actorOf(request), request.body.members) }),
  );
  app.get(
    '/api/v1/rooms/:room',
    { schema: { tags: tags('rooms'), summary: 'One room', params: RoomParam } },
    async (request) => ({
      room: await hub.rooms.getRoom(actorOf(request), request.params.room),
    }),
  );
  app.patch(
    '/api/v1/rooms/:room',
    {
      schema: {
        tags: tags('rooms'),
        summary: 'Set the topic, or (owner, admin) the agent depth limit',
        params: RoomParam,
        body: z.object({ topic: Topic.optional(), agent_depth_limit: z.number().int().min(0).max(100).optional() }),
      },
    },
    async (request) => ({ room: await hub.rooms.updateRoom(actorOf(request), request.params.room, request.body) }),
  );
  for (const [action, summary] of [
    ['join', 'Join a public room'],
    ['leave', 'Leave a room'],
    ['archive', 'Archive a room: it becomes read-only (owner, admin)'],
  ] as const) {
    app.post(
      `/api/v1/rooms/:room/${action}`,
      { schema: { tags: tags('rooms'), summary, params: RoomParam } },
      async (request) => {
        const actor = actorOf(request);
        const ref = request.params.room;
        if (action === 'join') return { room: await hub.rooms.joinRoom(actor, ref) };
        if (action === 'archive') return { room: await hub.rooms.updateRoom(actor, ref, { archived: true }) };
        return { room: await hub.rooms.leaveRoom(actor, ref) };
      },
    );
  }
  app.post(
    '/api/v1/rooms/:room/invite',
    {
      schema: {
        tags: tags('rooms'),
        summary: 'Add a member to a room',
        params: RoomParam,
        body: z.object({ member: Handle }),
      },
    },
    async (request) => {
      const room = await hub.rooms.invite(actorOf(request), request.params.room, request.body.member);
      return { room, member: request.body.member };
    },
  );
  app.get(
    '/api/v1/rooms/:room/members',
    { schema: { tags: tags('rooms'), summary: 'Members with read receipts and presence', params: RoomParam } },
    async (request) => ({ members: await hub.rooms.listRoomMembers(actorOf(request), request.params.room) }),
  );
  app.put(
    '/api/v1/rooms/:room/settings',
    {
      schema: {
        tags: tags('rooms'),
        summary: 'Your notification level, and for agents the listen mode',
        params: RoomParam,
        body: z.object({ notify: NotifyLevel.optional(), listen: ListenMode.optional() }),
      },
    },
    async (request) => {
      const updated = await hub.rooms.roomSettings(actorOf(request), request.params.room, request.body);
      return { room: updated.room_id, notify: updated.notify, listen: updated.listen };
    },
  );
  app.put(
    '/api/v1/rooms/:room/read',
    {
      schema: {
        tags: tags('rooms'),
        summary: 'Move your read cursor forward',
        params: RoomParam,
        body: z.object({ seq: Seq }),
      },
    },
    async (request) => hub.rooms.markRead(actorOf(request), request.params.room, request.body.seq),
  );
  app.get(
    '/api/v1/rooms/:room/messages',
    {
      schema: {
        tags: tags('messages'),
        summary: 'History: a page of messages before or after a seq or a time, optionally by sender or thread',
        params: RoomParam,
        querystring: HistoryQuery,
      },
    },
    async (request) => hub.history.page(actorOf(request), { ...request.query, room: request.params.room }),
  );
  app.post(
    '/api/v1/rooms/:room/messages',
    {
      schema: {
        tags: tags('messages'),
        summary: 'Send a message; a repeated client_id returns the stored message',
        params: RoomParam,
        body: SendParams.omit({ room: true }),
      },
    },
    async (request, reply) => {
      const result = await hub.messages.send(actorOf(request), { ...request.body, room: request.params.room });
      return reply.status(result.duplicate ? 200 : 201).send(result);
    },
  );
  app.get(
    '/api/v1/agents/definitions',
    {
      schema: {
        tags: tags('agents'),
        summary: 'The LLM agents this hub runs (admins): from its agents file and defined here; secrets shown as ***',
      },
    },
    async (request) => ({ agents: agents.list(actorOf(request)) }),
  );
  app.put(
    '/api/v1/agents/definitions/:handle',
    {
      schema: {
        tags: tags('agents'),
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
        tags: tags('agents'),
        summary: 'Stop an agent defined through the API and forget its definition (admins); the member stays',
        params: z.object({ handle: Handle }),
      },
    },
    async (request, reply) => {
      await agents.remove(actorOf(request), request.params.handle);
      return reply.status(204).send();
    },
  );
  app.post(
    '/api/v1/conversations',
    {
      schema: {
        tags: tags('conversations'),
        summary: 'Start a private conversation with an agent, with a first message (its title)',
        body: ConversationRequestSchemas['conversation.create'],
      },
    },
    async (request, reply) =>
      reply.status(201).send(await hub.conversations.createConversation(actorOf(request), request.body)),
  );
  app.get(
    '/api/v1/conversations',
    {
      schema: {
        tags: tags('conversations'),
        summary: 'Your conversations, most recently active first, with the last message and counts',
      },
    },
    async (request) => ({ conversations: await hub.conversations.listConversations(actorOf(request)) }),
  );
  app.patch(
    '/api/v1/conversations/:id',
    {
      schema: {
        tags: tags('conversations'),
        summary: 'Rename a conversation you started',
        params: MessageParam,
        body: ConversationRequestSchemas['conversation.rename'].pick({ title: true }),
      },
    },
    async (request) => ({
      conversation: await hub.conversations.renameConversation(actorOf(request), request.params.id, request.body.title),
    }),
  );
  app.delete(
    '/api/v1/conversations/:id',
    {
      schema: {
        tags: tags('conversations'),
        summary: 'Delete a conversation you started: gone for both sides, its messages kept in the store',
        params: MessageParam,
      },
    },
    async (request) => ({
      conversation: await hub.conversations.deleteConversation(actorOf(request), request.params.id),
    }),
  );
  app.get(
    '/api/v1/conversations/:id/messages',
    {
      schema: {
        tags: tags('conversations'),
        summary: 'Resume a conversation: its messages, paged as room history',
        params: MessageParam,
        querystring: HistoryQuery,
      },
    },
    async (request) => hub.history.page(actorOf(request), { ...request.query, room: request.params.id }),
  );
  app.get(
    '/api/v1/memory/search',
    {
      schema: {
        tags: tags('memory'),
        summary: 'Search the messages of your rooms (or of one) and your own notes: relevance, then recency',
        querystring: z.object({
          q: z.string().min(1).max(500),
          room: RoomRef.optional(),
          limit: z.coerce.number().int().min(1).max(Limits.maxMemoryHits).default(10),
        }),
      },
    },
    async (request) =>
      hub.memory.searchMemory(actorOf(request), {
        query: request.query.q,
        room: request.query.room,
        limit: request.query.limit,
      }),
  );
  app.post(
    '/api/v1/memory/notes',
    {
      schema: {
        tags: tags('memory'),
        summary: 'Save a note for yourself, optionally about a room; only you find it',
        body: MemoryRequestSchemas['memory.save'],
      },
    },
    async (request, reply) =>
      reply.status(201).send({ note: await hub.memory.saveNote(actorOf(request), request.body) }),
  );
  app.get(
    '/api/v1/rooms/:room/events',
    {
      schema: {
        tags: tags('messages'),
        summary: 'Sync: the room-log events after a seq that you receive under the delivery rule',
        params: RoomParam,
        querystring: z.object({
          after: z.coerce.number().int().nonnegative().default(0),
          limit: z.coerce.number().int().min(1).max(Limits.maxSyncPage).default(Limits.maxSyncPage),
        }),
      },
    },
    async (request) => {
      const page = await hub.fanout.sync(
        actorOf(request),
        request.params.room,
        request.query.after,
        request.query.limit,
      );
      return {
        room: page.room,
        events: page.events.map(({ agents: _agents, quiet: _quiet, ...event }) => event),
        last_seq: page.last_seq,
        has_more: page.has_more,
      };
    },
  );

  app.get(
    '/api/v1/messages/:id',
    { schema: { tags: tags('messages'), summary: 'One message', params: MessageParam } },
    async (request) => ({
      message: await hub.messages.getMessage(actorOf(request), request.params.id),
    }),
  );
  app.patch(
    '/api/v1/messages/:id',
    {
      schema: {
        tags: tags('messages'),
        summary: 'Edit (author or admin)',
        params: MessageParam,
        body: z.object({ content: Content }),
      },
    },
    async (request) => ({
      message: await hub.messages.editMessage(actorOf(request), request.params.id, request.body.content),
    }),
  );
  app.delete(
    '/api/v1/messages/:id',
    { schema: { tags: tags('messages'), summary: 'Delete (author or admin)', params: MessageParam } },
    async (request) => {
      await hub.messages.deleteMessage(actorOf(request), request.params.id);
      return { message: request.params.id };
    },
  );
  app.put(
    '/api/v1/messages/:id/reactions/:emoji',
    { schema: { tags: tags('messages'), summary: 'React', params: MessageParam.extend({ emoji: Emoji }) } },
    async (request) => ({
      changed: await hub.messages.react(actorOf(request), request.params.id, request.params.emoji, true),
    }),
  );
  app.delete(
    '/api/v1/messages/:id/reactions/:emoji',
    {
      schema: {
        tags: tags('messages'),
        summary: 'Remove your reaction',
        params: MessageParam.extend({ emoji: Emoji }),
      },
    },
    async (request) => ({
      changed: await hub.messages.react(actorOf(request), request.params.id, request.params.emoji, false),
    }),
  );
  app.post(
    '/api/v1/messages/:id/cancel',
    { schema: { tags: tags('messages'), summary: 'Stop a streaming message', params: MessageParam } },
    async (request) => ({ message: await hub.streams.cancelStream(actorOf(request), request.params.id) }),
  );

  const TaskParam = z.object({ id: Id });
  app.post(
    '/api/v1/tasks',
    {
      schema: {
        tags: tags('tasks'),
        summary: 'Create a task (a client_id makes a retry return the first task)',
        body: CreateTaskParams,
      },
    },
    async (request, reply) => {
      const created = await hub.tasks.create(actorOf(request), request.body);
      return reply.status(created.duplicate ? 200 : 201).send(created);
    },
  );
  app.get(
    '/api/v1/tasks',
    {
      schema: {
        tags: tags('tasks'),
        summary: 'Tasks you can see, newest first; filters combine; follow `next` for the next page',
        querystring: TaskListParams.omit({ status: true, limit: true }).extend({
          status: z
            .string()
            .transform((value) => value.split(','))
            .pipe(z.array(TaskStatus).max(8))
            .optional(),
          limit: z.coerce.number().int().min(1).max(200).default(50),
        }),
      },
    },
    async (request) => hub.tasks.list(actorOf(request), request.query),
  );
  app.get(
    '/api/v1/tasks/:id',
    { schema: { tags: tags('tasks'), summary: 'One task', params: TaskParam } },
    async (request) => ({ task: await hub.tasks.get(actorOf(request), request.params.id) }),
  );
  app.delete(
    '/api/v1/tasks/:id',
    {
      schema: { tags: tags('tasks'), summary: 'Delete a task (admins); its room keeps its history', params: TaskParam },
    },
    async (request) => {
      await hub.tasks.delete(actorOf(request), request.params.id);
      return { task: request.params.id };
    },
  );
  app.post(
    '/api/v1/tasks/:id/cancel',
    {
      schema: {
        tags: tags('tasks'),
        summary: 'Cancel (creator or admin)',
        params: TaskParam,
        body: z.object({ reason: z.string().max(2000).optional() }).default({}),
      },
    },
    async (request) => ({ task: await hub.tasks.cancel(actorOf(request), request.params.id, request.body.reason) }),
  );
  app.post(
    '/api/v1/tasks/:id/accept',
    { schema: { tags: tags('tasks'), summary: 'Accept a result waiting for review', params: TaskParam } },
    async (request) => ({ task: await hub.tasks.accept(actorOf(request), request.params.id) }),
  );
  app.post(
    '/api/v1/tasks/:id/reject',
    {
      schema: {
        tags: tags('tasks'),
        summary: 'Reject a result with feedback: the task goes back to the queue',
        params: TaskParam,
        body: z.object({ feedback: z.string().min(1).max(10_000) }),
      },
    },
    async (request) => ({ task: await hub.tasks.reject(actorOf(request), request.params.id, request.body.feedback) }),
  );
  app.post(
    '/api/v1/tasks/:id/answer',
    {
      schema: {
        tags: tags('tasks'),
        summary: 'Answer a task waiting for a person: the worker resumes, or it goes back to the queue',
        params: TaskParam,
        body: z.object({ answer: z.string().min(1).max(10_000) }),
      },
    },
    async (request) => ({ task: await hub.tasks.answer(actorOf(request), request.params.id, request.body.answer) }),
  );
}
