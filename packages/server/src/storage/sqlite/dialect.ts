/** SQLite's SQL: no JSON or boolean column type, one parameter per list element, FTS5 for words. */
import type { Dialect } from '../sql/dialect.js';
import { sqliteMemory } from './memory.js';
import { sqliteMessages } from './messages.js';
import { sqliteTasks } from './tasks.js';

export const sqliteDialect: Dialect = {
  bool: (value) => (value ? 1 : 0),
  readBool: (value) => value === 1,
  readJson: (value) => (typeof value === 'string' ? JSON.parse(value) : value),
  anyOf(column, name, values, params) {
    values.forEach((value, index) => (params[`${name}${index}`] = value));
    return `${column} IN (${values.map((_, index) => `@${name}${index}`).join(', ')})`;
  },
  tuples(name, types, rows, params) {
    params[name] = JSON.stringify(rows);
    return `SELECT ${types.map((_, index) => `value ->> ${index}`).join(', ')} FROM json_each(@${name})`;
  },
  // Ids hold no quote or comma, so the quoted id found in the JSON text is an element.
  holdsId(column, name, id, params) {
    params[name] = JSON.stringify(id);
    return `instr(${column}, @${name}) > 0`;
  },
  elements: (column, alias) => `json_each(${column}) ${alias}`,
  least: (a, b) => `min(${a}, ${b})`,
  jsonArray: (expression, orderBy) => `json_group_array(${expression} ORDER BY ${orderBy})`,
  insertIgnore: (into, rows) => `INSERT OR IGNORE INTO ${into} ${rows}`,
  columns: `SELECT m.name AS table_name, p.name AS column_name
    FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table'`,
  isUniqueViolation: (error) =>
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY'),
  // One writer at a time: the check and the insert cannot interleave with another's.
  reservationsLock: undefined,
  handlesLock: undefined,
  messages: sqliteMessages,
  memory: sqliteMemory,
  tasks: sqliteTasks,
};
