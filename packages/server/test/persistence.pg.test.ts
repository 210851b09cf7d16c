/** The persistence scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('persistence', () => import('./persistence.test.js'));
