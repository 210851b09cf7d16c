import type { Clock } from '@roundtable/server';

/** Real time plus an offset the test moves forward: leases expire without waiting for them. */
export class SkewClock implements Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}
