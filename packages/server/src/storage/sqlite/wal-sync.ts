/**
 * Makes committed transactions durable off the event loop. With `synchronous=FULL` SQLite fsyncs the
 * WAL inside COMMIT, and the hub's only thread waits: at a steady 1,000 messages a second a COMMIT
 * took 1.5–2.4 ms, about half of it the fsync (0.65–1.3 ms without), and commits took a quarter of
 * the thread's time (bench, profiled). So the connection runs with `synchronous=NORMAL`, under
 * which SQLite still syncs around every checkpoint and when it starts to reuse the WAL, but not at
 * COMMIT, and the driver acknowledges a batch only after this fdatasync of the WAL, made on libuv's
 * thread pool, has returned, and reads wait for it too: an acknowledged write survives power loss,
 * as under FULL. One thing differs: a failed sync cannot undo its commit, so the driver then stops
 * taking writes (driver.ts).
 */
import { closeSync, fdatasync, openSync } from 'node:fs';

let syncsRun = 0;

/** fdatasync calls the SQLite stores of this process completed: for /metrics. */
export const walSyncCount = () => syncsRun;

export class WalSync {
  private fd: number | undefined;

  /** `databasePath` as SQLite resolved it; undefined for an in-memory database, with nothing to sync. */
  constructor(private readonly databasePath: string | undefined) {}

  /** Resolves once everything committed to the WAL so far is on disk. */
  sync(): Promise<void> {
    if (this.databasePath === undefined) return Promise.resolve();
    return new Promise((resolve, reject) => {
      let fd: number;
      try {
        // Opened at the first commit, when SQLite has made the file; its own descriptor is out of reach.
        fd = this.fd ??= openSync(`${this.databasePath}-wal`, 'r+');
      } catch (error) {
        reject(error);
        return;
      }
      fdatasync(fd, (error) => {
        if (error) return reject(error);
        syncsRun += 1;
        resolve();
      });
    });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}
