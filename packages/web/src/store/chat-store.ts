/**
 * The chat's state outside React, and the one place that talks to the SDK. What the client reports
 * goes through `dispatch.ts` into actions, which the feature reducers (`state.ts`) turn into the
 * next state; this class keeps that state, tells the components that read it through `useChat`,
 * and does what no reducer may: requests, timers, storage and notifications.
 */
import {
  ClientClosedError,
  newClientId,
  RoundtableError,
  TimeoutError,
  ConnectionLostError,
  type EventFrame,
  type Member,
  type Message,
  type ReadyFrame,
  type Room,
  type RequestParams,
} from '@roundtable/client';
import type { NotifyLevel } from '@roundtable/protocol';
import type { Outgoing } from '../session.js';
import {
  deltaAction,
  eventAction,
  leaseAction,
  partAction,
  presenceAction,
  readAction,
  typingAction,
  activityAction,
} from './dispatch.js';
import { Jumps } from './jump.js';
import { reactionsOf } from './messages.js';
import { notificationOf, shouldNotify } from './notifications.js';
import { retryDelay } from './outbox.js';
import { alreadyCounted, isRead } from './rooms.js';
import { followsGap } from './streams.js';
import { TaskCalls } from './task-calls.js';

const PAGE = 50;
/** How long a burst of messages in conversations is gathered before the conversation list is reloaded. */
const CONVERSATIONS_RELOAD_MS = 300;
/** Conversations loaded at a time: the first page, then one more each time the list is scrolled to its end. */
const CONVERSATIONS_PAGE = 30;
/** Codes after which re-sending the same message cannot succeed: it is shown as failed instead. */
const RETRYABLE = (error: unknown) =>
  error instanceof TimeoutError ||
  error instanceof ConnectionLostError ||
  (error instanceof RoundtableError && (error.code === 'rate_limited' || error.code === 'shutting_down'));

export interface Notifier {
  (title: string, body: string, roomId: string): void;
}

export class ChatStore extends TaskCalls {
  private readonly offs: Array<() => void> = [];
  private readonly notify: Notifier;
  private readonly isVisible: () => boolean;
  private current: string | undefined;
  private readonly refetching = new Set<string>();
  private resent = false;
  private conversationsTimer: ReturnType<typeof setTimeout> | undefined;
  private loadingConversations = false;
  private typingSweep: ReturnType<typeof setInterval> | undefined;
  private readonly receiptsAsked = new Set<string>();
  /** Paging down from an older window, and opening a room at a message. */
  readonly jumps: Jumps;

  constructor(options: { token: string; url: string; notify: Notifier; isVisible: () => boolean }) {
    super(options);
    this.notify = options.notify;
    this.isVisible = options.isVisible;
    this.jumps = new Jumps({
      history: (room, options) => this.client.history(room, options),
      message: async (id) => (await this.client.request('message.get', { message: id })).message,
      state: () => this.state,
      apply: (action) => this.apply(action),
      fail: (error) => this.fail(error),
    });
  }

