/** Search: the messages a member may read that match some words, narrowed by room, sender, time or thread. */
import { z } from 'zod';
import { Limits } from './limits.js';
import { Handle, RoomRef, type Message } from './model.js';

/** A message a search found: `score` is higher for a better match (more of the words, rarer ones, younger). */
export interface SearchHit {
  message: Message;
  score: number;
}

const Time = z.string().datetime({ offset: true });

export const SearchRequestSchemas = {
  /**
   * Messages of the rooms you belong to (or of one room you may read) matching any of the words of
   * `query`, best first or newest first; paged by `offset`.
   */
  'messages.search': z.object({
    query: z.string().min(1).max(500),
    room: RoomRef.optional(),
    sender: Handle.optional(),
    /** Only messages sent at or after this time. */
    after: Time.optional(),
    /** Only messages sent before this time. */
    before: Time.optional(),
    /** true: only replies in threads; false: only messages outside threads; absent: both. */
    in_thread: z.boolean().optional(),
    sort: z.enum(['relevance', 'newest']).default('relevance'),
    offset: z.number().int().min(0).max(Limits.maxSearchOffset).default(0),
    limit: z.number().int().min(1).max(Limits.maxMemoryHits).default(20),
  }),
} as const;

export interface SearchResultMap {
  /** `next_offset` asks for the following page; null when this one was the last. */
  'messages.search': { hits: SearchHit[]; next_offset: number | null };
}
