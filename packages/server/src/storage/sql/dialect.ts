/**
 * Where SQLite and PostgreSQL really differ, and nothing else: column types (SQLite has no JSON or
 * boolean type), list parameters, a few functions and the upsert syntax, plus each feature's own
 * pieces (full-text search, the message insert, task JSON). The algorithms in this folder are
 * written once against it; storage/sqlite/ and storage/postgres/ implement it.
 */
import type { TableSpec } from '../../core/dump.js';
import type { MemoryDialect } from './memory.js';
import type { MessagesDialect } from './messages.js';
import type { Row } from './records.js';
import type { TasksDialect } from './tasks.js';
import { row, type Params, type Step } from './step.js';

export interface Dialect {
  /** A flag as bound: SQLite stores 0 or 1. */
  bool(value: boolean): unknown;
  /** A flag as read. */
  readBool(value: unknown): boolean;
  /** A JSON column as read: SQLite hands over its text, pg has parsed the jsonb already. */
  readJson(value: unknown): unknown;
  /** `column` is one of `values`: SQLite binds each value, PostgreSQL one array. Sets the parameters on `params`. */
  anyOf(column: string, name: string, values: readonly unknown[], params: Params): string;
  /**
   * `rows`, each a list of values of `types` in order, as a SELECT of one row each: for a row-value
   * `IN` of any length, bound as one JSON parameter. Sets it on `params`.
   */
  tuples(name: string, types: ReadonlyArray<'text' | 'integer'>, rows: readonly unknown[][], params: Params): string;
  /** The JSON array in `column` holds the id `id`. Sets the parameter on `params`. */
  holdsId(column: string, name: string, id: string, params: Params): string;
  /** The text elements of the JSON array in `column`, as a FROM item named `alias` with one column, `value`. */
  elements(column: string, alias: string): string;
  /** The smaller of two values (a scalar, not the aggregate). */
  least(a: string, b: string): string;
  /** Aggregates `expression` into a JSON array, in `orderBy` order. */
  jsonArray(expression: string, orderBy: string): string;
  /** An INSERT of `rows` (VALUES or SELECT) into `into` that skips rows already present. */
  insertIgnore(into: string, rows: string): string;
  /** Every column of every table, as rows of (table_name, column_name). */
  columns: string;
  isUniqueViolation(error: unknown): boolean;
  /** Taken before reading the live reservations, where other instances could reserve meanwhile. */
  reservationsLock: string | undefined;
  /** Taken before a new member's or group's handle is checked against both: another instance could take it meanwhile. */
  handlesLock: string | undefined;
  messages: MessagesDialect;
  memory: MemoryDialect;
  tasks: TasksDialect;
}

/** A row as core/dump.ts describes it (JSON parsed, flags as booleans), whatever the database's types. */
export function decode(d: Dialect, table: TableSpec, stored: Row): Row {
  const out: Row = { ...stored };
  for (const key of table.json ?? []) out[key] = d.readJson(out[key]);
  for (const key of table.bool ?? []) out[key] = d.readBool(out[key]);
  return out;
}

/** The reverse of `decode`: JSON as text (pg would send an array as a PostgreSQL array), flags as the dialect binds them. */
export function encode(d: Dialect, table: TableSpec, record: Row): Row {
  const out: Row = { ...record };
  for (const key of table.json ?? [])
    if (out[key] !== undefined && out[key] !== null) out[key] = JSON.stringify(out[key]);
  for (const key of table.bool ?? []) if (typeof out[key] === 'boolean') out[key] = d.bool(out[key] as boolean);
  return out;
}

/** JSON text for a column that may hold null. */
export function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

/**
 * UPDATE <table> SET <the patch's defined fields> WHERE <where> RETURNING *: the changed row, or
 * undefined when the patch is empty or no row matched. A patch names only what it changes.
 */
export function* update(
  d: Dialect,
  table: TableSpec,
  patch: object,
  where: string,
  params: Params,
): Step<Row | undefined> {
  const values = encode(d, table, Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined)));
  const keys = Object.keys(values);
  if (keys.length === 0) return undefined;
  for (const key of keys) params[`set_${key}`] = values[key];
  const sets = keys.map((key) => `${key} = @set_${key}`).join(', ');
  return yield* row(`UPDATE ${table.name} SET ${sets} WHERE ${where} RETURNING *`, params);
}
