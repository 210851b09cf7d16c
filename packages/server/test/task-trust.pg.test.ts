/** The task trust model again, with the hub on PostgreSQL: visibility is part of the task query there too. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('task-trust', () => import('./task-trust.test.js'));
