/** The dump slice of the Store: every row out, for export, and back in, for import (see core/dump.ts). */
import type { DumpRecord } from '../dump.js';

export interface DumpStore {
  /** Every row of the store (or of one room, with its members), table by table, for export. */
  dump(roomId?: string): AsyncIterable<DumpRecord>;
  /** Writes dumped rows, skipping those already present; returns how many were written. */
  restore(records: AsyncIterable<DumpRecord>, onProgress?: (written: number) => void): Promise<number>;
}
