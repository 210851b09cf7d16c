/** The setup and invite link scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('one-time codes', () => import('./one-time-codes.test.js'));
