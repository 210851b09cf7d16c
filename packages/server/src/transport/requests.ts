/**
 * The request table: each protocol request type mapped to one hub call. WebSocket frames, the REST
 * rows of routes.ts and MCP's request tools all run through it.
 */
import {
  CONTENT_TOO_LONG,
  Limits,
  RequestSchemas,
  isRequestType,
  type ParsedParams,
  type RequestType,
  type ResultMap,
} from '@roundtable/protocol';
import type { z } from 'zod';
import type { Hub } from '../core/hub.js';
import { HubError } from '../core/hub-error.js';
import type { MemberRecord } from '../core/ports.js';
import type { Session } from '../core/sessions.js';
import { eventFrame } from '../core/wire.js';

export interface RequestContext {
  hub: Hub;
  actor: MemberRecord;
  session: Session | undefined;
}

type Handler<T extends RequestType> = (context: RequestContext, params: ParsedParams<T>) => Promise<ResultMap[T]>;

const handlers: { [T in Exclude<RequestType, 'auth'>]: Handler<T> } = {
  ping: async () => ({ at: new Date().toISOString() }),
  send: ({ hub, actor }, params) => hub.messages.send(actor, params),
  edit: async ({ hub, actor }, params) => ({
    message: await hub.messages.editMessage(actor, params.message, params.content),
  }),
  delete: async ({ hub, actor }, params) => {
    await hub.messages.deleteMessage(actor, params.message);
    return { message: params.message };
  },
  react: async ({ hub, actor }, params) => ({
    changed: await hub.messages.react(actor, params.message, params.emoji, true),
  }),
  unreact: async ({ hub, actor }, params) => ({
    changed: await hub.messages.react(actor, params.message, params.emoji, false),
  }),
  read: ({ hub, actor }, params) => hub.rooms.markRead(actor, params.room, params.seq),
  typing: async ({ hub, actor }, params) => {
    await hub.presence.typing(actor, params.room, params.thread_id, params.active);
    return {};
  },
  activity: async ({ hub, actor }, params) => ({ activity: await hub.activity.set(actor, params) }),
  'activity.list': async ({ hub, actor }, params) => ({ activity: await hub.activity.list(actor, params.room) }),
  since_last_spoke: ({ hub, actor }, params) => hub.catchUp.sinceLastSpoke(actor, params),
  presence: async ({ hub, session }, params) => {
    if (!session) throw new HubError('invalid_request', 'Presence needs a live connection.');
    return { status: hub.presence.setPresence(session, params.status) };
  },
  sync: async ({ hub, actor, session }, params) => {
    const page = await hub.fanout.sync(actor, params.room, params.after, params.limit ?? Limits.maxSyncPage);
    // An explicit sync answers with its events as frames before the ack, like a resume.
    for (const event of page.events) session?.connection.send(eventFrame(event));
    return { room: page.room, last_seq: page.last_seq, has_more: page.has_more };
  },
  history: ({ hub, actor }, params) => hub.history.page(actor, params),
  'memory.search': ({ hub, actor }, params) => hub.memory.searchMemory(actor, params),
  'messages.search': ({ hub, actor }, params) => hub.search.messages(actor, params),
  'memory.save': async ({ hub, actor }, params) => ({ note: await hub.memory.saveNote(actor, params) }),
  'conversation.create': ({ hub, actor }, params) => hub.conversations.createConversation(actor, params),
  'conversation.list': ({ hub, actor }, params) => hub.conversations.listConversations(actor, params),
  'conversation.rename': async ({ hub, actor }, params) => ({
    conversation: await hub.conversations.renameConversation(actor, params.conversation, params.title),
  }),
  'conversation.delete': async ({ hub, actor }, params) => ({
    conversation: await hub.conversations.deleteConversation(actor, params.conversation),
  }),
  'message.get': async ({ hub, actor }, params) => ({ message: await hub.messages.getMessage(actor, params.message) }),
  'message.receipts': ({ hub, actor, session }, params) => hub.receipts.list(actor, params.message, session),
  'rooms.list': async ({ hub, actor }, params) => ({
    rooms: params.scope === 'public' ? await hub.rooms.listPublicRooms() : await hub.rooms.listRooms(actor),
  }),
  'room.create': async ({ hub, actor }, params) => ({ room: await hub.rooms.createRoom(actor, params) }),
  'room.direct': async ({ hub, actor }, params) => ({ room: await hub.rooms.openDirect(actor, params.members) }),
  'room.join': async ({ hub, actor }, params) => ({ room: await hub.rooms.joinRoom(actor, params.room) }),
  'room.leave': async ({ hub, actor }, params) => {
    return { room: await hub.rooms.leaveRoom(actor, params.room) };
  },
  'room.invite': async ({ hub, actor }, params) => {
    return { room: await hub.rooms.invite(actor, params.room, params.member), member: params.member };
  },
  'room.update': async ({ hub, actor }, params) => ({ room: await hub.rooms.updateRoom(actor, params.room, params) }),
  'room.archive': async ({ hub, actor }, params) => ({
    room: await hub.rooms.updateRoom(actor, params.room, { archived: true }),
  }),
  'room.settings': async ({ hub, actor }, params) => {
    const updated = await hub.rooms.roomSettings(actor, params.room, params);
    return { room: updated.room_id, notify: updated.notify, listen: updated.listen };
  },
  'room.members': async ({ hub, actor }, params) => ({ members: await hub.rooms.listRoomMembers(actor, params.room) }),
  'members.list': async ({ hub }, params) => ({ members: await hub.accounts.listMembers(params) }),
  'stream.start': ({ hub, actor }, params) => hub.streams.startStream(actor, params),
  'stream.delta': async ({ hub, actor }, params) => {
    hub.streams.streamDelta(actor, params.message, params.delta);
    return {};
  },
  'stream.part': async ({ hub, actor }, params) => {
    hub.streams.streamPart(actor, params.message, params.part);
    return {};
  },
  'stream.done': async ({ hub, actor }, params) => ({
    message: await hub.streams.streamDone(actor, params.message, params),
  }),
  'stream.error': async ({ hub, actor }, params) => ({
    message: await hub.streams.streamError(actor, params.message, params.error),
  }),
  'stream.cancel': async ({ hub, actor }, params) => ({
    message: await hub.streams.cancelStream(actor, params.message),
  }),
  'task.create': ({ hub, actor }, params) =>
    params.kind === 'review' ? hub.tasks.reviews.request(actor, params) : hub.tasks.create(actor, workTask(params)),
  'review.answer': async ({ hub, actor }, params) => ({ task: await hub.tasks.reviews.answer(actor, params) }),
  inbox: ({ hub, actor }, params) => hub.inbox.page(actor, params),
  'inbox.ack': ({ hub, actor }, params) => hub.inbox.ack(actor, params.up_to),
  outbox: ({ hub, actor }, params) => hub.outbox.page(actor, params),
  'task.get': async ({ hub, actor }, params) => ({ task: await hub.tasks.get(actor, params.task) }),
  'task.list': ({ hub, actor }, params) => hub.tasks.list(actor, params),
  'task.cancel': async ({ hub, actor }, params) => ({
    task: await hub.tasks.cancel(actor, params.task, params.reason),
  }),
  'worker.register': async ({ hub, actor, session }, params) => {
    if (!session) throw new HubError('invalid_request', 'A worker registers on a live connection.');
    if (actor.kind !== 'agent') throw new HubError('forbidden', 'Only agents register as workers.');
    const capabilities = hub.tasks.workers.register(session.id, actor, params.capabilities, params.concurrency);
    return { capabilities, concurrency: params.concurrency };
  },
  'task.claim': async ({ hub, actor }, params) => ({ claim: await hub.tasks.claim(actor, params.capabilities) }),
  'task.heartbeat': ({ hub, actor }, params) =>
    hub.tasks.heartbeat(actor, params.task, params.lease, { progress: params.progress, note: params.note }),
  'worker.list': async ({ hub, actor }) => ({ workers: await hub.tasks.roster.list(actor) }),
  'task.report': ({ hub, actor }, params) => hub.tasks.report(actor, params.task, params.lease, params.result),
  'task.release': async ({ hub, actor }, params) => ({
    task: await hub.tasks.release(actor, params.task, params.lease, params.reason),
  }),
  'task.ask': async ({ hub, actor }, params) => ({
    task: await hub.tasks.ask(actor, params.task, params.lease, params.question),
  }),
  'task.answer': async ({ hub, actor }, params) => ({
    task: await hub.tasks.answer(actor, params.task, params.answer),
  }),
  'task.accept': async ({ hub, actor }, params) => ({ task: await hub.tasks.accept(actor, params.task) }),
  'files.reserve': async ({ hub, actor }, params) => ({
    reservations: await hub.reservations.reserveFiles(actor, params.patterns, params.mode, params.ttl_ms, params.task),
  }),
  'files.release': async ({ hub, actor }, params) => ({
    released: await hub.reservations.releaseFiles(actor, params.patterns),
  }),
  'files.list': async ({ hub, actor }, params) => ({
    reservations: await hub.reservations.listReservations(actor, params.holder),
  }),
  'task.reject': async ({ hub, actor }, params) => ({
    task: await hub.tasks.reject(actor, params.task, params.feedback),
  }),
  'approval.request': async ({ hub, actor }, params) => ({ approval: await hub.approvals.request(actor, params) }),
  'approval.decide': async ({ hub, actor }, params) => ({
    approval: await hub.approvals.decide(actor, params.approval, params.decision, params.note),
  }),
  'approval.list': async ({ hub, actor }, params) => ({
    approvals: await hub.approvals.list(actor, params.status, params.limit),
  }),
};

