/** The memory slice of the Store: word search over messages, and the notes members keep for themselves. */
import type { Message } from '@roundtable/protocol';

/** A word search: `terms` are lowercased words; a match has any of them, the more and the rarer the better. */
export interface SearchQuery {
  terms: string[];
  limit: number;
  /** The present, ISO: the score halves for every 30 days of age. */
  now: string;
}

/** Messages that are complete and not deleted, in these rooms, narrowed by the filters that are given. */
export interface MessageSearch extends SearchQuery {
  roomIds: string[];
  /** The sender's handle. */
  sender?: string;
  /** ISO times: at or after `afterTime`, before `beforeTime`. */
  afterTime?: string;
  beforeTime?: string;
  /** true: thread replies only; false: messages outside threads only. */
  inThread?: boolean;
  /** Best match first (the default), or newest first. */
  order?: 'relevance' | 'newest';
  /** Hits to skip, for the pages after the first. */
  offset?: number;
}

export interface NoteRecord {
  id: string;
  member_id: string;
  room_id: string | null;
  content: string;
  created_at: string;
}

export interface MemoryStore {
  /**
   * Best first: relevance over recency (score > 0, higher is better), or newest first when asked.
   * Deleted rooms are never searched.
   */
  searchMessages(query: MessageSearch): Promise<Array<{ message: Message; score: number }>>;
  insertNote(note: NoteRecord): Promise<NoteRecord>;
  /** One member's notes, best first, scored as `searchMessages` scores. */
  searchNotes(memberId: string, query: SearchQuery): Promise<Array<{ note: NoteRecord; score: number }>>;
}
