/**
 * A with-and-without comparison measured more than once. On this machine one saturated run of the
 * same hub swings by a quarter (a hub that falls behind commits bigger batches and catches up, or
 * does not), which is more than the few percent a feature like receipts costs; so the two variants
 * run in turns, A B B A …, to spread the machine's drift over both, and are compared by their medians.
 */
import { SIZES } from './options.js';
import type { Measured } from './processes.js';

export interface Pair<R> {
  without: Measured<R>[];
  with: Measured<R>[];
}

export async function inTurns<R>(
  without: () => Promise<Measured<R>>,
  withIt: () => Promise<Measured<R>>,
): Promise<Pair<R>> {
  const pair: Pair<R> = { without: [], with: [] };
  for (let round = 0; round < SIZES.pairs; round++) {
    if (round % 2 === 0) {
      pair.without.push(await without());
      pair.with.push(await withIt());
    } else {
      pair.with.push(await withIt());
      pair.without.push(await without());
    }
  }
  return pair;
}

/** The run whose figure is the median (the lower middle one of an even count), so its other figures come with it. */
export function medianRun<R>(runs: Measured<R>[], figure: (run: Measured<R>) => number | undefined): Measured<R> {
  const sorted = [...runs].sort((a, b) => (figure(a) ?? 0) - (figure(b) ?? 0));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The median of a figure over runs; undefined when any run lacks it. */
export function median<R>(runs: Measured<R>[], figure: (run: Measured<R>) => number | undefined): number | undefined {
  const values = runs.map(figure);
  if (values.some((value) => value === undefined)) return undefined;
  const sorted = (values as number[]).sort((a, b) => a - b);
  const middle = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(middle)] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** Each run's figure, for the line that says how far the runs spread. */
export const each = <R>(runs: Measured<R>[], figure: (run: Measured<R>) => number | undefined) =>
  runs.map((run) => figure(run)?.toFixed(0) ?? '—').join(', ');
