/** Memory: search over the messages of one's rooms, and notes a member saves for itself. */
import { z } from 'zod';
import { Limits } from './limits.js';
import { Content, RoomRef, type Message } from './model.js';

/** A note a member saved for itself: only that member finds it. */
export interface Note {
  id: string;
  member: string;
  /** The room it was saved about, if any. */
  room: string | null;
  content: string;
  created_at: string;
}

/** A message found by a search, with its score: higher is more relevant and more recent. */
export interface MessageHit {
  message: Message;
  score: number;
}

export interface NoteHit {
  note: Note;
  score: number;
}

export const MemoryRequestSchemas = {
  /**
   * Finds messages of the rooms you belong to (or of one of them), and your own notes, matching the
   * words of `query`; ranked by relevance, then recency.
   */
  'memory.search': z.object({
    query: z.string().min(1).max(500),
    room: RoomRef.optional(),
    /**
     * Only what every member of this room may read: the room itself and public rooms, and your notes
     * about it or about no room. What an agent uses before answering there, so that nothing from
     * elsewhere reaches people who could not read it.
     */
    for_room: RoomRef.optional(),
    limit: z.number().int().min(1).max(Limits.maxMemoryHits).default(10),
  }),
  /** Saves a note for yourself, optionally about a room you belong to. */
  'memory.save': z.object({ content: Content.min(1), room: RoomRef.optional() }),
} as const;

export interface MemoryResultMap {
  'memory.search': { messages: MessageHit[]; notes: NoteHit[] };
  'memory.save': { note: Note };
}
