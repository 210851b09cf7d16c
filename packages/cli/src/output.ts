/** What commands print: plain lines and tables or JSON on stdout; notices, dimmed when on a terminal, on stderr. */

/** The ANSI dim attribute, only on a terminal and unless NO_COLOR (https://no-color.org) is set. */
export function dim(text: string, stream: NodeJS.WriteStream = process.stderr): string {
  return stream.isTTY && !process.env.NO_COLOR ? `\x1b[2m${text}\x1b[22m` : text;
}

export function print(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Indented for people reading `--json` output; `jq` and JSON.parse read it as well. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One JSON value per line, for streams of events that a reader parses as they come. */
export function printJsonLine(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

/** Human notices (what just happened, warnings): on stderr, so stdout stays what scripts capture. */
export function notice(line: string): void {
  process.stderr.write(`${dim(line)}\n`);
}

export function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Left-aligned columns under a header; the last column is not padded, so lines carry no trailing spaces. */
export function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  for (const row of [header, ...rows]) {
    const cells = row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)));
    print(cells.join('  ').trimEnd());
  }
}

/** One line of at most `max` characters, for free text in a table cell. */
export function oneLine(text: string, max = 60): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Local wall-clock time, `HH:MM:SS`. */
export function clock(iso: string): string {
  const date = new Date(iso);
  return [date.getHours(), date.getMinutes(), date.getSeconds()].map((part) => String(part).padStart(2, '0')).join(':');
}
