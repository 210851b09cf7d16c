/** The history-paging scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('history-paging', () => import('./history-paging.test.js'));
