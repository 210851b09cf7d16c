/** What every load needs to take latencies: percentiles, and a quiet heap before the measured part. */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

/**
 * A full collection now, so no concurrent marking is under way while latencies are taken: pinned to
 * one core, V8's background GC threads take that core in slices of about 4 ms from the main thread.
 */
export function settleHeap(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
