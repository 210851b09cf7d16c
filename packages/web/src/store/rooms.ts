/**
 * The room list as this member sees it: each room's unread and mention counts, read cursor and
 * notification level, and how far this page has seen and counted each room's log.
 */
import type { Message, NotifyLevel, RoomSummary } from '@roundtable/protocol';
import { text, texts } from '../safe.js';
import { addressesMe } from './messages.js';
import type { Action, ChatState } from './state.js';

export type RoomAction =
  /** `watched` is the room the person is looking at, if any: its counts start at zero. */
  | { type: 'rooms.loaded'; rooms: RoomSummary[]; watched: string | undefined }
  | { type: 'room.seen'; room: string; seq: number }
  | { type: 'room.opened'; room: string }
  | { type: 'room.read'; room: string; seq: number }
  /** A new message to count as unread, unless the person is `watching` its room. */
  | { type: 'message.counted'; message: Message; watching: boolean }
  | { type: 'room.notify'; room: string; notify: NotifyLevel }
  | { type: 'room.left'; room: string }
  | { type: 'room.updated'; room: Partial<RoomSummary> }
  | { type: 'member.joined' | 'member.left'; room: string; member: string };

export function reduceRooms(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'ready':
    case 'rooms.loaded':
      return withCounts(state, action.rooms, action.watched);
    case 'room.seen':
      return { ...state, seenTo: seen(state.seenTo, [[action.room, action.seq]]) };
    case 'history.loaded':
      return {
        ...state,
        seenTo: seen(
          state.seenTo,
          action.messages.map((message) => [action.room, message.seq]),
        ),
      };
    case 'room.opened':
      return changeRoom(state, action.room, (room) => ({ ...room, unread: 0, mentions: 0 }));
    case 'room.read':
      if (isRead(state.rooms, action.room, action.seq)) return state;
      return changeRoom(state, action.room, (room) => ({ ...room, read_seq: action.seq }));
    case 'message.counted':
      return counted(state, action.message, action.watching);
    case 'room.notify':
      return changeRoom(state, action.room, (room) => ({ ...room, notify: action.notify }));
    case 'room.left':
      return { ...state, rooms: state.rooms.filter((room) => room.id !== action.room) };
    case 'conversation.deleted':
      return { ...state, rooms: state.rooms.filter((room) => room.id !== action.id) };
    case 'member.joined':
    case 'member.left': {
      // This member's own joins and leaves change which rooms it has: the list is loaded again instead.
      if (action.member === state.me?.handle) return state;
      const change = action.type === 'member.joined' ? 1 : -1;
      return changeRoom(state, action.room, (room) => ({ ...room, member_count: room.member_count + change }));
    }
    case 'room.updated':
      return {
        ...state,
        rooms: state.rooms.map((room) => (room.id === action.room.id ? { ...room, ...action.room } : room)),
      };
    default:
      return state;
  }
}

/**
 * Takes the hub's unread counts, which already include every message up to each room's
 * `last_seq`: replayed events up to there must not be counted a second time.
 */
function withCounts(state: ChatState, rooms: RoomSummary[], watched: string | undefined): ChatState {
  const countedTo = new Map(state.countedTo);
  for (const room of rooms) countedTo.set(room.id, room.last_seq);
  return {
    ...state,
    countedTo,
    seenTo: seen(
      state.seenTo,
      rooms.map((room) => [room.id, room.last_seq]),
    ),
    rooms: rooms.map((room) => (room.id === watched ? { ...room, unread: 0, mentions: 0 } : room)),
  };
}

function seen(
  seenTo: ReadonlyMap<string, number>,
  sightings: Array<[roomId: string, seq: number]>,
): ReadonlyMap<string, number> {
  const next = new Map(seenTo);
  for (const [roomId, seq] of sightings) next.set(roomId, Math.max(next.get(roomId) ?? 0, seq));
  return next;
}

function counted(state: ChatState, message: Message, watching: boolean): ChatState {
  const me = state.me?.handle ?? '';
  const room = state.rooms.find((item) => item.id === message.room);
  if (!room || alreadyCounted(state, message) || message.sender === me || watching) return state;
  // Every message of a direct room or a conversation is for this member: counting it as a mention says nothing more.
  const mention = room.kind !== 'direct' && room.kind !== 'conversation' && addressesMe(message, me, room);
  return changeRoom(state, room.id, (item) => ({
    ...item,
    unread: item.unread + 1,
    mentions: item.mentions + (mention ? 1 : 0),
  }));
}

function changeRoom(state: ChatState, roomId: string, change: (room: RoomSummary) => RoomSummary): ChatState {
  return { ...state, rooms: state.rooms.map((room) => (room.id === roomId ? change(room) : room)) };
}

/** Replays after a reconnect: the hub's counts already hold them, and they may have been read elsewhere. */
export function alreadyCounted(state: ChatState, message: Message): boolean {
  return message.seq <= (state.countedTo.get(message.room) ?? 0);
}

/** Whether the room's read cursor is already at `seq` or past it, so there is nothing to tell the hub. */
export function isRead(rooms: RoomSummary[], roomId: string, seq: number): boolean {
  const room = rooms.find((item) => item.id === roomId);
  return room !== undefined && seq <= room.read_seq;
}

export function roomTitle(room: Pick<RoomSummary, 'kind' | 'name' | 'members' | 'title'>): string {
  if (room.kind === 'conversation') return text(room.title) || 'Conversation';
  return room.kind === 'direct'
    ? texts(room.members)
        .map((handle) => `@${handle}`)
        .join(', ')
    : `#${text(room.name) ?? ''}`;
}
