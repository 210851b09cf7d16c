/**
 * The Wegent dialect: a task's chat at `/api/v1/tasks/{id}/chat` and a member's task events at
 * `/api/v1/users/me/events`, spoken over the WebSocket transport (its limits, token and session)
 * and the hub's own features: messages, streams, history and the fan-out. What the frames carry is
 * in packages/protocol/src/wegent.ts; how hub frames read in it, in wegent-views.ts.
 */
import type { FastifyInstance } from 'fastify';
import {
  WegentClientEvents,
  WegentEnvelope,
  WegentPersonalEvents,
  isWegentClientEvent,
  wegentStatus,
  type WegentClientEvent,
} from '@roundtable/protocol';
import type { z } from 'zod';
import type { Authenticated, Hub } from '../core/hub.js';
import { HubError, toHubError } from '../core/hub-error.js';
import type { MemberRecord, StoredEvent } from '../core/ports.js';
import type { TransportContext } from './context.js';
import { invalidParams } from './requests.js';
import {
  chunkEvent,
  frameText,
  inScope,
  messageEvent,
  readHubFrame,
  taskStatusOf,
  wegentFrame,
  wegentMessage,
  type ChatScope,
} from './wegent-views.js';
import { registerDialect, type Dialect, type DialectLink } from './ws.js';

/** The dialect's two endpoints, as Fastify routes: they upgrade, and the OpenAPI document leaves them out. */
export const WEGENT_PATHS = ['/api/v1/tasks/:id/chat', '/api/v1/users/me/events'] as const;

/** Tasks one socket may follow at once. */
const MAX_FOLLOWED = 100;
/** Live messages of one chat a socket remembers, to leave them out of its history pages. */
const MAX_SENT = 5_000;
/** Streaming replies a socket remembers the chat of, for their chunks. */
const MAX_STREAMS = 1_000;

export function registerWegent(app: FastifyInstance, context: TransportContext): void {
  const [chat, events] = WEGENT_PATHS;
  registerDialect<{ id: string }>(
    app,
    context,
    chat,
    (params, link) => new WegentDialect(context.hub, link, params.id),
  );
  registerDialect(app, context, events, (_params, link) => new WegentDialect(context.hub, link, undefined));
}

interface Followed {
  scope: ChatScope;
  /** Messages this socket was sent as they were created, which a history page leaves out. */
  sent: Set<string>;
  /**
   * Messages a history page gave this socket, which their live frame then leaves out: one committed
   * as the page was read may be in the page and still on its way to the socket.
   */
  paged: Set<string>;
}

type Params<E extends WegentClientEvent> = z.output<(typeof WegentClientEvents)[E]>;

class WegentDialect implements Dialect {
  private member: MemberRecord | undefined;
  private readonly followed = new Map<string, Followed>();
  /** Streaming replies by message id: the task whose chat each belongs to. */
  private readonly streams = new Map<string, string>();
  private stopWatch: (() => void) | undefined;
  private ended = false;

  constructor(
    private readonly hub: Hub,
    private readonly link: DialectLink,
    /** The task of the socket's path; none on the personal channel. */
    private readonly own: string | undefined,
  ) {}

  private get actor(): MemberRecord {
    return this.link.session()?.member ?? this.member!;
  }

  async open(auth: Authenticated): Promise<void> {
    this.member = auth.member;
    if (this.own !== undefined) this.follow(await this.openChat(this.own));
    else this.stopWatch = this.hub.fanout.watchEvents((event) => this.onAnyEvent(event));
    // A socket closed while its task was read must not leave a watcher behind.
    if (this.ended) this.closed();
  }

  closed(): void {
    this.ended = true;
    this.stopWatch?.();
    this.stopWatch = undefined;
  }

  error(id: string | undefined, error: HubError): string {
    return wegentFrame('error', error.toBody(), id);
  }

  /** Who may open a task's chat is who may read the task and post in its room. */
  private async openChat(taskId: string): Promise<ChatScope> {
    const task = await this.hub.tasks.get(this.actor, taskId);
    await this.hub.rooms.memberRoom(this.actor, task.room);
    return { task_id: task.id, room: task.room, thread_id: task.thread_id };
  }

