/** The reservations slice of the Store: leases on file patterns, so that agents working side by side do not collide. */
import type { FileReservation } from '@roundtable/protocol';

export interface ReservationRequest {
  holder_id: string;
  holder: string;
  task_id: string | null;
  patterns: string[];
  mode: FileReservation['mode'];
  expires_at: string;
  /** Reservations that expired before this (ISO time) no longer count. */
  now: string;
}

/** Whether two path patterns can name a common file: the glob semantics stay in the core. */
export type PatternsOverlap = (a: string, b: string) => boolean;

export interface ReservationsStore {
  /**
   * Atomically, across instances: checks the patterns against every live reservation of other
   * holders (exclusive overlaps anything, shared overlaps exclusive) and, when none conflicts,
   * stores them (replacing the holder's own on the same patterns); otherwise stores nothing and
   * returns the conflicting ones.
   */
  reserveFiles(
    request: ReservationRequest,
    overlaps: PatternsOverlap,
  ): Promise<{ reservations: FileReservation[] } | { conflicts: FileReservation[] }>;
  /** Releases a holder's reservations (all, or those on `patterns`), or every reservation of a task. */
  releaseFiles(filter: { holder_id: string; patterns?: string[] } | { task_id: string }): Promise<number>;
  /** Moves the expiry of a task's reservations, as its lease is renewed. */
  extendReservations(taskId: string, expiresAt: string): Promise<void>;
  listReservations(now: string, holderId?: string): Promise<FileReservation[]>;
}
