/** The printed tables: columns padded to their widest cell, figures that may be missing shown as a dash. */
export const fixed = (value: number | undefined, digits = 0) => (value === undefined ? '—' : value.toFixed(digits));
export const ratio = (value: number | undefined, base: number | undefined) =>
  value === undefined || base === undefined || base === 0 ? '—' : `${(value / base).toFixed(2)}x`;

export function table(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
