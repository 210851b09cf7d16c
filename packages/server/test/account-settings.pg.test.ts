/** The account settings scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('account settings', () => import('./account-settings.test.js'));
