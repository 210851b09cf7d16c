/**
 * The seam between the store's algorithms and its drivers. better-sqlite3 answers a statement at
 * once, inside the tick's transaction, and pg answers it a round trip later: an algorithm is written
 * once, as a generator that yields each statement and is handed back its result, and each driver
 * runs it in its own way, so neither shape is forced on the other.
 *
 * SQL names its parameters (@name); each driver binds them by position (see parameters.ts).
 */
import type { Row } from './records.js';

export type Params = Record<string, unknown>;

export interface Query {
  sql: string;
  /** Any object whose properties are named as the parameters; other properties are left alone. */
  params: object | undefined;
  /** Only the first row is wanted: SQLite stops there. */
  first?: boolean;
}

/** What a statement gave back: its rows (also those of RETURNING), and how many rows it changed. */
export interface Result {
  rows: Row[];
  changes: number;
}

export type Step<T> = Generator<Query, T, Result>;

export function* rows(sql: string, params?: object): Step<Row[]> {
  return (yield { sql, params }).rows;
}

export function* row(sql: string, params?: object): Step<Row | undefined> {
  return (yield { sql, params, first: true }).rows[0];
}

export function* changes(sql: string, params?: object): Step<number> {
  return (yield { sql, params }).changes;
}

/**
 * What a store asks of its database: to run a step made by `step(...args)`. A step is made anew
 * for each run, because a generator runs only once and a batch that failed may run again; and
 * `step` is a generator function defined once, not one made per call, which costs V8 far more.
 */
export interface SqlDriver {
  read<A extends unknown[], T>(step: (...args: A) => Step<T>, ...args: A): Promise<T>;
  /** Queued for the next batch; settles once that batch is committed (and, on SQLite, synced). */
  write<A extends unknown[], T>(step: (...args: A) => Step<T>, ...args: A): Promise<T>;
  /** A write queued behind the room's earlier ones, so that its messages commit in the order they were sent. */
  writeInRoom<A extends unknown[], T>(room: string, step: (...args: A) => Step<T>, ...args: A): Promise<T>;
  /** At once, in a transaction of its own: for restore, whose batches are its own. */
  transaction<A extends unknown[], T>(step: (...args: A) => Step<T>, ...args: A): Promise<T>;
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

let statementsRun = 0;

/** Statements run by the stores of this process, either driver's (not BEGIN, COMMIT or savepoints): for /metrics. */
export const statementCount = () => statementsRun;

/** Runs a step against a database that answers at once; a failing statement is thrown into the step. */
export function runNow<T>(step: Step<T>, execute: (query: Query) => Result): T {
  let next = step.next();
  while (!next.done) {
    statementsRun += 1;
    let result: Result;
    try {
      result = execute(next.value);
    } catch (error) {
      next = step.throw(error);
      continue;
    }
    next = step.next(result);
  }
  return next.value;
}

/** The same for a database that answers later. */
export async function runLater<T>(step: Step<T>, execute: (query: Query) => Promise<Result>): Promise<T> {
  let next = step.next();
  while (!next.done) {
    statementsRun += 1;
    let result: Result;
    try {
      result = await execute(next.value);
    } catch (error) {
      next = step.throw(error);
      continue;
    }
    next = step.next(result);
  }
  return next.value;
}
