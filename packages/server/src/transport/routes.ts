/**
 * The REST API at /api/v1, route by route in the order its OpenAPI document has always listed them
 * (the REST fuzzer and the authorization matrix walk the document in that order). A route that
 * is a protocol request is a row over the protocol's request table: its schemas are cut from the
 * request's own, and it runs through the same handler as over WebSocket, so REST cannot drift from
 * the protocol. Routes that are no protocol request (accounts, tokens, administration, agent
 * definitions) come from rest.ts.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { Id, Limits, RequestSchemas, type ParsedParams, type RequestType, type ResultMap } from '@roundtable/protocol';
import { actorOf } from './actor.js';
import type { TransportContext } from './context.js';
import { runRequest, type RequestContext } from './requests.js';
import {
  registerAccount,
  registerAgentDefinitions,
  registerDenylist,
  registerMembers,
  registerRoom,
  registerTaskDeletion,
  registerTokens,
} from './rest.js';
import { registerAgents } from './rest-agents.js';
import { registerGroups } from './rest-groups.js';

type ParamName<T extends RequestType> = keyof ParsedParams<T> & string;

interface RequestRoute<T extends RequestType> {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  url: string;
  type: T;
  tag: string;
  summary: string;
  /** Path parameters, each filling the param it names. The other params come from the query (GET) or the body. */
  path?: Record<string, ParamName<T>>;
  /** Query or body names that differ from the param they fill. */
  names?: Record<string, ParamName<T>>;
  /** Params the route does not offer. */
  omit?: ParamName<T>[];
  /** Path parameters narrower than the param they fill: a conversation's id is an id, not any room reference. */
  narrow?: Record<string, z.ZodType>;
  /** Defaults of the REST route where the protocol requires the param or leaves it open. */
  defaults?: Partial<Record<ParamName<T>, unknown>>;
  /** A request without a body holds none of the params. */
  optionalBody?: boolean;
  status?: (result: ResultMap[T]) => number;
  /** The answer, where REST gives more than the protocol's ack: it has no socket to push frames on. */
  answer?: (context: RequestContext, params: ParsedParams<T>) => Promise<unknown>;
  /** Checked before the request runs, where the route is narrower than its request. */
  guard?: (context: RequestContext, params: ParsedParams<T>) => Promise<void>;
}

/** A row of any request type, its param names checked against that type's own. */
type Row = { [T in RequestType]: RequestRoute<T> }[RequestType];

type Registrar = (app: FastifyInstance, context: TransportContext) => void;

const created = () => 201;
const createdUnlessDuplicate = (result: { duplicate: boolean }) => (result.duplicate ? 200 : 201);

