/** Word search on PostgreSQL: tsvector expression indexes (a search vector is not data a dump should hold), ranked by ts_rank. */
import type { MemoryDialect } from '../sql/memory.js';

export const pgMemory: MemoryDialect = {
  search: (table, alias) => ({
    from: `${table} ${alias}, to_tsquery('simple', @terms) q`,
    // The same expression as the GIN index, so that the index answers.
    match: `to_tsvector('simple', ${alias}.content) @@ q`,
    score: `ts_rank(to_tsvector('simple', ${alias}.content), q) /
      (1.0 + EXTRACT(EPOCH FROM (@now::timestamptz - ${alias}.created_at::timestamptz)) / 2592000.0)`,
  }),
  // Each word a quoted lexeme, so that none is read as an operator.
  terms: (words) => words.map((word) => `'${word.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`).join(' | '),
};
