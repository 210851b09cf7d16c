/**
 * The chat's state outside React: one SDK client, the rooms, each room's loaded messages, live
 * streams, presence, typing and the outbox. Components read snapshots through `useChat`; every
 * change replaces the objects it touches, so React sees it.
 */
import {
  ClientClosedError,
  newClientId,
  RestClient,
  RoundtableClient,
  RoundtableError,
  TimeoutError,
  ConnectionLostError,
  type ConnectionState,
  type Conversation,
  type EventFrame,
  type Member,
  type Message,
  type ReadyFrame,
  type Room,
  type RoomMember,
  type RoomSummary,
  type Task,
} from '@roundtable/client';
import { Limits, type MessagePart, type NotifyLevel, type PresenceStatus, type Reaction } from '@roundtable/protocol';
import { list, num, record, records, text, texts } from './safe.js';
import { loadOutbox, saveOutbox, type Outgoing } from './session.js';

const PAGE = 50;
/** How long a burst of messages in conversations is gathered before the conversation list is reloaded. */
const CONVERSATIONS_RELOAD_MS = 300;
/** A typing signal lapses after this long without a renewal, in ms, so a closed tab stops "typing". */
const TYPING_TTL_MS = 6_000;
/** Codes after which re-sending the same message cannot succeed: it is shown as failed instead. */
const RETRYABLE = (error: unknown) =>
  error instanceof TimeoutError ||
  error instanceof ConnectionLostError ||
  (error instanceof RoundtableError && (error.code === 'rate_limited' || error.code === 'shutting_down'));

export interface RoomView {
  /** Top-level messages, by seq; thread replies live in `threads`. */
  messages: Message[];
  hasMore: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  /** The read cursor when the room was opened: the unread divider sits after it. */
  readAtOpen: number;
}

export interface ThreadView {
  root: Message | undefined;
  replies: Message[];
  loaded: boolean;
}

export interface ChatState {
  connection: ConnectionState;
  me: Member | undefined;
  rooms: RoomSummary[];
  views: Record<string, RoomView>;
  threads: Record<string, ThreadView>;
  /** Deltas of streaming messages by index; a message's own `stream_deltas` says which its content holds. */
  streams: Record<string, string[]>;
  members: Record<string, RoomMember[]>;
  presence: Record<string, PresenceStatus>;
  /** Per room: who is typing, where (a thread root id, or null for the room), until when (epoch ms). */
  typing: Record<string, Record<string, Typing>>;
  outbox: Outgoing[];
  /** Tasks this person can see, by id, kept live from `task.*` events once the board was opened. */
  tasks: Record<string, Task>;
  /** The member's conversations with agents, by room id: title, last message and counts. */
  conversations: Record<string, Conversation>;
  tasksLoaded: boolean;
  error: string | undefined;
}

/** One move of a task, as its room's log tells it. */
export interface TaskMove {
  seq: number;
  at: string;
  actor: string;
  action: string;
  from: string | null;
  to: string;
}

export interface Typing {
  until: number;
  thread: string | null;
}

/** A streaming message's text: its content, then the deltas received after it, up to the first gap. */
export function streamedText(message: Message, deltas: string[] | undefined): string {
  let content = text(message.content) ?? '';
  if (message.status !== 'streaming' || !deltas) return content;
  const from = num(record(message.metadata).stream_deltas) ?? 0;
  for (let index = from; deltas[index] !== undefined; index += 1) content += deltas[index];
  return content;
}

/** A message's reactions that name an emoji, with who reacted and how many, whatever shape the rest had. */
export function reactionsOf(message: Message): Reaction[] {
  return records(message.reactions).flatMap((reaction) => {
    const emoji = text(reaction.emoji);
    const members = texts(reaction.members);
    return emoji === undefined ? [] : [{ emoji, members, count: num(reaction.count) ?? members.length }];
  });
}