const ROUTES: (Row | Registrar)[] = [
  registerAccount,
  {
    method: 'GET',
    url: '/api/v1/members',
    type: 'members.list',
    tag: 'members',
    summary: 'List members with their presence',
  },
  registerMembers,
  registerGroups,
  registerTokens,
  registerDenylist,
  {
    method: 'GET',
    url: '/api/v1/rooms',
    type: 'rooms.list',
    tag: 'rooms',
    summary: 'Your rooms with unread and mention counts, or (scope=public) every public room',
  },
  {
    method: 'POST',
    url: '/api/v1/rooms',
    type: 'room.create',
    tag: 'rooms',
    summary: 'Create a public or private channel',
    status: created,
  },
  {
    method: 'POST',
    url: '/api/v1/rooms/direct',
    type: 'room.direct',
    tag: 'rooms',
    summary: 'Open (or find) the direct room with these members',
  },
  registerRoom,
  {
    method: 'PATCH',
    url: '/api/v1/rooms/:room',
    type: 'room.update',
    tag: 'rooms',
    summary: 'Set the topic, or (owner, admin) the agent depth limit',
    path: { room: 'room' },
  },
  {
    method: 'POST',
    url: '/api/v1/rooms/:room/join',
    type: 'room.join',
    tag: 'rooms',
    summary: 'Join a public room',
    path: { room: 'room' },
  },
  {
    method: 'POST',
    url: '/api/v1/rooms/:room/leave',
    type: 'room.leave',
    tag: 'rooms',
    summary: 'Leave a room',
    path: { room: 'room' },
  },
  {
    method: 'POST',
    url: '/api/v1/rooms/:room/archive',
    type: 'room.archive',
    tag: 'rooms',
    summary: 'Archive a room: it becomes read-only (owner, admin)',
    path: { room: 'room' },
  },
  {
    method: 'POST',
    url: '/api/v1/rooms/:room/invite',
    type: 'room.invite',
    tag: 'rooms',
    summary: 'Add a member to a room',
    path: { room: 'room' },
  },
  {
    method: 'GET',
    url: '/api/v1/rooms/:room/members',
    type: 'room.members',
    tag: 'rooms',
    summary: 'Members with read receipts and presence',
    path: { room: 'room' },
  },
  {
    method: 'PUT',
    url: '/api/v1/rooms/:room/settings',
    type: 'room.settings',
    tag: 'rooms',
    summary: 'Your notification level, and for agents the listen mode',
    path: { room: 'room' },
  },
  {
    method: 'PUT',
    url: '/api/v1/rooms/:room/read',
    type: 'read',
    tag: 'rooms',
    summary: 'Move your read cursor forward',
    path: { room: 'room' },
  },
  {
    method: 'GET',
    url: '/api/v1/rooms/:room/messages',
    type: 'history',
    tag: 'messages',
    summary: 'History: a page of messages before or after a seq or a time, optionally by sender or thread',
    path: { room: 'room' },
  },
  {
    method: 'GET',
    url: '/api/v1/rooms/:room/since-last-spoke',
    type: 'since_last_spoke',
    tag: 'messages',
    summary: 'Catching up: the messages of a room (or thread) since your own last message there',
    path: { room: 'room' },
  },
  {
    method: 'POST',
    url: '/api/v1/rooms/:room/messages',
    type: 'send',
    tag: 'messages',
    summary: 'Send a message; a repeated client_id returns the stored message',
    path: { room: 'room' },
    status: createdUnlessDuplicate,
  },
  registerAgentDefinitions,
  registerAgents,
  {
    method: 'POST',
    url: '/api/v1/conversations',
    type: 'conversation.create',
    tag: 'conversations',
    summary:
      'Start a private conversation with an agent, with a first message (its title) or empty (titled ' +
      '"New conversation" until its first message)',
    status: created,
  },
  {
    method: 'GET',
    url: '/api/v1/conversations',
    type: 'conversation.list',
    tag: 'conversations',
    summary: 'Your conversations, most recently active first, with the last message and counts',
  },
  {
    method: 'PATCH',
    url: '/api/v1/conversations/:id',
    type: 'conversation.rename',
    tag: 'conversations',
    summary: 'Rename a conversation you started',
    path: { id: 'conversation' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/conversations/:id',
    type: 'conversation.delete',
    tag: 'conversations',
    summary: 'Delete a conversation you started: gone for both sides, its messages kept in the store',
    path: { id: 'conversation' },
  },
  {
    method: 'GET',
    url: '/api/v1/conversations/:id/messages',
    type: 'history',
    tag: 'conversations',
    summary: 'Resume a conversation: its messages, paged as room history, and `total_count`, how many it holds',
    path: { id: 'room' },
    narrow: { id: Id },
    guard: ({ hub, actor }, params) => hub.conversations.requireConversation(actor, params.room),
    answer: ({ hub, actor }, params) => hub.history.pageWithTotal(actor, params),
  },
  {
    method: 'POST',
    url: '/api/v1/conversations/:id/messages',
    type: 'send',
    tag: 'conversations',
    summary: 'Send a message in a conversation, as in its room; a repeated client_id returns the stored message',
    path: { id: 'room' },
    narrow: { id: Id },
    guard: ({ hub, actor }, params) => hub.conversations.requireConversation(actor, params.room),
    status: createdUnlessDuplicate,
  },
  {
    method: 'GET',
    url: '/api/v1/memory/search',
    type: 'memory.search',
    tag: 'memory',
    summary: 'Search the messages of your rooms (or of one) and your own notes: relevance, then recency',
    names: { q: 'query' },
    omit: ['for_room'],
  },
  {
    method: 'GET',
    url: '/api/v1/search',
    type: 'messages.search',
    tag: 'messages',
    summary: 'Search the messages you may read, by words, room, sender, time and thread: best or newest first',
    names: { q: 'query' },
  },
  {
    method: 'POST',
    url: '/api/v1/memory/notes',
    type: 'memory.save',
    tag: 'memory',
    summary: 'Save a note for yourself, optionally about a room; only you find it',
    status: created,
  },
  {
    method: 'GET',
    url: '/api/v1/rooms/:room/events',
    type: 'sync',
    tag: 'messages',
    summary: 'Sync: the room-log events after a seq that you receive under the delivery rule',
    path: { room: 'room' },
    defaults: { after: 0, limit: Limits.maxSyncPage },
    answer: async ({ hub, actor }, params) => {
      const page = await hub.fanout.sync(actor, params.room, params.after, params.limit ?? Limits.maxSyncPage);
      return {
        room: page.room,
        events: page.events.map(({ agents: _agents, quiet: _quiet, ...event }) => event),
        last_seq: page.last_seq,
        has_more: page.has_more,
      };
    },
  },
  {
    method: 'GET',
    url: '/api/v1/messages/:id',
    type: 'message.get',
    tag: 'messages',
    summary: 'One message',
    path: { id: 'message' },
  },
  {
    method: 'GET',
    url: '/api/v1/messages/:id/receipts',
    type: 'message.receipts',
    tag: 'messages',
    summary: 'How far a message got with each member it addresses: stored, delivered, read, acted',
    path: { id: 'message' },
  },
  {
    method: 'PATCH',
    url: '/api/v1/messages/:id',
    type: 'edit',
    tag: 'messages',
    summary: 'Edit (author or admin)',
    path: { id: 'message' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/messages/:id',
    type: 'delete',
    tag: 'messages',
    summary: 'Delete (author or admin)',
    path: { id: 'message' },
  },
  {
    method: 'PUT',
    url: '/api/v1/messages/:id/reactions/:emoji',
    type: 'react',
    tag: 'messages',
    summary: 'React',
    path: { id: 'message', emoji: 'emoji' },
  },
  {
    method: 'DELETE',
    url: '/api/v1/messages/:id/reactions/:emoji',
    type: 'unreact',
    tag: 'messages',
    summary: 'Remove your reaction',
    path: { id: 'message', emoji: 'emoji' },
  },
  {
    method: 'POST',
    url: '/api/v1/messages/:id/cancel',
    type: 'stream.cancel',
    tag: 'messages',
    summary: 'Stop a streaming message',
    path: { id: 'message' },
  },
  {
    method: 'POST',
    url: '/api/v1/tasks',
    type: 'task.create',
    tag: 'tasks',
    summary: 'Create a task (a client_id makes a retry return the first task)',
    status: createdUnlessDuplicate,
  },
  {
    method: 'GET',
    url: '/api/v1/tasks',
    type: 'task.list',
    tag: 'tasks',
    summary: 'Tasks you can see, newest first; filters combine; follow `next` for the next page',
  },
  {
    method: 'GET',
    url: '/api/v1/tasks/:id',
    type: 'task.get',
    tag: 'tasks',
    summary: 'One task',
    path: { id: 'task' },
  },
  registerTaskDeletion,
  {
    method: 'POST',
    url: '/api/v1/tasks/:id/cancel',
    type: 'task.cancel',
    tag: 'tasks',
    summary: 'Cancel (creator or admin)',
    path: { id: 'task' },
    optionalBody: true,
  },
  {
    method: 'POST',
    url: '/api/v1/tasks/:id/accept',
    type: 'task.accept',
    tag: 'tasks',
    summary: 'Accept a result waiting for review',
    path: { id: 'task' },
  },
  {
    method: 'POST',
    url: '/api/v1/tasks/:id/reject',
    type: 'task.reject',
    tag: 'tasks',
    summary: 'Reject a result with feedback: the task goes back to the queue',
    path: { id: 'task' },
  },
  {
    method: 'POST',
    url: '/api/v1/tasks/:id/answer',
    type: 'task.answer',
    tag: 'tasks',
    summary: 'Answer a task waiting for a person: the worker resumes, or it goes back to the queue',
    path: { id: 'task' },
  },
  {
    method: 'GET',
    url: '/api/v1/workers',
    type: 'worker.list',
    tag: 'tasks',
    summary: 'Workers connected to any instance: capabilities, concurrency, the tasks they hold, last heartbeat',
  },
  {
    method: 'GET',
    url: '/api/v1/approvals',
    type: 'approval.list',
    tag: 'approvals',
    summary: 'Approval requests you may decide, newest first (by default those still pending)',
  },
  {
    method: 'POST',
    url: '/api/v1/approvals/:id',
    type: 'approval.decide',
    tag: 'approvals',
    summary: 'Approve or deny a request (the agent’s owner, the room’s owners, admins, the deciders it names)',
    path: { id: 'approval' },
  },
  {
    method: 'GET',
    url: '/api/v1/inbox',
    type: 'inbox',
    tag: 'mailbox',
    summary: 'What is addressed to you and not acknowledged, oldest first across your rooms; `after` a message id',
  },
  {
    method: 'POST',
    url: '/api/v1/inbox/ack',
    type: 'inbox.ack',
    tag: 'mailbox',
    summary: 'Acknowledge your inbox up to and including a message; read cursors do not move',
  },
  {
    method: 'GET',
    url: '/api/v1/outbox',
    type: 'outbox',
    tag: 'mailbox',
    summary: 'What you sent across your rooms, each message with its receipts; `after` a message id',
  },
  {
    method: 'POST',
    url: '/api/v1/tasks/:id/review',
    type: 'review.answer',
    tag: 'tasks',
    summary: 'Answer a review request addressed to you: approve, or request changes, with a note',
    path: { id: 'task' },
  },
];

export function registerRoutes(app: FastifyInstance, context: TransportContext): void {
  for (const route of ROUTES) {
    if (typeof route === 'function') route(app, context);
    else registerRequestRoute(app, context, route);
  }
}

function registerRequestRoute(app: FastifyInstance, { hub }: TransportContext, route: Row): void {
  const shape = (RequestSchemas[route.type] as unknown as z.ZodObject).shape;
  const path = route.path ?? {};
  const fromPath = new Set(Object.values(path));
  const omitted = new Set<string>(route.omit ?? []);
  const paramOf: Record<string, string> = route.names ?? {};
  const nameOf = new Map(Object.entries(paramOf).map(([name, param]) => [param, name]));
  const defaults: Record<string, unknown> = route.defaults ?? {};
  const inQuery = route.method === 'GET';
  const fields: Record<string, z.ZodType> = {};
  for (const [param, schema] of Object.entries(shape)) {
    if (fromPath.has(param) || omitted.has(param)) continue;
    const field = param in defaults ? withDefault(schema, defaults[param]) : schema;
    fields[nameOf.get(param) ?? param] = inQuery ? fromQueryText(field) : field;
  }
  const rest = Object.keys(fields).length > 0 ? z.object(fields) : undefined;
  const narrow: Record<string, z.ZodType> = route.narrow ?? {};
  const params = Object.fromEntries(Object.entries(path).map(([name, param]) => [name, narrow[name] ?? shape[param]!]));
  app.route({
    method: route.method,
    url: route.url,
    schema: {
      tags: [route.tag],
      summary: route.summary,
      ...(Object.keys(params).length > 0 && { params: z.object(params) }),
      ...(rest && (inQuery ? { querystring: rest } : { body: route.optionalBody ? rest.default({}) : rest })),
    },
    handler: async (request, reply) => {
      const given = (rest ? (inQuery ? request.query : request.body) : {}) as Record<string, unknown>;
      const named = Object.fromEntries(Object.entries(given).map(([name, value]) => [paramOf[name] ?? name, value]));
      const fromUrl = request.params as Record<string, unknown>;
      for (const [name, param] of Object.entries(path)) named[param] = fromUrl[name];
      const context = { hub, actor: actorOf(request), session: undefined };
      const guard = route.guard as ((context: RequestContext, params: unknown) => Promise<void>) | undefined;
      await guard?.(context, named);
      const answer = route.answer as ((context: RequestContext, params: unknown) => Promise<unknown>) | undefined;
      const result = answer
        ? await answer(context, named)
        : await runRequest(context, { type: route.type, id: undefined, params: named });
      const status = route.status as ((result: unknown) => number) | undefined;
      return reply.status(status?.(result) ?? 200).send(result);
    },
  });
}

function withDefault(schema: z.ZodType, value: unknown): z.ZodType {
  return (schema instanceof z.ZodOptional ? (schema.unwrap() as z.ZodType) : schema).default(value as never);
}

/**
 * The same schema, read from query-string text: numbers are parsed, a boolean is `true` or `false`,
 * and an array is its items joined by commas. Limits and defaults stay the protocol's.
 */
function fromQueryText(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodOptional) return fromQueryText(schema.unwrap() as z.ZodType).optional();
  if (schema instanceof z.ZodDefault) {
    return fromQueryText(schema.unwrap() as z.ZodType).default(schema.def.defaultValue as never);
  }
  if (schema instanceof z.ZodNumber) return schema.clone({ ...schema.def, coerce: true });
  if (schema instanceof z.ZodBoolean) return z.enum(['true', 'false']).transform((value) => value === 'true');
  if (schema instanceof z.ZodArray) {
    return z
      .string()
      .transform((value): unknown[] => value.split(','))
      .pipe(schema);
  }
  return schema;
}
