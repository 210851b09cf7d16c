/**
 * Named parameters (@name) as the positional ones the drivers bind fastest: better-sqlite3 looks a
 * named parameter up by a string it makes on every run, and pg knows only $1, $2...
 */

export interface Positional {
  /** The SQL with each @name replaced by ? or $n; quoted text is left alone. */
  text: string;
  /** The names, in the order of the values to bind. */
  names: string[];
}

/**
 * `numbered`: one $n per name, however often it is used (PostgreSQL); otherwise one ? per use,
 * its name listed again each time (SQLite).
 */
export function positional(sql: string, numbered: boolean): Positional {
  const names: string[] = [];
  const text = sql.replace(/'(?:[^']|'')*'|(?<!@)@([A-Za-z_]\w*)/g, (match, name: string | undefined) => {
    if (name === undefined) return match;
    if (!numbered) {
      names.push(name);
      return '?';
    }
    const index = names.indexOf(name);
    return `$${index >= 0 ? index + 1 : names.push(name)}`;
  });
  return { text, names };
}

/** The values to bind for `names`, taken from the query's parameters. */
export function values(names: string[], params: object | undefined): unknown[] {
  const named = params as Record<string, unknown> | undefined;
  return names.map((name) => named?.[name]);
}
