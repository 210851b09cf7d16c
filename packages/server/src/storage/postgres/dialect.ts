/** PostgreSQL's SQL: jsonb and boolean columns (pg converts both), arrays as parameters, tsvector for words. */
import type { Dialect } from '../sql/dialect.js';
import { pgMemory } from './memory.js';
import { pgMessages } from './messages.js';
import { pgTasks } from './tasks.js';

/** The advisory lock that serializes file reservations across instances (any fixed number). */
const RESERVATIONS_LOCK = 7_311_021;
/** The advisory lock that makes a new handle's check and insert one step across instances (members and groups share them). */
const HANDLES_LOCK = 7_311_022;

export const pgDialect: Dialect = {
  bool: (value) => value,
  readBool: (value) => value === true,
  readJson: (value) => value,
  anyOf(column, name, values, params) {
    params[name] = values;
    return `${column} = ANY(@${name})`;
  },
  tuples(name, types, rows, params) {
    params[name] = JSON.stringify(rows);
    return `SELECT ${types.map((type, index) => `(value ->> ${index})::${type}`).join(', ')} FROM jsonb_array_elements(@${name}::jsonb)`;
  },
  holdsId(column, name, id, params) {
    params[name] = id;
    return `jsonb_exists(${column}, @${name})`;
  },
  elements: (column, alias) => `jsonb_array_elements_text(${column}) AS ${alias}(value)`,
  least: (a, b) => `least(${a}, ${b})`,
  jsonArray: (expression, orderBy) => `json_agg(${expression} ORDER BY ${orderBy})`,
  insertIgnore: (into, rows) => `INSERT INTO ${into} ${rows} ON CONFLICT DO NOTHING`,
  columns: 'SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema()',
  isUniqueViolation: (error) =>
    typeof error === 'object' && error !== null && 'code' in error && error.code === '23505',
  // The check and the insert must not interleave with another instance's: one reserver at a time, until commit.
  reservationsLock: `SELECT pg_advisory_xact_lock(${RESERVATIONS_LOCK})`,
  handlesLock: `SELECT pg_advisory_xact_lock(${HANDLES_LOCK})`,
  messages: pgMessages,
  memory: pgMemory,
  tasks: pgTasks,
};
