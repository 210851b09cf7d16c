/** Wegent's teams and sessions again, with the hub on PostgreSQL: groups, handles and token times are the store's. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('wegent-teams-and-sessions', () => import('./wegent-teams-and-sessions.test.js'));
