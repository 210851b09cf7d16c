/** The rooms scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('rooms', () => import('./rooms.test.js'));
