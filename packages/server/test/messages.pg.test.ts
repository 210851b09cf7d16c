/** The messages scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('messages', () => import('./messages.test.js'));
