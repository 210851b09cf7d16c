/** The accounts scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('accounts', () => import('./accounts.test.js'));
