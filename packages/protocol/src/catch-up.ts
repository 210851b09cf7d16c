/** Catching up: what happened in a room (or thread) since a member last spoke there. */
import { z } from 'zod';
import { Limits } from './limits.js';
import { Id, RoomRef, type Message } from './model.js';

export const CatchUpRequestSchemas = {
  /**
   * The messages of a room you are in (or of one thread) after your own last message there: the
   * newest `limit` of them, oldest first. `has_more` says earlier ones since then were left out (read
   * them with `history` before the first seq). Without a message of yours there, the newest messages.
   */
  since_last_spoke: z.object({
    room: RoomRef,
    thread_id: Id.optional(),
    limit: z.number().int().min(1).max(Limits.maxPageSize).default(50),
  }),
} as const;

export interface CatchUpResultMap {
  since_last_spoke: {
    /** Your last message there, or null when you have not spoken there. */
    last_spoke: { message: string; seq: number; at: string } | null;
    messages: Message[];
    /** Messages after `last_spoke` and before the first one here were left out. */
    has_more: boolean;
  };
}
