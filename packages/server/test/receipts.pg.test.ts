/** The receipts scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('receipts', () => import('./receipts.test.js'));
