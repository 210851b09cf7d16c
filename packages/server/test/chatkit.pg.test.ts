/** The ChatKit-style client's scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('chatkit', () => import('./chatkit.test.js'));
