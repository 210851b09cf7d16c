/**
 * The Store over any SQL database: each feature slice once, over one driver (how statements run)
 * and one dialect (what SQL differs). SqliteStore and PgStore extend it with how they open.
 */
import type { Store } from '../../core/ports.js';
import { agentDefinitionsStore } from './agent-definitions.js';
import { approvalsStore } from './approvals.js';
import type { Dialect } from './dialect.js';
import { dumpStore } from './dump.js';
import { groupsStore } from './groups.js';
import { logStore } from './log.js';
import { mailboxStore } from './mailbox.js';
import { membersStore } from './members.js';
import { memoryStore } from './memory.js';
import { messagesStore } from './messages.js';
import { receiptsStore } from './receipts.js';
import { reservationsStore } from './reservations.js';
import { roomsStore } from './rooms.js';
import { streamsStore } from './streams.js';
import { taskBatchesStore } from './task-batches.js';
import { tasksStore } from './tasks.js';
import { agentUsageStore } from './usage.js';
import type { SqlDriver } from './step.js';

/**
 * The slices' methods become the instance's own, so that SqliteStore and PgStore are whole Stores.
 * TypeScript cannot see what a constructor assigns, hence the cast; listing every method again would repeat each slice.
 */
export const SqlStore = class {
  constructor(db: SqlDriver, d: Dialect) {
    const store: Store = {
      ...membersStore(db, d),
      ...groupsStore(db, d),
      ...roomsStore(db, d),
      ...mailboxStore(db, d),
      ...messagesStore(db, d),
      ...streamsStore(db, d),
      ...receiptsStore(db, d),
      ...logStore(db, d),
      ...memoryStore(db, d),
      ...agentDefinitionsStore(db),
      ...tasksStore(db, d),
      ...taskBatchesStore(db, d),
      ...reservationsStore(db, d),
      ...agentUsageStore(db),
      ...approvalsStore(db, d),
      ...dumpStore(db, d),
      ready: () => db.ready(),
      close: () => db.close(),
    };
    Object.assign(this, store);
  }
} as new (db: SqlDriver, d: Dialect) => Store;
