/** The Wegent client's scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('wegent', () => import('./wegent.test.js'));
