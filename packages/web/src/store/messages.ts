/**
 * Loaded messages: each open room's pages of top-level messages, in seq order, and every change to
 * a message wherever it is loaded (a room's list, a thread's root, a thread's replies). A room
 * opened at an older message holds a window of its history: it pages up and down from there, and
 * what arrives live meanwhile waits in `held` until paging down reaches the live end.
 */
import type { Message, Reaction, RoomSummary } from '@roundtable/protocol';
import { num, records, text, texts } from '../safe.js';
import type { Action, ChatState } from './state.js';
import { withPart } from './streams.js';

export interface RoomView {
  /** Top-level messages, by seq; thread replies live in `threads`. */
  messages: Message[];
  hasMore: boolean;
  loaded: boolean;
  loadingOlder: boolean;
  /** Newer messages than the loaded ones exist on the hub: the list is not at the live end. */
  hasNewer: boolean;
  loadingNewer: boolean;
  /** Top-level messages that arrived live while `hasNewer`: joined to the list when paging down reaches them. */
  held: Message[];
  /** The message to scroll to and highlight; `at` tells a new request from one already shown. */
  focus: { id: string; at: number } | undefined;
  /** The read cursor when the room was opened: the unread divider sits after it. */
  readAtOpen: number;
}

export type MessageAction =
  /** `readAtOpen` recreates the view if it was dropped while the page loaded. */
  | { type: 'history.loaded'; room: string; messages: Message[]; hasMore: boolean; readAtOpen: number }
  | { type: 'older.loading'; room: string }
  | { type: 'older.loaded'; room: string; messages: Message[]; hasMore: boolean }
  | { type: 'older.failed'; room: string }
  /** A page that replaces what was loaded: around a message (`focus`), or the newest one again. */
  | {
      type: 'window.loaded';
      room: string;
      messages: Message[];
      hasMore: boolean;
      hasNewer: boolean;
      focus: RoomView['focus'];
      readAtOpen: number;
    }
  | { type: 'newer.loading'; room: string }
  | { type: 'newer.loaded'; room: string; messages: Message[]; hasNewer: boolean }
  | { type: 'newer.failed'; room: string }
  /** A loaded message to scroll to and highlight. */
  | { type: 'message.focused'; room: string; focus: NonNullable<RoomView['focus']> }
  | { type: 'message.created'; message: Message }
  /** The hub's answer to this page's own send, which may come before or after its event. */
  | { type: 'message.acked'; message: Message; clientId: string }
  | { type: 'message.updated'; message: Message }
  /** A message read again to fill a gap in its stream. */
  | { type: 'message.snapshot'; message: Message }
  | { type: 'message.deleted'; room: string; id: string }
  | { type: 'reaction'; room: string; id: string; emoji: string; member: string; added: boolean };

export function reduceMessages(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'room.opened': {
      const readSeq = state.rooms.find((room) => room.id === action.room)?.read_seq;
      const existing = state.views[action.room];
      // A loaded room keeps its page; one still loading starts again, as its page is asked for again.
      const view = existing?.loaded
        ? { ...existing, readAtOpen: readSeq ?? existing.readAtOpen }
        : emptyView(readSeq ?? 0);
      return { ...state, views: { ...state.views, [action.room]: view } };
    }
    case 'history.loaded': {
      const latest = state.views[action.room] ?? emptyView(action.readAtOpen);
      // A window opened at an older message while this page was asked for: joining them would leave a gap.
      if (latest.loaded && latest.hasNewer) return state;
      const messages = mergePage(latest.messages, topLevel(action.messages));
      return {
        ...state,
        views: { ...state.views, [action.room]: { ...latest, messages, hasMore: action.hasMore, loaded: true } },
      };
    }
    case 'older.loading':
      return changeView(state, action.room, (view) => ({ ...view, loadingOlder: true }));
    case 'older.loaded':
      return changeView(state, action.room, (view) => ({
        ...view,
        messages: mergePage(view.messages, topLevel(action.messages)),
        hasMore: action.hasMore,
        loadingOlder: false,
      }));
    case 'older.failed':
      return changeView(state, action.room, (view) => ({ ...view, loadingOlder: false }));
    case 'window.loaded':
      return { ...state, views: { ...state.views, [action.room]: windowView(state.views[action.room], action) } };
    case 'newer.loading':
      return changeView(state, action.room, (view) => ({ ...view, loadingNewer: true }));
    case 'newer.loaded':
      return changeView(state, action.room, (view) => {
        const messages = mergePage(view.messages, topLevel(action.messages));
        // At the live end, what arrived meanwhile joins the list: the page and `held` overlap, never leave a gap.
        return action.hasNewer
          ? { ...view, messages, loadingNewer: false }
          : { ...view, messages: mergePage(messages, view.held), held: [], hasNewer: false, loadingNewer: false };
      });
    case 'newer.failed':
      return changeView(state, action.room, (view) => ({ ...view, loadingNewer: false }));
    case 'message.focused':
      return changeView(state, action.room, (view) => ({ ...view, focus: action.focus }));
    case 'message.created':
      if (action.message.thread_id) return state;
      return changeView(state, action.message.room, (view) => withLive(view, action.message));
    case 'message.acked': {
      // The event may have come first, and an edit after it: the ack's copy must not replace it.
      const { message } = action;
      const view = state.views[message.room];
      if (
        message.thread_id ||
        [...(view?.messages ?? []), ...(view?.held ?? [])].some((item) => item.id === message.id)
      ) {
        return state;
      }
      return changeView(state, message.room, (latest) => withLive(latest, message));
    }
    case 'room.left':
      return withoutView(state, action.room);
    case 'conversation.deleted':
      return withoutView(state, action.id);
    case 'member.left':
      // Left (here or elsewhere): a later rejoin must load the room afresh, not resume a stale page.
      return action.member === state.me?.handle ? withoutView(state, action.room) : state;
    case 'message.updated':
    case 'message.snapshot':
      return changeMessage(state, action.message.room, action.message.id, () => action.message);
    case 'message.deleted':
      return changeMessage(state, action.room, action.id, (message) => ({
        ...message,
        deleted: true,
        content: '',
        parts: [],
      }));
    case 'reaction':
      return changeMessage(state, action.room, action.id, (message) =>
        withReaction(message, action.emoji, action.member, action.added),
      );
    case 'stream.part':
      return changeMessage(state, action.room, action.message, (message) =>
        message.status === 'streaming' ? { ...message, parts: withPart(message.parts, action.part) } : message,
      );
    default:
      return state;
  }
}

