/** The printed tables: columns padded to their widest cell, figures that may be missing shown as a dash. */
export const fixed = (value: number | undefined, digits = 0) => (value === undefined ? '—' : value.toFixed(digits));
/** value / base, for results files; null when either is missing. */
export const ratioOf = (value: number | undefined, base: number | undefined): number | null =>
  value === undefined || base === undefined || base === 0 ? null : Number((value / base).toFixed(3));
export const ratio = (value: number | undefined, base: number | undefined) => {
  const of = ratioOf(value, base);
  return of === null ? '—' : `${of.toFixed(2)}x`;
};

export function table(header: string[], rows: string[][]): void {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ');
  console.log(line(header));
  for (const row of rows) console.log(line(row));
}
