/**
 * Presence across hub instances: each instance tells the others its members' local presence, and
 * sends a full snapshot as a heartbeat; an instance not heard from in three heartbeats is
 * forgotten, so a killed instance's members go offline by themselves.
 */
import type { PresenceStatus } from '@roundtable/protocol';

export interface RemotePresence {
  handle: string;
  status: 'online' | 'away';
}

export class PresenceBoard {
  private readonly instances = new Map<string, { seenAt: number; members: Map<string, RemotePresence> }>();

  constructor(private readonly expiryMs: number) {}

  /** One member's presence on one instance changed; `offline` removes it. */
  apply(instance: string, now: number, memberId: string, handle: string, status: PresenceStatus): void {
    const entry = this.instance(instance, now);
    if (status === 'offline') entry.members.delete(memberId);
    else entry.members.set(memberId, { handle, status });
  }

  /** Replaces what an instance is known to hold; returns the members whose entry changed. */
  snapshot(instance: string, now: number, members: Array<[string, RemotePresence]>): Map<string, string> {
    const entry = this.instance(instance, now);
    const changed = new Map<string, string>();
    const next = new Map(members);
    for (const [id, before] of entry.members) {
      const after = next.get(id);
      if (!after || after.status !== before.status) changed.set(id, before.handle);
    }
    for (const [id, after] of next) if (entry.members.get(id)?.status !== after.status) changed.set(id, after.handle);
    entry.members = next;
    return changed;
  }

  /** Forgets instances not heard from in time; returns the members they held (id to handle). */
  expire(now: number): Map<string, string> {
    const gone = new Map<string, string>();
    for (const [instance, entry] of this.instances) {
      if (now - entry.seenAt <= this.expiryMs) continue;
      for (const [id, member] of entry.members) gone.set(id, member.handle);
      this.instances.delete(instance);
    }
    return gone;
  }

  /** The best presence a member has on any other instance. */
  statusOf(memberId: string): PresenceStatus {
    let status: PresenceStatus = 'offline';
    for (const entry of this.instances.values()) {
      const member = entry.members.get(memberId);
      if (member?.status === 'online') return 'online';
      if (member) status = 'away';
    }
    return status;
  }

  private instance(instance: string, now: number) {
    let entry = this.instances.get(instance);
    if (!entry) {
      entry = { seenAt: now, members: new Map() };
      this.instances.set(instance, entry);
    }
    entry.seenAt = now;
    return entry;
  }
}
