/**
 * What agents say they are doing (their activity status), per room and place (the room, or a
 * thread). A status lapses after the time the hub gave with it, so an agent that crashed never stays
 * "thinking" here even if the hub's own notice never arrives; the time is always passed in.
 */
import type { Action, ChatState } from './state.js';

export interface AgentStatus {
  member: string;
  /** The thread root's id, or null for the room itself. */
  thread: string | null;
  state: 'thinking' | 'tool' | 'waiting_approval';
  tool: string | null;
  /** Epoch ms. */
  until: number;
}

/** A status as a frame or the snapshot brings it; `idle` clears. */
export interface StatusUpdate {
  room: string;
  member: string;
  thread: string | null;
  state: AgentStatus['state'] | 'idle';
  tool: string | null;
  ttlMs: number;
}

export type ActivityAction =
  /** `snapshot`: what holds now in every room, replacing what was held (after a reconnect). */
  | { type: 'activity'; updates: StatusUpdate[]; snapshot: boolean; now: number }
  | { type: 'activity.swept'; now: number };

export function reduceActivity(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'activity': {
      const activity = action.snapshot ? {} : { ...state.activity };
      for (const update of action.updates) {
        const key = `${update.member} ${update.thread ?? ''}`;
        const room = { ...activity[update.room] };
        if (update.state === 'idle' || update.ttlMs <= 0) delete room[key];
        else room[key] = { ...update, state: update.state, until: action.now + update.ttlMs };
        activity[update.room] = room;
      }
      return { ...state, activity };
    }
    case 'activity.swept': {
      let changed = false;
      const activity: ChatState['activity'] = {};
      for (const [room, statuses] of Object.entries(state.activity)) {
        const live = Object.fromEntries(Object.entries(statuses).filter(([, status]) => status.until > action.now));
        if (Object.keys(live).length !== Object.keys(statuses).length) changed = true;
        activity[room] = live;
      }
      return changed ? { ...state, activity } : state;
    }
    default:
      return state;
  }
}
