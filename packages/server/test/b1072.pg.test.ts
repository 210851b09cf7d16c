/** The B-1072 client's scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('b1072', () => import('./b1072.test.js'));
