/** Word search over messages and notes, ranked by relevance over age, and the notes themselves. */
import type { Message } from '@roundtable/protocol';
import type { MemoryStore, MessageSearch, NoteRecord, SearchQuery } from '../../core/ports.js';
import type { Dialect } from './dialect.js';
import { messagesOf } from './messages.js';
import { changes, rows, type Params, type SqlDriver, type Step } from './step.js';

export interface MemoryDialect {
  /**
   * Full-text search over `table`, aliased `alias`: what to select from, the condition that the row
   * matches the words (@terms, from `terms`), and its score (higher is better), halved for every 30
   * days of age before @now.
   */
  search(table: 'messages' | 'notes', alias: string): { from: string; match: string; score: string };
  /** The words as the dialect's query text: any of them, each read as a word and never as an operator. */
  terms(words: string[]): string;
}

export function memoryStore(db: SqlDriver, d: Dialect): MemoryStore {
  const messages = d.memory.search('messages', 'm');
  const notes = d.memory.search('notes', 'n');
  return {
    searchMessages: (query) =>
      query.roomIds.length === 0 || query.terms.length === 0
        ? Promise.resolve([])
        : db.read(searchMessages, d, messages, query),
    insertNote: (note) => db.write(insertNote, note),
    searchNotes: (memberId, query) =>
      query.terms.length === 0 ? Promise.resolve([]) : db.read(searchNotes, d, notes, memberId, query),
  };
}

type FullText = ReturnType<MemoryDialect['search']>;

function* searchMessages(
  d: Dialect,
  search: FullText,
  query: MessageSearch,
): Step<Array<{ message: Message; score: number }>> {
  const params: Params = {
    now: query.now,
    terms: d.memory.terms(query.terms),
    limit: query.limit,
    offset: query.offset ?? 0,
    sender: query.sender,
    afterTime: query.afterTime,
    beforeTime: query.beforeTime,
  };
  const filters: Array<[unknown, string]> = [
    [query.sender, 'm.sender = @sender'],
    [query.afterTime, 'm.created_at >= @afterTime'],
    [query.beforeTime, 'm.created_at < @beforeTime'],
    [query.inThread === true || undefined, 'm.thread_id IS NOT NULL'],
    [query.inThread === false || undefined, 'm.thread_id IS NULL'],
  ];
  const where = filters.filter(([value]) => value !== undefined).map(([, clause]) => ` AND ${clause}`);
  const order = query.order === 'newest' ? 'm.created_at DESC, m.id DESC' : 'score DESC, m.created_at DESC, m.id DESC';
  const found = yield* rows(
    `SELECT m.*, ${search.score} AS score FROM ${search.from}
     WHERE ${search.match} AND ${d.anyOf('m.room_id', 'rooms', query.roomIds, params)}
       AND m.deleted_at IS NULL AND m.status = 'complete'${where.join('')}
     ORDER BY ${order} LIMIT @limit OFFSET @offset`,
    params,
  );
  return (yield* messagesOf(d, found)).map((message, index) => ({ message, score: Number(found[index]!.score) }));
}

function* insertNote(note: NoteRecord): Step<NoteRecord> {
  yield* changes(
    `INSERT INTO notes (id, member_id, room_id, content, created_at)
     VALUES (@id, @member_id, @room_id, @content, @created_at)`,
    note,
  );
  return note;
}

function* searchNotes(
  d: Dialect,
  search: FullText,
  memberId: string,
  query: SearchQuery,
): Step<Array<{ note: NoteRecord; score: number }>> {
  const found = yield* rows(
    `SELECT n.id, n.member_id, n.room_id, n.content, n.created_at, ${search.score} AS score FROM ${search.from}
     WHERE ${search.match} AND n.member_id = @member
     ORDER BY score DESC, n.created_at DESC LIMIT @limit`,
    { now: query.now, terms: d.memory.terms(query.terms), member: memberId, limit: query.limit },
  );
  return found.map(({ score, ...note }) => ({ note: note as unknown as NoteRecord, score: Number(score) }));
}
