/**
 * The last seq seen per room: where each room resumes after a reconnect, and what makes a replayed
 * event count once.
 */
import type { Cursors, RoomSummary } from '@roundtable/protocol';

export class ResumeCursors {
  private readonly seqs: Map<string, number>;

  constructor(saved: Cursors = {}) {
    this.seqs = new Map(Object.entries(saved));
  }

  snapshot(): Cursors {
    return Object.fromEntries(this.seqs);
  }

  /**
   * Moves the room's cursor to `seq`; false, leaving it, when `seq` was already seen. Replays overlap
   * live delivery around a reconnect, so seen events are dropped; gaps are normal (agents only receive
   * what is addressed to them), so they are never an error.
   */
  advance(room: string, seq: number): boolean {
    const cursor = this.seqs.get(room);
    if (cursor !== undefined && seq <= cursor) return false;
    this.seqs.set(room, seq);
    return true;
  }

  /**
   * Rooms without a cursor start live now; recording where "now" is lets the next reconnect
   * resume them too, instead of silently skipping what they missed while disconnected.
   */
  startLive(rooms: readonly RoomSummary[]): void {
    for (const room of rooms) {
      if (!this.seqs.has(room.id)) this.seqs.set(room.id, room.last_seq);
    }
  }
}
