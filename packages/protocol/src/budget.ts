/**
 * Tokens an agent spends per key (a room) over a rolling hour, and when it may say so again: kept by
 * the hub, which refuses an agent over its budget, and by an agent for its own budget.
 */
const HOUR_MS = 3_600_000;

export class TokenBudget {
  private readonly spent = new Map<string, Array<{ at: number; tokens: number }>>();
  /** Per room, until when the last "budget used up" notice holds: one per exhaustion, not one per message. */
  private readonly notifiedUntil = new Map<string, number>();

  constructor(
    private readonly perRoomPerHour: number,
    private readonly now: () => number,
  ) {}

  allows(room: string): boolean {
    return this.used(room) < this.perRoomPerHour;
  }

  spend(room: string, tokens: number): void {
    if (tokens <= 0) return;
    const entries = this.spent.get(room) ?? [];
    entries.push({ at: this.now(), tokens });
    this.spent.set(room, entries);
  }

  shouldNotify(room: string): boolean {
    if (this.now() < (this.notifiedUntil.get(room) ?? 0)) return false;
    this.notifiedUntil.set(room, this.now() + this.msUntilAllowed(room));
    return true;
  }

  /** How long until enough of the hour's spending has aged out for the room to be under budget. */
  msUntilAllowed(room: string): number {
    const entries = this.current(room);
    let used = entries.reduce((sum, entry) => sum + entry.tokens, 0);
    for (const entry of entries) {
      if (used < this.perRoomPerHour) break;
      used -= entry.tokens;
      if (used < this.perRoomPerHour) return Math.max(0, entry.at + HOUR_MS - this.now());
    }
    return 0;
  }

  /** Tokens spent in the last hour, in every room together. */
  usedInAllRooms(): number {
    let total = 0;
    for (const room of [...this.spent.keys()]) total += this.used(room);
    return total;
  }

  private used(room: string): number {
    return this.current(room).reduce((sum, entry) => sum + entry.tokens, 0);
  }

  private current(room: string): Array<{ at: number; tokens: number }> {
    const since = this.now() - HOUR_MS;
    const entries = (this.spent.get(room) ?? []).filter((entry) => entry.at > since);
    this.spent.set(room, entries);
    return entries;
  }
}
