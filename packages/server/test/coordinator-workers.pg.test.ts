/** The coordinator/worker scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('coordinator-workers', () => import('./coordinator-workers.test.js'));
