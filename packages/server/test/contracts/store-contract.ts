/**
 * The Store port's contract: one suite that every storage adapter runs through its own factory,
 * in parts by feature (store/). It talks to the store only through the `Store` interface of
 * core/ports.ts, so whatever passes here can sit behind the hub.
 */
import { describe } from 'node:test';
import { agentUsageContract } from './store/agent-usage.js';
import { approvalsContract } from './store/approvals.js';
import { concurrencyContract } from './store/concurrency.js';
import { groupsContract } from './store/groups.js';
import { historyContract } from './store/history.js';
import { lifecycleContract } from './store/lifecycle.js';
import { logContract } from './store/log.js';
import { mailboxContract } from './store/mailbox.js';
import { membersContract } from './store/members.js';
import { memoryContract } from './store/memory.js';
import { messagesContract } from './store/messages.js';
import { receiptsContract } from './store/receipts.js';
import { roomsContract } from './store/rooms.js';
import { streamsContract } from './store/streams.js';
import { World, type StoreFactory } from './store/world.js';

export type { OpenedStore, StoreFactory } from './store/world.js';

export function storeContract(name: string, makeStore: StoreFactory): void {
  const open = async (t: Parameters<StoreFactory>[0]) => new World((await makeStore(t)).store);

  describe(`${name} passes the Store contract`, () => {
    membersContract(open);
    groupsContract(open);
    roomsContract(open);
    messagesContract(open);
    streamsContract(open);
    receiptsContract(open);
    mailboxContract(open);
    memoryContract(open);
    historyContract(open);
    logContract(open);
    concurrencyContract(open);
    agentUsageContract(open);
    approvalsContract(open);
    lifecycleContract(open, makeStore);
  });
}
