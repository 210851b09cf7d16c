/** Word search on SQLite: FTS5 tables beside messages and notes, kept by triggers, ranked by bm25. */
import type { MemoryDialect } from '../sql/memory.js';

export const sqliteMemory: MemoryDialect = {
  search: (table, alias) => ({
    from: `${table}_fts JOIN ${table} ${alias} ON ${alias}.rowid = ${table}_fts.rowid`,
    match: `${table}_fts MATCH @terms`,
    // bm25 is lower for a better match.
    score: `-bm25(${table}_fts) / (1.0 + (julianday(@now) - julianday(${alias}.created_at)) / 30.0)`,
  }),
  // Each word quoted, so that FTS5 never reads one as an operator (NOT, AND, NEAR...).
  terms: (words) => words.map((word) => `"${word.replaceAll('"', '""')}"`).join(' OR '),
};
