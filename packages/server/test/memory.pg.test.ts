/** The memory scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('memory', () => import('./memory.test.js'));
