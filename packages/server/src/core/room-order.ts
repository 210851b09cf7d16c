/**
 * Each room's events reach this instance's sessions in seq order, once. Events from other
 * instances can arrive out of order or not at all (pub/sub drops messages while a connection is
 * down): a gap is held briefly, then filled from the room log, which is the source of truth.
 */
import type { StoredEvent } from './ports.js';

export interface RoomOrderOptions {
  /** Delivers one event to this instance's sessions. */
  deliver: (event: StoredEvent, frame: string) => void;
  /** Reads the room log after a seq, every event (no delivery-rule filter), oldest first. */
  readLog: (room: string, after: number, limit: number) => Promise<StoredEvent[]>;
  frameOf: (event: StoredEvent) => string;
  onError: (error: unknown, room: string) => void;
  /** How long (ms) an out-of-order event waits for the ones before it before the log is read. Default 100. */
  gapWaitMs?: number;
}

const FILL_PAGE = 500;

export class RoomOrder {
  private readonly delivered = new Map<string, number>();
  private readonly held = new Map<string, Map<number, { event: StoredEvent; frame: string }>>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly filling = new Set<string>();
  private readonly gapWaitMs: number;
  private stopped = false;

  constructor(private readonly options: RoomOrderOptions) {
    this.gapWaitMs = options.gapWaitMs ?? 100;
  }

  /** The highest seq delivered in order for a room, if this instance has seen the room. */
  position(room: string): number | undefined {
    return this.delivered.get(room);
  }

  /** A session starts watching a room whose log is at `seq`: the order starts there if it had not started. */
  watch(room: string, seq: number): void {
    if (!this.delivered.has(room)) this.delivered.set(room, seq);
  }

  accept(event: StoredEvent, frame: string): void {
    const last = this.delivered.get(event.room);
    if (last !== undefined && event.seq <= last) return;
    if (last === undefined || event.seq === last + 1) {
      this.emit(event, frame);
      this.release(event.room);
      return;
    }
    let held = this.held.get(event.room);
    if (!held) {
      held = new Map();
      this.held.set(event.room, held);
    }
    held.set(event.seq, { event, frame });
    if (!this.timers.has(event.room)) {
      const timer = setTimeout(() => void this.fill(event.room), this.gapWaitMs);
      timer.unref();
      this.timers.set(event.room, timer);
    }
  }

  /** After the bus may have lost messages: read every known room's log past what was delivered. */
  resyncAll(): void {
    for (const room of this.delivered.keys()) void this.fill(room);
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private emit(event: StoredEvent, frame: string): void {
    this.delivered.set(event.room, event.seq);
    this.options.deliver(event, frame);
  }

  private release(room: string): void {
    const held = this.held.get(room);
    if (!held) return;
    for (;;) {
      const next = held.get((this.delivered.get(room) ?? 0) + 1);
      if (!next) break;
      held.delete(next.event.seq);
      this.emit(next.event, next.frame);
    }
    for (const seq of held.keys()) if (seq <= (this.delivered.get(room) ?? 0)) held.delete(seq);
    if (held.size === 0) {
      this.held.delete(room);
      const timer = this.timers.get(room);
      if (timer) clearTimeout(timer);
      this.timers.delete(room);
    }
  }

  private async fill(room: string): Promise<void> {
    this.timers.delete(room);
    if (this.stopped || this.filling.has(room)) return;
    this.filling.add(room);
    try {
      for (;;) {
        const after = this.delivered.get(room) ?? 0;
        const events = await this.options.readLog(room, after, FILL_PAGE);
        for (const event of events) {
          if (event.seq === (this.delivered.get(room) ?? 0) + 1) this.emit(event, this.options.frameOf(event));
        }
        this.release(room);
        if (events.length < FILL_PAGE) break;
      }
    } catch (error) {
      this.options.onError(error, room);
      // The store is down: try again later; held events wait.
      if (!this.stopped && this.held.has(room) && !this.timers.has(room)) {
        const timer = setTimeout(() => void this.fill(room), 1_000);
        timer.unref();
        this.timers.set(room, timer);
      }
    } finally {
      this.filling.delete(room);
    }
  }
}
