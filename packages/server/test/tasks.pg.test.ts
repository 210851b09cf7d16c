/** The task scenarios again, with the hub on PostgreSQL: concurrent claims race across pooled connections there. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('tasks', () => import('./tasks.test.js'));
