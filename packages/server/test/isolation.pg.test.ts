/** The isolation scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('isolation', () => import('./isolation.test.js'));
