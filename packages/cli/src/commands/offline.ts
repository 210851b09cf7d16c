/** Opening the hub's SQLite database from the CLI, without a running hub or a token: how lost access is recovered. */
import { existsSync } from 'node:fs';
import type { Hub, SqliteStore } from '@roundtable/server';
import { CliError } from '../errors.js';

/**
 * Opens the store and runs `use` with a hub over it, so secrets are made and hashed exactly as the
 * running hub does it. No Hub.start(): nothing is created, nothing scheduled. The database is in WAL
 * mode, so this is safe while the hub runs, and the hub sees what was written at once.
 */
export async function withOfflineHub<T>(
  path: string,
  use: (hub: Hub, store: InstanceType<typeof SqliteStore>) => Promise<T>,
): Promise<T> {
  // Opening a missing path would create an empty database there: a typo must not look like success.
  if (!existsSync(path)) throw new CliError(`no database at ${path}`);
  const { createLogger, Hub, LocalBus, SqliteStore, VERSION } = await import('@roundtable/server');
  let store: InstanceType<typeof SqliteStore>;
  try {
    store = new SqliteStore({ path });
  } catch (cause) {
    // Not a SQLite file, or a schema newer than this CLI knows.
    throw new CliError(`cannot open ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
  try {
    return await use(new Hub({ store, bus: new LocalBus(), logger: createLogger('silent'), version: VERSION }), store);
  } finally {
    await store.close();
  }
}
