/**
 * Who is typing, per room and where (the room, or a thread). A signal lapses on its own after a
 * while, so a tab closed mid-sentence does not stay "typing" forever; the time is always passed in.
 */
import type { Action, ChatState } from './state.js';

/** How long a typing signal lasts without a renewal, in ms. */
export const TYPING_TTL_MS = 6_000;

export interface Typing {
  /** Epoch ms. */
  until: number;
  /** The thread root's id, or null for the room itself. */
  thread: string | null;
}

export type TypingAction =
  | { type: 'typing'; room: string; member: string; active: boolean; thread: string | null; now: number }
  | { type: 'typing.swept'; now: number };

export function reduceTyping(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'typing': {
      const room = { ...state.typing[action.room] };
      if (action.active) room[action.member] = { until: action.now + TYPING_TTL_MS, thread: action.thread };
      else delete room[action.member];
      return { ...state, typing: { ...state.typing, [action.room]: room } };
    }
    case 'typing.swept':
      return swept(state, action.now);
    default:
      return state;
  }
}

function swept(state: ChatState, now: number): ChatState {
  let changed = false;
  const typing: ChatState['typing'] = {};
  for (const [room, members] of Object.entries(state.typing)) {
    const live = Object.fromEntries(Object.entries(members).filter(([, signal]) => signal.until > now));
    if (Object.keys(live).length !== Object.keys(members).length) changed = true;
    typing[room] = live;
  }
  return changed ? { ...state, typing } : state;
}