  start(onFinalFailure: (error: RoundtableError) => void): void {
    const client = this.client;
    this.offs.push(
      client.on('ready', (ready) => this.onReady(ready)),
      client.on('state', (connection) => this.apply({ type: 'connection', connection })),
      client.on('event', (event) => this.onEvent(event)),
      client.on('delta', (frame) => {
        const before = this.state.streams;
        this.apply(deltaAction(frame));
        // A delta already held changes nothing, and its gap (if any) is already being filled.
        if (this.state.streams !== before && followsGap(this.state.streams[frame.message], frame.index)) {
          this.refetchStream(frame.message);
        }
      }),
      client.on('part', (frame) => this.apply(partAction(frame))),
      client.on('typing', (frame) => this.apply(typingAction(frame, Date.now()))),
      client.on('activity', (frame) => this.apply(activityAction([frame], Date.now(), false))),
      client.on('presence', (frame) => this.apply(presenceAction(frame))),
      client.on('read', (frame) => this.apply(readAction(frame))),
      client.on('receipt', (frame) => this.apply({ type: 'receipt', frame })),
      client.on('notice', (frame) => this.apply({ type: 'notice', frame })),
      client.on('task.lease', (frame) => {
        const action = leaseAction(frame);
        if (action) this.apply(action);
      }),
      client.on('error', (failure) => {
        if (['auth_failed', 'auth_required', 'member_disabled'].includes(failure.code)) onFinalFailure(failure);
        else this.apply({ type: 'error', message: failure.message });
      }),
    );
    this.typingSweep = setInterval(() => {
      this.apply({ type: 'typing.swept', now: Date.now() });
      this.apply({ type: 'activity.swept', now: Date.now() });
    }, 1_000);
    this.stopped = false;
    client.connect().catch(() => {});
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const off of this.offs.splice(0)) off();
    clearInterval(this.typingSweep);
    clearTimeout(this.conversationsTimer);
    await this.client.close();
  }

  /** The room the person is looking at: the one open here, while the tab is visible. */
  private watched(): string | undefined {
    return this.isVisible() ? this.current : undefined;
  }

  private onReady(ready: ReadyFrame): void {
    this.apply({ type: 'ready', me: ready.member, rooms: ready.rooms, watched: this.watched() });
    if (this.current) void this.loadMembers(this.current);
    void this.loadConversations();
    // Statuses are not replayed: what holds now is asked for at each (re)connection.
    this.client.request('activity.list', {}).then(
      (answer) => this.apply(activityAction(answer.activity, Date.now(), true)),
      () => undefined,
    );
    if (!this.resent) {
      this.resent = true;
      this.apply({ type: 'outbox.adopted', member: ready.member.handle });
      for (const outgoing of this.state.outbox) if (!outgoing.failed) void this.deliver(outgoing);
    }
  }

  private onEvent(event: EventFrame): void {
    this.apply({ type: 'room.seen', room: event.room, seq: event.seq });
    if (this.watched() === event.room) void this.markRead(event.room, event.seq);
    // A new message or a rename moves a conversation to the top: the first page is read again.
    const isConversation = this.state.rooms.some((room) => room.id === event.room && room.kind === 'conversation');
    if (isConversation && (event.kind.startsWith('message.') || event.kind === 'room.updated')) {
      this.conversationsChanged();
    }
    const action = eventAction(event);
    if (!action) return;
    this.apply(action);
    if (action.type === 'message.created') this.counted(action.message);
    if (action.type === 'member.joined' || action.type === 'member.left') {
      if (action.member === this.state.me?.handle) void this.refreshRooms();
      else if (this.state.members[event.room]) void this.loadMembers(event.room);
    }
  }

  private counted(message: Message): void {
    if (alreadyCounted(this.state, message)) return;
    if (this.state.rooms.some((item) => item.id === message.room)) {
      this.countAndNotify(message, true);
    } else {
      // A room someone just added us to (a new direct message): the refreshed list already counts it.
      void this.refreshRooms().then(() => this.countAndNotify(message, false));
    }
  }

  private countAndNotify(message: Message, count: boolean): void {
    const room = this.state.rooms.find((item) => item.id === message.room);
    if (!room) return;
    if (count) this.apply({ type: 'message.counted', message, watching: this.watched() === room.id });
    if (!this.isVisible() && shouldNotify(room.notify, message, this.state.me?.handle ?? '', room)) {
      const { title, body } = notificationOf(message, room);
      this.notify(title, body, room.id);
    }
  }

  async refreshRooms(): Promise<void> {
    try {
      const rooms = await this.client.rooms();
      this.apply({ type: 'rooms.loaded', rooms, watched: this.watched() });
      // A conversation one was just added to is newer than every page loaded: the first page is read again.
      if (rooms.some((room) => room.kind === 'conversation' && !this.state.conversations[room.id])) {
        this.conversationsChanged();
      }
    } catch (error) {
      this.fail(error);
    }
  }

  /** Opens a room: loads its newest page the first time, and clears its unread count. */
  async openRoom(roomId: string): Promise<void> {
    this.current = roomId;
    const loaded = this.state.views[roomId]?.loaded;
    this.apply({ type: 'room.opened', room: roomId });
    void this.loadMembers(roomId);
    if (loaded) {
      void this.markRead(roomId, this.state.seenTo.get(roomId) ?? 0);
      return;
    }
    const readAtOpen = this.state.views[roomId]!.readAtOpen;
    try {
      const page = await this.client.history(roomId, { limit: PAGE });
      this.apply({ type: 'history.loaded', room: roomId, messages: page.messages, hasMore: page.has_more, readAtOpen });
      if (this.current === roomId) void this.markRead(roomId, this.state.seenTo.get(roomId) ?? 0);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Loads the page before the oldest loaded message; resolves false when there was nothing more. */
  async loadOlder(roomId: string): Promise<boolean> {
    const view = this.state.views[roomId];
    if (!view?.loaded || !view.hasMore || view.loadingOlder) return false;
    this.apply({ type: 'older.loading', room: roomId });
    try {
      const page = await this.client.history(roomId, { limit: PAGE, before: view.messages[0]?.seq });
      this.apply({ type: 'older.loaded', room: roomId, messages: page.messages, hasMore: page.has_more });
      return page.messages.length > 0;
    } catch (error) {
      this.apply({ type: 'older.failed', room: roomId });
      this.fail(error);
      return false;
    }
  }

  /**
   * Opens the room of a message at that message (see jump.ts); resolves where it landed, or
   * undefined when the message cannot be read.
   */
  async openAt(messageId: string): Promise<{ room: string; thread: string | undefined } | undefined> {
    const landed = await this.guard(this.jumps.openAt(messageId));
    if (!landed) return undefined;
    this.current = landed.room;
    void this.loadMembers(landed.room);
    if (landed.root) void this.openThreadOf(landed.root);
    return { room: landed.room, thread: landed.root?.id };
  }

  /** One page of search results; undefined when the hub refused (the reason is shown as the error). */
  search(query: string, options: Omit<RequestParams<'messages.search'>, 'query'>) {
    return this.guard(this.client.searchMessages(query, options));
  }

  private refetchStream(messageId: string): void {
    if (this.refetching.has(messageId)) return;
    this.refetching.add(messageId);
    this.client
      .request('message.get', { message: messageId })
      .then(({ message }) => this.apply({ type: 'message.snapshot', message }))
      .catch(() => {})
      .finally(() => this.refetching.delete(messageId));
  }

  async loadMembers(roomId: string): Promise<void> {
    try {
      const members = await this.client.roomMembers(roomId);
      this.apply({ type: 'members.loaded', room: roomId, members });
    } catch (error) {
      if (!(error instanceof ClientClosedError)) this.fail(error);
    }
  }

  async openThreadOf(root: Message): Promise<void> {
    this.apply({ type: 'thread.opened', root });
    try {
      const replies: Message[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await this.client.history(root.room, { thread_id: root.id, limit: 200, before });
        replies.unshift(...page.messages.filter((message) => message.id !== root.id));
        if (!page.has_more || page.messages.length === 0) break;
        before = page.messages[0]!.seq;
      }
      this.apply({ type: 'thread.loaded', root: root.id, replies });
    } catch (error) {
      this.fail(error);
    }
  }

  async markRead(roomId: string, seq: number): Promise<void> {
    if (isRead(this.state.rooms, roomId, seq)) return;
    this.apply({ type: 'room.read', room: roomId, seq });
    await this.client.markRead(roomId, seq).catch(() => {});
  }

  /** Queues a message: it shows at once as sending, survives a reload, and is posted exactly once. */
  /** `action`: a `/me` message, shown as "* ada waves". */
  send(roomId: string, content: string, threadId?: string, action = false): void {
    const outgoing: Outgoing = {
      client_id: `web-${newClientId()}`,
      member: this.state.me?.handle ?? '',
      room: roomId,
      content,
      thread_id: threadId,
      created_at: new Date().toISOString(),
      ...(action ? { action: true as const } : {}),
    };
    this.apply({ type: 'outbox.queued', outgoing });
    void this.deliver(outgoing);
  }

  private async deliver(outgoing: Outgoing): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { message } = await this.client.send(outgoing.room, outgoing.content, {
          client_id: outgoing.client_id,
          thread_id: outgoing.thread_id,
          metadata: outgoing.action ? { action: true } : undefined,
        });
        this.apply({ type: 'message.acked', message, clientId: outgoing.client_id });
        return;
      } catch (error) {
        if (error instanceof ClientClosedError) return;
        if (!RETRYABLE(error)) {
          this.apply({ type: 'outbox.failed', clientId: outgoing.client_id, reason: (error as Error).message });
          return;
        }
        const wait = retryDelay(attempt, error instanceof RoundtableError ? error.retryAfterMs : undefined);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  retry(clientId: string): void {
    const outgoing = this.state.outbox.find((item) => item.client_id === clientId);
    if (!outgoing) return;
    this.apply({ type: 'outbox.retried', clientId });
    void this.deliver({ ...outgoing, failed: undefined });
  }

  discard(clientId: string): void {
    this.apply({ type: 'outbox.discarded', clientId });
  }

  async edit(messageId: string, content: string): Promise<void> {
    await this.guard(this.client.edit(messageId, content));
  }

  async remove(messageId: string): Promise<void> {
    await this.guard(this.client.delete(messageId));
  }

  async toggleReaction(message: Message, emoji: string): Promise<void> {
    const me = this.state.me?.handle ?? '';
    const mine = reactionsOf(message).some((reaction) => reaction.emoji === emoji && reaction.members.includes(me));
    await this.guard(mine ? this.client.unreact(message.id, emoji) : this.client.react(message.id, emoji));
  }

  /** The receipts of one of the person's messages, read once per page: frames keep them live after that. */
  loadReceipts(messageId: string): void {
    if (this.receiptsAsked.has(messageId)) return;
    this.receiptsAsked.add(messageId);
    this.client.receipts(messageId).then(
      (receipts) => this.apply({ type: 'receipts.loaded', message: messageId, receipts }),
      // Not worth an error banner: the message shows without its receipts, and a reload asks again.
      () => this.receiptsAsked.delete(messageId),
    );
  }

  async stopStream(messageId: string): Promise<void> {
    await this.guard(this.client.cancelStream(messageId));
  }

  /** Resolves false when the hub refused. */
  async setNotify(roomId: string, notify: NotifyLevel): Promise<boolean> {
    if (!(await this.guard(this.client.request('room.settings', { room: roomId, notify })))) return false;
    this.apply({ type: 'room.notify', room: roomId, notify });
    return true;
  }

  async createRoom(name: string, kind: 'public' | 'private', topic: string): Promise<string | undefined> {
    const room = await this.guard(this.client.createRoom({ name, kind, topic: topic || undefined }));
    await this.refreshRooms();
    return room?.id;
  }

  async join(roomId: string): Promise<void> {
    await this.guard(this.client.join(roomId));
    await this.refreshRooms();
  }

  /** Resolves false when the hub refused. */
  async leave(roomId: string): Promise<boolean> {
    const left = await this.guard(this.client.request('room.leave', { room: roomId }));
    if (!left) return false;
    this.apply({ type: 'room.left', room: roomId });
    return true;
  }

  /** Resolves false when the hub refused. */
  async invite(roomId: string, handle: string): Promise<boolean> {
    const invited = await this.guard(this.client.invite(roomId, handle).then(() => true));
    if (invited) await this.loadMembers(roomId);
    return invited === true;
  }

  /** Resolves false when the hub refused; the room's new topic arrives as its `room.updated` event. */
  async setTopic(roomId: string, topic: string): Promise<boolean> {
    return (await this.guard(this.client.request('room.update', { room: roomId, topic }).then(() => true))) === true;
  }

  publicRooms(): Promise<Room[] | undefined> {
    return this.guard(this.client.publicRooms());
  }

  /** Everyone on the hub, to start a direct conversation with. */
  directory(): Promise<Member[] | undefined> {
    return this.guard(this.client.members());
  }

  /** Loads the first page of conversations (title, last message, counts), which the room list does not carry. */
  async loadConversations(): Promise<void> {
    try {
      const page = await this.client.conversations({ limit: CONVERSATIONS_PAGE });
      this.apply({ type: 'conversations.loaded', conversations: page.conversations, next: page.next, more: false });
    } catch (error) {
      this.fail(error);
    }
  }

  /** Loads the page of conversations after those loaded; one load at a time. */
  async loadMoreConversations(): Promise<void> {
    const cursor = this.state.conversationsNext;
    if (!cursor || this.loadingConversations) return;
    this.loadingConversations = true;
    try {
      const page = await this.client.conversations({ limit: CONVERSATIONS_PAGE, cursor });
      this.apply({ type: 'conversations.loaded', conversations: page.conversations, next: page.next, more: true });
    } catch (error) {
      this.fail(error);
    } finally {
      this.loadingConversations = false;
    }
  }

  /** A burst of messages (a streamed reply, a catch-up) reloads the list once. */
  private conversationsChanged(): void {
    if (this.conversationsTimer) return;
    this.conversationsTimer = setTimeout(() => {
      this.conversationsTimer = undefined;
      void this.loadConversations();
    }, CONVERSATIONS_RELOAD_MS);
  }

  async startConversation(agent: string, content: string): Promise<string | undefined> {
    const started = await this.guard(this.client.startConversation(agent, content));
    if (!started) return undefined;
    await this.refreshRooms();
    await this.loadConversations();
    return started.conversation.id;
  }

  async renameConversation(id: string, title: string): Promise<void> {
    const conversation = await this.guard(this.client.renameConversation(id, title));
    if (conversation) this.apply({ type: 'conversation.renamed', id, conversation });
  }

  async deleteConversation(id: string): Promise<boolean> {
    const deleted = await this.guard(this.client.deleteConversation(id).then(() => true));
    if (!deleted) return false;
    this.apply({ type: 'conversation.deleted', id });
    return true;
  }

  async openDirect(handle: string): Promise<string | undefined> {
    const room = await this.guard(this.client.openDirect([handle]));
    await this.refreshRooms();
    return room?.id;
  }

  typing(roomId: string, active: boolean, threadId?: string): void {
    this.client.typing(roomId, active, threadId);
  }
}
