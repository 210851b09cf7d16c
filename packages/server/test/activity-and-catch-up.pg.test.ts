/** The activity and catching-up scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('activity-and-catch-up', () => import('./activity-and-catch-up.test.js'));