  private follow(scope: ChatScope): void {
    if (!this.followed.has(scope.task_id) && this.followed.size >= MAX_FOLLOWED) {
      throw new HubError('invalid_request', `A socket follows at most ${MAX_FOLLOWED} tasks: leave one first.`);
    }
    if (!this.followed.has(scope.task_id))
      this.followed.set(scope.task_id, { scope, sent: new Set(), paged: new Set() });
  }

  /** The chat a frame is about: the one it names, else the socket's own, which it must still be allowed. */
  private async chat(taskId: string | undefined): Promise<ChatScope> {
    const id = taskId ?? this.own;
    if (id === undefined) throw new HubError('invalid_request', 'Name the task with `task_id`: this channel has none.');
    return this.followed.get(id)?.scope ?? (await this.openChat(id));
  }

  receive(decoded: unknown): void {
    const envelope = WegentEnvelope.safeParse(decoded);
    if (!envelope.success) {
      const id = (decoded as { id?: unknown } | null)?.id;
      const answer = typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
      this.link.write(this.error(answer, new HubError('invalid_request', 'A frame is {"event": name, "data": {…}}.')));
      return;
    }
    const { event, data, id } = envelope.data;
    if (!isWegentClientEvent(event)) {
      const shown = JSON.stringify(event.length > 64 ? `${event.slice(0, 64)}…` : event);
      this.link.write(this.error(id, new HubError('unknown_frame', `Unknown event ${shown}.`)));
      return;
    }
    const schemas = this.own === undefined ? WegentPersonalEvents : WegentClientEvents;
    const params = schemas[event].safeParse(data ?? {});
    if (!params.success) {
      this.link.write(this.error(id, invalidParams(params.error)));
      return;
    }
    void this.run(event, params.data, id);
  }

  private async run(event: WegentClientEvent, params: unknown, id: string | undefined): Promise<void> {
    try {
      const result = await this.handlers[event](params as never);
      if (id !== undefined) this.link.write(wegentFrame('ack', result, id));
    } catch (error) {
      const hubError = toHubError(error);
      if (hubError.code === 'internal') this.link.log.error({ err: error, event }, 'wegent frame failed');
      this.link.write(this.error(id, hubError));
    }
  }

  private readonly handlers: { [E in WegentClientEvent]: (params: Params<E>) => Promise<Record<string, unknown>> } = {
    'chat:send': async (params) => {
      const scope = await this.chat(params.task_id);
      const result = await this.hub.messages.send(this.actor, {
        room: scope.room,
        content: params.content,
        client_id: params.client_id,
        thread_id: scope.thread_id ?? undefined,
      });
      // A retry's message was stored before: no event announces it again, so this socket is told here.
      if (result.duplicate) this.link.write(wegentFrame('chat:message', wegentMessage(scope.task_id, result.message)));
      return { task_id: scope.task_id, message_id: result.message.id, duplicate: result.duplicate };
    },
    'chat:cancel': async (params) => {
      const scope = await this.chat(params.task_id);
      const messageId = params.message_id ?? (await this.latestStreaming(scope));
      const message = await this.hub.messages.getMessage(this.actor, messageId);
      if (!inScope(scope, message)) throw new HubError('message_not_found');
      await this.hub.streams.cancelStream(this.actor, message.id);
      return { task_id: scope.task_id, message_id: message.id };
    },
    'task:join': async (params) => {
      const scope = await this.openChat(params.task_id);
      this.follow(scope);
      const task = await this.hub.tasks.get(this.actor, scope.task_id);
      return { task_id: scope.task_id, status: wegentStatus(task.status) };
    },
    'task:leave': async (params) => {
      // Only a task this socket follows can be left: any other is as unknown here as a missing one.
      if (!this.followed.delete(params.task_id))
        throw new HubError('task_not_found', 'This socket does not follow that task.');
      return { task_id: params.task_id };
    },
    'history:sync': (params) => this.historySync(params),
  };

  /** The newest reply of the chat still streaming. */
  private async latestStreaming(scope: ChatScope): Promise<string> {
    const page = await this.hub.history.page(this.actor, {
      room: scope.room,
      thread_id: scope.thread_id ?? undefined,
      limit: 50,
    });
    const streaming = page.messages.findLast((message) => message.status === 'streaming');
    if (!streaming) throw new HubError('not_streaming', 'No reply is streaming in this task’s chat.');
    return streaming.id;
  }

