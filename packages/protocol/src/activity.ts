/**
 * Activity status: what an agent is doing in a room or thread right now (thinking, running a tool,
 * waiting for an approval). Ephemeral like typing: never logged, lapses by itself unless refreshed.
 */
import { z } from 'zod';
import { Id, RoomRef } from './model.js';

export const ActivityState = z.enum(['thinking', 'tool', 'waiting_approval', 'idle']);
export type ActivityState = z.infer<typeof ActivityState>;

/** How long (ms) a state holds unless set again: hubs and the web UI drop it after this, so a crashed agent never stays "thinking". */
export const ACTIVITY_TTL_MS = 30_000;

export const ActivityRequestSchemas = {
  /** Sets your own state in a room (or one of its threads); `idle` clears it. `tool` names the tool (with `tool` and `waiting_approval`). */
  activity: z.object({
    room: RoomRef,
    thread_id: Id.optional(),
    state: ActivityState,
    tool: z.string().min(1).max(100).optional(),
  }),
  /** The states that hold now in one room, or in every room you are in: what a client that just connected shows. */
  'activity.list': z.object({ room: RoomRef.optional() }),
} as const;

/** One member's state in a room or thread. */
export interface Activity {
  room: string;
  thread_id: string | null;
  member: string;
  state: ActivityState;
  /** The tool's name with state `tool` (and `waiting_approval`, when given), otherwise null. */
  tool: string | null;
  /** How long from now the state lapses unless set again; 0 with `idle`. Relative, so clocks need not agree. */
  ttl_ms: number;
}

/** A state was set or cleared (`idle`, also when it lapsed). */
export interface ActivityFrame extends Activity {
  type: 'activity';
}

export interface ActivityResultMap {
  activity: { activity: Activity };
  'activity.list': { activity: Activity[] };
}
