/** The streaming scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('streaming', () => import('./streaming.test.js'));