/** Work needs a title (a review's defaults to its subject); the fields of a review belong to reviews. */
function workTask(params: ParsedParams<'task.create'>): ParsedParams<'task.create'> {
  const issues = [
    ...(params.title === '' ? [{ path: 'title', message: 'required' }] : []),
    ...(['reviewer', 'subject', 'summary'] as const)
      .filter((name) => params[name] !== undefined)
      .map((name) => ({ path: name, message: 'only for a task of kind review' })),
  ];
  if (issues.length > 0) throw new HubError('invalid_request', undefined, { details: { issues } });
  return params;
}

export interface ParsedRequest {
  type: RequestType;
  id: string | undefined;
  params: unknown;
}

/**
 * Turns a decoded frame into a typed request, or into the error that says what is wrong with it;
 * either way with the request id, so the error can answer the request.
 */
export function parseRequest(frame: unknown): { id: string | undefined; request?: ParsedRequest; error?: HubError } {
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return { id: undefined, error: new HubError('invalid_request', 'A frame is a JSON object with a "type".') };
  }
  const { type, id, ...rest } = frame as Record<string, unknown>;
  const requestId = typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
  if (!isRequestType(type)) {
    return { id: requestId, error: new HubError('unknown_frame', unknownType(type)) };
  }
  const parsed = RequestSchemas[type].safeParse(rest);
  if (!parsed.success) return { id: requestId, error: invalidParams(parsed.error) };
  return { id: requestId, request: { type, id: requestId, params: parsed.data } };
}

/** Names what was sent as the type, without echoing more of it than a short string. */
function unknownType(type: unknown): string {
  if (type === undefined) return 'The frame has no "type": name the request it makes.';
  if (typeof type !== 'string') return `The frame's "type" is ${kindOf(type)}, not a request name.`;
  const shown = type.length > 64 ? `${type.slice(0, 64)}…` : type;
  return `Unknown frame type ${JSON.stringify(shown)}.`;
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/** Parameters that break their schema: every issue with its path, and `content_too_long` when that is the one. */
export function invalidParams(error: z.ZodError): HubError {
  const issues = error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
  const contentTooLong = issues.some((issue) => issue.message === CONTENT_TOO_LONG);
  return new HubError(contentTooLong ? 'content_too_long' : 'invalid_request', undefined, { details: { issues } });
}

export function runRequest(context: RequestContext, request: ParsedRequest): Promise<unknown> {
  if (request.type === 'auth') throw new HubError('already_authenticated');
  const handler = handlers[request.type] as Handler<RequestType>;
  return handler(context, request.params as never);
}