  /**
   * The chat's latest messages, or those after `after` less the ones this socket was already sent
   * live: every message committed since the socket opened comes live, every earlier one is in the
   * history, so a client that resumes from the last message it saw gets each message once.
   */
  private async historySync(params: Params<'history:sync'>): Promise<Record<string, unknown>> {
    const scope = await this.chat(params.task_id);
    let after: number | undefined;
    if (params.after !== undefined) {
      const from = await this.hub.messages.getMessage(this.actor, params.after);
      if (!inScope(scope, from)) throw new HubError('message_not_found');
      after = from.seq;
    }
    const page = await this.hub.history.page(this.actor, {
      room: scope.room,
      thread_id: scope.thread_id ?? undefined,
      after,
      limit: params.limit,
    });
    // A resume leaves out what came live; a first load (no `after`) is the page as it is.
    const followed = this.followed.get(scope.task_id);
    const sent = after === undefined ? undefined : followed?.sent;
    const given = page.messages.filter((message) => !sent?.has(message.id));
    if (followed) for (const message of given) remember(followed.paged, message.id, MAX_SENT);
    const messages = given.map((message) => wegentMessage(scope.task_id, message));
    this.link.write(wegentFrame('history:sync', { task_id: scope.task_id, messages, has_more: page.has_more }));
    const last = page.messages.at(-1);
    return { task_id: scope.task_id, count: messages.length, has_more: page.has_more, last: last?.id ?? null };
  }

  translate(frame: string): string | undefined {
    const hub = readHubFrame(frame);
    if (!hub) return undefined;
    if (hub.type === 'ready') {
      return wegentFrame('ready', { session_id: hub.session_id, member: hub.member.handle, task_id: this.own ?? null });
    }
    // Only the hub's own errors (the connection cap's): a request's error the dialect answers itself.
    if (hub.type === 'error') {
      return hub.id === undefined ? wegentFrame('error', { code: hub.code, message: hub.message }) : undefined;
    }
    if (hub.type === 'stream.delta') {
      const taskId = this.streams.get(hub.message) ?? this.ownRoomTask(hub.room);
      return taskId === undefined ? undefined : frameText(chunkEvent(taskId, hub));
    }
    if (hub.kind === 'message.created' || hub.kind === 'message.updated') {
      const message = hub.data;
      const followed = [...this.followed.values()].find((entry) => inScope(entry.scope, message));
      if (!followed) return undefined;
      const taskId = followed.scope.task_id;
      if (message.status === 'streaming') remember(this.streams, message.id, MAX_STREAMS, taskId);
      else this.streams.delete(message.id);
      if (hub.kind === 'message.created') {
        if (followed.paged.has(message.id)) return undefined;
        remember(followed.sent, message.id, MAX_SENT);
      }
      return frameText(messageEvent(taskId, hub.kind, message));
    }
    if (hub.kind === 'task.created' || hub.kind === 'task.updated') {
      const task = hub.data.task;
      // The personal channel hears of its member's own tasks from its watch.
      if (!this.followed.has(task.id) || (this.own === undefined && this.concerns(task))) return undefined;
      return wegentFrame('task:status', taskStatusOf(hub.data));
    }
    return undefined;
  }

  private ownRoomTask(room: string): string | undefined {
    for (const { scope } of this.followed.values())
      if (scope.room === room && scope.thread_id === null) return scope.task_id;
    return undefined;
  }

  private concerns(task: { creator: string; assignee: string | null }): boolean {
    const { handle } = this.actor;
    return task.creator === handle || task.assignee === handle;
  }

  /** The personal channel: every task its member created or is assigned, on whichever room it lives. */
  private onAnyEvent(event: StoredEvent): void {
    if (event.kind !== 'task.created' && event.kind !== 'task.updated') return;
    if (!this.concerns(event.data.task)) return;
    const name = event.kind === 'task.created' ? 'task:created' : 'task:status';
    this.link.write(wegentFrame(name, taskStatusOf(event.data)));
  }
}

/** Adds to a set or map kept in insertion order, dropping the oldest entry past `max`. */
function remember<V>(kept: Set<string> | Map<string, V>, key: string, max: number, value?: V): void {
  if (kept.size >= max) kept.delete(kept.keys().next().value!);
  if (kept instanceof Map) kept.set(key, value!);
  else kept.add(key);
}