/** What identifies a message in an event: without an id, a room and a seq, the event is ignored. */
function messageIn(data: unknown): Message | undefined {
  const message = record(data);
  const identified =
    text(message.id) !== undefined && text(message.room) !== undefined && num(message.seq) !== undefined;
  return identified ? (message as unknown as Message) : undefined;
}

export interface Notifier {
  (title: string, body: string, roomId: string): void;
}

function bySeq(a: Message, b: Message): number {
  return a.seq - b.seq;
}

/** Inserts or replaces by id, keeping seq order; an update never revives a deleted message. */
function upsert(list: Message[], message: Message): Message[] {
  const index = list.findIndex((item) => item.id === message.id);
  if (index === -1) {
    const next = [...list, message];
    return list.length > 0 && list[list.length - 1]!.seq > message.seq ? next.sort(bySeq) : next;
  }
  const next = [...list];
  next[index] = message;
  return next;
}

function mergePage(list: Message[], page: Message[]): Message[] {
  const known = new Set(list.map((message) => message.id));
  return [...page.filter((message) => !known.has(message.id)), ...list].sort(bySeq);
}

function mapMessage(list: Message[], id: string, change: (message: Message) => Message): Message[] {
  const index = list.findIndex((item) => item.id === id);
  if (index === -1) return list;
  const next = [...list];
  next[index] = change(list[index]!);
  return next;
}

function withReaction(message: Message, emoji: string, member: string, add: boolean): Message {
  const reactions = reactionsOf(message);
  let reaction = reactions.find((item) => item.emoji === emoji);
  if (add) {
    if (reaction?.members.includes(member)) return message;
    if (!reaction) {
      reaction = { emoji, count: 0, members: [] };
      reactions.push(reaction);
    }
    reaction.members.push(member);
    reaction.count += 1;
  } else {
    if (!reaction?.members.includes(member)) return message;
    reaction.members = reaction.members.filter((handle) => handle !== member);
    reaction.count -= 1;
  }
  return { ...message, reactions: reactions.filter((item) => item.count > 0) };
}

export function roomTitle(room: Pick<RoomSummary, 'kind' | 'name' | 'members' | 'title'>): string {
  if (room.kind === 'conversation') return text(room.title) || 'Conversation';
  return room.kind === 'direct'
    ? texts(room.members)
        .map((handle) => `@${handle}`)
        .join(', ')
    : `#${text(room.name) ?? ''}`;
}

/** Whether a message is addressed to this member: a mention, a target, `@all`, or a direct room. */
export function addressesMe(message: Message, me: string, room: RoomSummary | undefined): boolean {
  return (
    texts(message.mentions).includes(me) ||
    texts(message.targets).includes(me) ||
    message.mention_all === true ||
    room?.kind === 'direct' ||
    room?.kind === 'conversation'
  );
}

/** Whether a message from someone else should raise a browser notification at this room's level. */
export function shouldNotify(level: NotifyLevel, message: Message, me: string, room: RoomSummary | undefined): boolean {
  if (message.sender === me || level === 'muted') return false;
  return level === 'all' || addressesMe(message, me, room);
}

export class ChatStore {
  readonly client: RoundtableClient;
  private readonly rest: RestClient;
  private state: ChatState;
  private readonly listeners = new Set<() => void>();
  private readonly offs: Array<() => void> = [];
  private readonly notify: Notifier;
  private readonly isVisible: () => boolean;
  private current: string | undefined;
  /** Per room, the newest seq this page has seen: what "read" means when the person is looking. */
  private readonly seenTo = new Map<string, number>();
  private readonly refetching = new Set<string>();
  private resent = false;
  private conversationsTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = true;
  /** Per room, the seq up to which the unread counts already account for messages. */
  private readonly countedTo = new Map<string, number>();
  private typingSweep: ReturnType<typeof setInterval> | undefined;

