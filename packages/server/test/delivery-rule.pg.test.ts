/** The delivery-rule scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('delivery-rule', () => import('./delivery-rule.test.js'));