function emptyView(readAtOpen: number): RoomView {
  return {
    messages: [],
    hasMore: false,
    loaded: false,
    loadingOlder: false,
    hasNewer: false,
    loadingNewer: false,
    held: [],
    focus: undefined,
    readAtOpen,
  };
}

/** A message arriving live: into the list at the live end, else held until paging down reaches it. */
function withLive(view: RoomView, message: Message): RoomView {
  return view.hasNewer
    ? { ...view, held: upsert(view.held, message) }
    : { ...view, messages: upsert(view.messages, message) };
}

/**
 * The view a replacing page makes. What was loaded past the page's end (live messages that came
 * while it was asked for) is kept: in the list when the page reaches the live end, else held.
 */
function windowView(
  existing: RoomView | undefined,
  action: Extract<MessageAction, { type: 'window.loaded' }>,
): RoomView {
  const end = Math.max(0, ...action.messages.map((message) => message.seq));
  const later = [...(existing?.messages ?? []), ...(existing?.held ?? [])].filter((message) => message.seq > end);
  const page = topLevel(action.messages);
  return {
    ...emptyView(existing?.readAtOpen ?? action.readAtOpen),
    messages: action.hasNewer ? page : mergePage(page, later),
    held: action.hasNewer ? mergePage([], later) : [],
    hasMore: action.hasMore,
    hasNewer: action.hasNewer,
    loaded: true,
    focus: action.focus,
  };
}

function topLevel(messages: Message[]): Message[] {
  return messages.filter((message) => message.thread_id === null);
}

function changeView(state: ChatState, roomId: string, change: (view: RoomView) => RoomView): ChatState {
  const view = state.views[roomId];
  return view ? { ...state, views: { ...state.views, [roomId]: change(view) } } : state;
}

function withoutView(state: ChatState, roomId: string): ChatState {
  const views = { ...state.views };
  delete views[roomId];
  return { ...state, views };
}

/** Applies a change to a message wherever it is loaded: the room's list, a thread, a thread root. */
export function changeMessage(
  state: ChatState,
  roomId: string,
  id: string,
  change: (message: Message) => Message,
): ChatState {
  const view = state.views[roomId];
  const views = view
    ? {
        ...state.views,
        [roomId]: { ...view, messages: mapMessage(view.messages, id, change), held: mapMessage(view.held, id, change) },
      }
    : state.views;
  const threads = { ...state.threads };
  for (const [rootId, thread] of Object.entries(threads)) {
    threads[rootId] = {
      ...thread,
      root: thread.root?.id === id ? change(thread.root) : thread.root,
      replies: mapMessage(thread.replies, id, change),
    };
  }
  return { ...state, views, threads };
}

function bySeq(a: Message, b: Message): number {
  return a.seq - b.seq;
}

/** Inserts or replaces by id, keeping seq order; an update never revives a deleted message. */
export function upsert(list: Message[], message: Message): Message[] {
  const index = list.findIndex((item) => item.id === message.id);
  if (index === -1) {
    const next = [...list, message];
    return list.length > 0 && list[list.length - 1]!.seq > message.seq ? next.sort(bySeq) : next;
  }
  const next = [...list];
  next[index] = message;
  return next;
}

/** A page from history added to what is loaded: what live events already brought is kept, not doubled. */
export function mergePage(list: Message[], page: Message[]): Message[] {
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

/** A message's reactions that name an emoji, with who reacted and how many, whatever shape the rest had. */
export function reactionsOf(message: Message): Reaction[] {
  return records(message.reactions).flatMap((reaction) => {
    const emoji = text(reaction.emoji);
    const members = texts(reaction.members);
    return emoji === undefined ? [] : [{ emoji, members, count: num(reaction.count) ?? members.length }];
  });
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