  constructor(options: { token: string; url: string; notify: Notifier; isVisible: () => boolean }) {
    this.client = new RoundtableClient({ url: options.url, token: options.token });
    this.rest = new RestClient({ url: options.url, token: options.token });
    this.notify = options.notify;
    this.isVisible = options.isVisible;
    this.state = {
      connection: 'connecting',
      me: undefined,
      rooms: [],
      views: {},
      threads: {},
      streams: {},
      members: {},
      presence: {},
      typing: {},
      outbox: loadOutbox(),
      tasks: {},
      conversations: {},
      tasksLoaded: false,
      error: undefined,
    };
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): ChatState => this.state;

  private set(change: Partial<ChatState>): void {
    this.state = { ...this.state, ...change };
    for (const listener of this.listeners) listener();
  }

  start(onFinalFailure: (error: RoundtableError) => void): void {
    const client = this.client;
    this.offs.push(
      client.on('ready', (ready) => this.onReady(ready)),
      client.on('state', (connection) => this.set({ connection })),
      client.on('event', (event) => this.onEvent(event)),
      client.on('delta', (frame) => {
        const deltas = [...(this.state.streams[frame.message] ?? [])];
        if (deltas[frame.index] !== undefined) return;
        deltas[frame.index] = frame.delta;
        this.set({ streams: { ...this.state.streams, [frame.message]: deltas } });
        // Deltas lost across a reconnect leave a hole the text stops at: the message's snapshot fills it.
        if (frame.index > 0 && deltas[frame.index - 1] === undefined) this.refetchStream(frame.message);
      }),
      client.on('part', (frame) =>
        this.changeMessage(frame.room, frame.message, (message) =>
          message.status === 'streaming' ? { ...message, parts: withPart(message.parts, frame.part) } : message,
        ),
      ),
      client.on('typing', (frame) => {
        const room = { ...this.state.typing[frame.room] };
        if (frame.active) room[frame.member] = { until: Date.now() + TYPING_TTL_MS, thread: frame.thread_id };
        else delete room[frame.member];
        this.set({ typing: { ...this.state.typing, [frame.room]: room } });
      }),
      client.on('presence', (frame) =>
        this.set({ presence: { ...this.state.presence, [frame.member]: frame.status } }),
      ),
      client.on('read', (frame) => {
        const members = this.state.members[frame.room];
        if (!members) return;
        this.set({
          members: {
            ...this.state.members,
            [frame.room]: members.map((item) =>
              item.member === frame.member ? { ...item, read_seq: Math.max(item.read_seq, frame.seq) } : item,
            ),
          },
        });
      }),
      client.on('error', (failure) => {
        if (['auth_failed', 'auth_required', 'member_disabled'].includes(failure.code)) onFinalFailure(failure);
        else this.set({ error: failure.message });
      }),
    );
    this.typingSweep = setInterval(() => this.sweepTyping(), 1_000);
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

  private sweepTyping(): void {
    const now = Date.now();
    let changed = false;
    const typing: ChatState['typing'] = {};
    for (const [room, members] of Object.entries(this.state.typing)) {
      const live = Object.fromEntries(Object.entries(members).filter(([, typing]) => typing.until > now));
      if (Object.keys(live).length !== Object.keys(members).length) changed = true;
      typing[room] = live;
    }
    if (changed) this.set({ typing });
  }

  private onReady(ready: ReadyFrame): void {
    this.set({ me: ready.member, rooms: this.withCounts(ready.rooms), error: undefined });
    if (this.current) void this.loadMembers(this.current);
    void this.loadConversations();
    if (!this.resent) {
      this.resent = true;
      // What an earlier page of this member left unsent goes out now; another member's is dropped.
      const mine = this.state.outbox.filter((item) => item.member === ready.member.handle);
      if (mine.length !== this.state.outbox.length) this.setOutbox(mine);
      for (const outgoing of mine) if (!outgoing.failed) void this.deliver(outgoing);
    }
  }

  /**
   * Takes the hub's unread counts, which already include every message up to each room's
   * `last_seq`: replayed events up to there must not be counted a second time.
   */
  private withCounts(rooms: RoomSummary[]): RoomSummary[] {
    for (const room of rooms) {
      this.countedTo.set(room.id, room.last_seq);
      this.seenTo.set(room.id, Math.max(this.seenTo.get(room.id) ?? 0, room.last_seq));
    }
    return rooms.map((room) => (this.watching(room.id) ? { ...room, unread: 0, mentions: 0 } : room));
  }

  private watching(roomId: string): boolean {
    return roomId === this.current && this.isVisible();
  }

  private onEvent(event: EventFrame): void {
    this.seenTo.set(event.room, Math.max(this.seenTo.get(event.room) ?? 0, event.seq));
    if (this.watching(event.room)) void this.markRead(event.room, event.seq);
    if (this.state.conversations[event.room] && event.kind.startsWith('message.')) this.conversationsChanged();
    const data = record(event.data);
    switch (event.kind) {
      case 'message.created': {
        const message = messageIn(data);
        if (message) this.onMessage(message);
        return;
      }
      case 'message.updated': {
        const message = messageIn(data);
        if (message) this.replaceMessage(message);
        return;
      }
      case 'message.deleted': {
        const id = text(data.id);
        if (id === undefined) return;
        this.changeMessage(event.room, id, (message) => ({ ...message, deleted: true, content: '', parts: [] }));
        return;
      }
      case 'reaction.added':
      case 'reaction.removed': {
        const [id, emoji, member] = [text(data.message_id), text(data.emoji), text(data.member)];
        if (id === undefined || emoji === undefined || member === undefined) return;
        this.changeMessage(event.room, id, (message) =>
          withReaction(message, emoji, member, event.kind === 'reaction.added'),
        );
        return;
      }
      case 'member.joined':
      case 'member.left': {
        const member = text(data.member);
        if (member === undefined) return;
        if (member === this.state.me?.handle) {
          // Left (here or elsewhere): a later rejoin must load the room afresh, not resume a stale page.
          if (event.kind === 'member.left') this.dropView(event.room);
          void this.refreshRooms();
          return;
        }
        this.set({
          rooms: this.state.rooms.map((room) =>
            room.id === event.room
              ? { ...room, member_count: room.member_count + (event.kind === 'member.joined' ? 1 : -1) }
              : room,
          ),
        });
        if (this.state.members[event.room]) void this.loadMembers(event.room);
        return;
      }
      case 'task.created':
      case 'task.updated': {
        // The board keeps the newest version of each task: one without an id or a version cannot be placed.
        const task = record(data.task);
        const [id, version] = [text(task.id), num(task.version)];
        if (id === undefined || version === undefined) return;
        const known = this.state.tasks[id];
        if (!known || known.version < version) {
          this.set({ tasks: { ...this.state.tasks, [id]: task as unknown as Task } });
        }
        return;
      }
      case 'task.deleted': {
        const id = text(data.id);
        if (id === undefined) return;
        const tasks = { ...this.state.tasks };
        delete tasks[id];
        this.set({ tasks });
        return;
      }
      case 'room.updated': {
        const updated = record(data.room) as Partial<RoomSummary>;
        if (text(updated.id) === undefined) return;
        this.set({
          rooms: this.state.rooms.map((room) => (room.id === updated.id ? { ...room, ...updated } : room)),
        });
        return;
      }
    }
  }

  private onMessage(message: Message): void {
    const outbox = this.state.outbox.filter((item) => item.client_id !== message.client_id || !message.client_id);
    if (outbox.length !== this.state.outbox.length) this.setOutbox(outbox);
    this.addMessage(message);
    // Replays after a reconnect: the hub's counts already hold them, and they may have been read elsewhere.
    if (message.seq <= (this.countedTo.get(message.room) ?? 0)) return;
    if (this.state.rooms.some((item) => item.id === message.room)) {
      this.countAndNotify(message, true);
    } else {
      // A room someone just added us to (a new direct message): the refreshed list already counts it.
      void this.refreshRooms().then(() => this.countAndNotify(message, false));
    }
  }

  private countAndNotify(message: Message, count: boolean): void {
    const me = this.state.me?.handle ?? '';
    const room = this.state.rooms.find((item) => item.id === message.room);
    if (!room) return;
    if (count && message.sender !== me && !this.watching(room.id)) {
      const mention = room.kind !== 'direct' && room.kind !== 'conversation' && addressesMe(message, me, room);
      this.set({
        rooms: this.state.rooms.map((item) =>
          item.id === room.id
            ? { ...item, unread: item.unread + 1, mentions: item.mentions + (mention ? 1 : 0) }
            : item,
        ),
      });
    }
    if (!this.isVisible() && shouldNotify(room.notify, message, me, room)) {
      const where =
        room.kind === 'direct' ? 'direct message' : room.kind === 'conversation' ? 'conversation' : roomTitle(room);
      this.notify(`${text(message.sender) ?? '?'} (${where})`, (text(message.content) ?? '').slice(0, 200), room.id);
    }
  }

  private addMessage(message: Message): void {
    if (message.thread_id) {
      const thread = this.state.threads[message.thread_id];
      if (thread) {
        this.set({
          threads: {
            ...this.state.threads,
            [message.thread_id]: { ...thread, replies: upsert(thread.replies, message) },
          },
        });
      }
      // A reply the root already counts (replayed, or both acked and delivered) is not counted again.
      this.changeMessage(message.room, message.thread_id, (root) =>
        root.last_reply_at !== null && message.created_at <= root.last_reply_at
          ? root
          : { ...root, reply_count: root.reply_count + 1, last_reply_at: message.created_at },
      );
      return;
    }
    const view = this.state.views[message.room];
    if (!view) return;
    this.set({ views: { ...this.state.views, [message.room]: { ...view, messages: upsert(view.messages, message) } } });
  }

  private replaceMessage(message: Message): void {
    this.changeMessage(message.room, message.id, () => message);
    if (message.status !== 'streaming' && this.state.streams[message.id]) {
      const streams = { ...this.state.streams };
      delete streams[message.id];
      this.set({ streams });
    }
  }

  /** Applies a change to a message wherever it is loaded: the room's list, a thread, a thread root. */
  private changeMessage(roomId: string, id: string, change: (message: Message) => Message): void {
    const view = this.state.views[roomId];
    const views = view
      ? { ...this.state.views, [roomId]: { ...view, messages: mapMessage(view.messages, id, change) } }
      : this.state.views;
    const threads = { ...this.state.threads };
    for (const [rootId, thread] of Object.entries(threads)) {
      threads[rootId] = {
        ...thread,
        root: thread.root?.id === id ? change(thread.root) : thread.root,
        replies: mapMessage(thread.replies, id, change),
      };
    }
    this.set({ views, threads });
  }

  async refreshRooms(): Promise<void> {
    try {
      const rooms = await this.client.rooms();
      this.set({ rooms: this.withCounts(rooms) });
    } catch (error) {
      this.fail(error);
    }
  }

  /** Opens a room: loads its newest page the first time, and clears its unread count. */
  async openRoom(roomId: string): Promise<void> {
    this.current = roomId;
    const room = this.state.rooms.find((item) => item.id === roomId);
    this.set({
      rooms: this.state.rooms.map((item) => (item.id === roomId ? { ...item, unread: 0, mentions: 0 } : item)),
    });
    void this.loadMembers(roomId);
    const existing = this.state.views[roomId];
    if (existing?.loaded) {
      void this.markRead(roomId, this.seenTo.get(roomId) ?? 0);
      this.set({
        views: { ...this.state.views, [roomId]: { ...existing, readAtOpen: room?.read_seq ?? existing.readAtOpen } },
      });
      return;
    }
    const view: RoomView = {
      messages: [],
      hasMore: false,
      loaded: false,
      loadingOlder: false,
      readAtOpen: room?.read_seq ?? 0,
    };
    this.set({ views: { ...this.state.views, [roomId]: view } });
    try {
      const page = await this.client.history(roomId, { limit: PAGE });
      const latest = this.state.views[roomId] ?? view;
      const messages = mergePage(
        latest.messages,
        page.messages.filter((message) => message.thread_id === null),
      );
      this.set({
        views: { ...this.state.views, [roomId]: { ...latest, messages, hasMore: page.has_more, loaded: true } },
      });
      const newest = Math.max(this.seenTo.get(roomId) ?? 0, ...page.messages.map((message) => message.seq));
      this.seenTo.set(roomId, newest);
      if (this.current === roomId) void this.markRead(roomId, newest);
    } catch (error) {
      this.fail(error);
    }
  }

  /** Loads the page before the oldest loaded message; resolves false when there was nothing more. */
  async loadOlder(roomId: string): Promise<boolean> {
    const view = this.state.views[roomId];
    if (!view?.loaded || !view.hasMore || view.loadingOlder) return false;
    this.set({ views: { ...this.state.views, [roomId]: { ...view, loadingOlder: true } } });
    try {
      const page = await this.client.history(roomId, { limit: PAGE, before: view.messages[0]?.seq });
      const latest = this.state.views[roomId]!;
      const messages = mergePage(
        latest.messages,
        page.messages.filter((message) => message.thread_id === null),
      );
      this.set({
        views: { ...this.state.views, [roomId]: { ...latest, messages, hasMore: page.has_more, loadingOlder: false } },
      });
      return page.messages.length > 0;
    } catch (error) {
      this.set({ views: { ...this.state.views, [roomId]: { ...this.state.views[roomId]!, loadingOlder: false } } });
      this.fail(error);
      return false;
    }
  }

  private refetchStream(messageId: string): void {
    if (this.refetching.has(messageId)) return;
    this.refetching.add(messageId);
    this.client
      .request('message.get', { message: messageId })
      .then(({ message }) => this.changeMessage(message.room, message.id, () => message))
      .catch(() => {})
      .finally(() => this.refetching.delete(messageId));
  }

  async loadMembers(roomId: string): Promise<void> {
    try {
      const members = await this.client.roomMembers(roomId);
      const presence = { ...this.state.presence };
      for (const member of members) presence[member.member] = member.presence;
      this.set({ members: { ...this.state.members, [roomId]: members }, presence });
    } catch (error) {
      if (!(error instanceof ClientClosedError)) this.fail(error);
    }
  }

  async openThreadOf(root: Message): Promise<void> {
    this.set({ threads: { ...this.state.threads, [root.id]: { root, replies: [], loaded: false } } });
    try {
      const replies: Message[] = [];
      let before: number | undefined;
      for (;;) {
        const page = await this.client.history(root.room, { thread_id: root.id, limit: 200, before });
        replies.unshift(...page.messages.filter((message) => message.id !== root.id));
        if (!page.has_more || page.messages.length === 0) break;
        before = page.messages[0]!.seq;
      }
      const thread = this.state.threads[root.id]!;
      this.set({
        threads: {
          ...this.state.threads,
          [root.id]: { ...thread, replies: mergePage(thread.replies, replies), loaded: true },
        },
      });
    } catch (error) {
      this.fail(error);
    }
  }

  async markRead(roomId: string, seq: number): Promise<void> {
    const room = this.state.rooms.find((item) => item.id === roomId);
    if (room && seq <= room.read_seq) return;
    this.set({ rooms: this.state.rooms.map((item) => (item.id === roomId ? { ...item, read_seq: seq } : item)) });
    await this.client.markRead(roomId, seq).catch(() => {});
  }

  /** Queues a message: it shows at once as sending, survives a reload, and is posted exactly once. */
  send(roomId: string, content: string, threadId?: string): void {
    const outgoing: Outgoing = {
      client_id: `web-${newClientId()}`,
      member: this.state.me?.handle ?? '',
      room: roomId,
      content,
      thread_id: threadId,
      created_at: new Date().toISOString(),
    };
    this.setOutbox([...this.state.outbox, outgoing]);
    void this.deliver(outgoing);
  }

  private async deliver(outgoing: Outgoing): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { message } = await this.client.send(outgoing.room, outgoing.content, {
          client_id: outgoing.client_id,
          thread_id: outgoing.thread_id,
        });
        this.setOutbox(this.state.outbox.filter((item) => item.client_id !== outgoing.client_id));
        this.addIfMissing(message);
        return;
      } catch (error) {
        if (error instanceof ClientClosedError) return;
        if (!RETRYABLE(error)) {
          this.setOutbox(
            this.state.outbox.map((item) =>
              item.client_id === outgoing.client_id ? { ...item, failed: (error as Error).message } : item,
            ),
          );
          return;
        }
        // The same client_id makes a repeat harmless: the hub stores it once.
        const wait =
          error instanceof RoundtableError && error.retryAfterMs
            ? error.retryAfterMs
            : Math.min(8_000, 500 * 2 ** attempt);
        await new Promise((resolve) => setTimeout(resolve, wait));
      }
    }
  }

  private addIfMissing(message: Message): void {
    const view = this.state.views[message.room];
    if (message.thread_id) {
      const thread = this.state.threads[message.thread_id];
      if (thread && !thread.replies.some((item) => item.id === message.id)) this.addMessage(message);
      return;
    }
    if (view && !view.messages.some((item) => item.id === message.id)) this.addMessage(message);
  }

  retry(clientId: string): void {
    const outgoing = this.state.outbox.find((item) => item.client_id === clientId);
    if (!outgoing) return;
    const retried = { ...outgoing, failed: undefined };
    this.setOutbox(this.state.outbox.map((item) => (item.client_id === clientId ? retried : item)));
    void this.deliver(retried);
  }

  discard(clientId: string): void {
    this.setOutbox(this.state.outbox.filter((item) => item.client_id !== clientId));
  }

  private setOutbox(outbox: Outgoing[]): void {
    // A stopped store belongs to a signed-out identity: what it still had must not be saved for the next one.
    if (this.stopped) return;
    saveOutbox(outbox);
    this.set({ outbox });
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

  async stopStream(messageId: string): Promise<void> {
    await this.guard(this.client.cancelStream(messageId));
  }

  async setNotify(roomId: string, notify: NotifyLevel): Promise<void> {
    if (!(await this.guard(this.client.request('room.settings', { room: roomId, notify })))) return;
    this.set({ rooms: this.state.rooms.map((room) => (room.id === roomId ? { ...room, notify } : room)) });
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
    this.dropView(roomId);
    this.set({ rooms: this.state.rooms.filter((room) => room.id !== roomId) });
    return true;
  }

  private dropView(roomId: string): void {
    const views = { ...this.state.views };
    delete views[roomId];
    this.set({ views });
  }

  publicRooms(): Promise<Room[] | undefined> {
    return this.guard(this.client.publicRooms());
  }

  /** Everyone on the hub, to start a direct conversation with. */
  directory(): Promise<Member[] | undefined> {
    return this.guard(this.client.members());
  }

  /** Loads the conversation list (title, last message, counts), which the room list does not carry. */
  async loadConversations(): Promise<void> {
    try {
      const list = await this.client.conversations();
      this.set({ conversations: Object.fromEntries(list.map((conversation) => [conversation.id, conversation])) });
    } catch (error) {
      this.fail(error);
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
    if (conversation) this.set({ conversations: { ...this.state.conversations, [id]: conversation } });
  }

  async deleteConversation(id: string): Promise<boolean> {
    const deleted = await this.guard(this.client.deleteConversation(id).then(() => true));
    if (!deleted) return false;
    this.dropView(id);
    const conversations = { ...this.state.conversations };
    delete conversations[id];
    this.set({ rooms: this.state.rooms.filter((room) => room.id !== id), conversations });
    return true;
  }

  async openDirect(handle: string): Promise<string | undefined> {
    const room = await this.guard(this.client.openDirect([handle]));
    await this.refreshRooms();
    return room?.id;
  }

  /** Loads the task board: every task this person can see, newest first, page by page. */
  async loadTasks(): Promise<void> {
    const tasks: Record<string, Task> = {};
    let cursor: string | undefined;
    try {
      do {
        const page = await this.client.listTasks({ limit: 200, cursor });
        for (const task of page.tasks) tasks[task.id] = task;
        cursor = page.next ?? undefined;
      } while (cursor && Object.keys(tasks).length < 2_000);
    } catch (error) {
      this.fail(error);
      return;
    }
    // Events that arrived while the pages loaded are newer than what the pages said.
    for (const [id, live] of Object.entries(this.state.tasks)) {
      if (!tasks[id] || tasks[id].version < live.version) tasks[id] = live;
    }
    this.set({ tasks, tasksLoaded: true });
  }

  /** A task's moves, read from its room's log. */
  async taskHistory(roomId: string, taskId: string): Promise<TaskMove[]> {
    const moves: TaskMove[] = [];
    let after = 0;
    try {
      for (;;) {
        const page = await this.rest.get<{ events: EventFrame[]; has_more: boolean }>(
          `/api/v1/rooms/${roomId}/events`,
          { after, limit: 1000 },
        );
        for (const event of page.events) {
          const data = record(event.data);
          if (!event.kind.startsWith('task.') || record(data.task).id !== taskId) continue;
          moves.push({
            seq: event.seq,
            at: event.at,
            actor: event.actor,
            action: text(data.action) ?? '',
            from: text(data.from) ?? null,
            to: text(data.to) ?? '',
          });
        }
        if (!page.has_more || page.events.length === 0) return moves;
        after = page.events.at(-1)!.seq;
      }
    } catch (error) {
      this.fail(error);
      return moves;
    }
  }

  async decideTask(task: Task, decision: 'accept' | 'reject' | 'answer' | 'cancel', text = ''): Promise<void> {
    const work =
      decision === 'accept'
        ? this.client.acceptTask(task.id)
        : decision === 'reject'
          ? this.client.rejectTask(task.id, text)
          : decision === 'answer'
            ? this.client.answerTask(task.id, text)
            : this.client.cancelTask(task.id, text || undefined);
    const updated = await this.guard(work);
    if (updated) this.set({ tasks: { ...this.state.tasks, [updated.id]: updated } });
  }

  typing(roomId: string, active: boolean, threadId?: string): void {
    this.client.typing(roomId, active, threadId);
  }

  clearError(): void {
    this.set({ error: undefined });
  }

  private async guard<T>(work: Promise<T>): Promise<T | undefined> {
    try {
      return await work;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  private fail(error: unknown): void {
    if (error instanceof ClientClosedError) return;
    this.set({ error: error instanceof Error ? error.message : String(error) });
  }

  get limits(): typeof Limits {
    return this.client.session?.server.limits ?? Limits;
  }
}

/** A tool call replaces the one with its id where it stands, or comes last; the other parts stay as they came. */
function withPart(parts: unknown, part: MessagePart): MessagePart[] {
  const current = list(parts) as MessagePart[];
  const same = (existing: MessagePart) => record(existing).id === part.id;
  return current.some(same) ? current.map((existing) => (same(existing) ? part : existing)) : [...current, part];
}
