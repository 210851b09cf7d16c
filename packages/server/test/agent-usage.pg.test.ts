/** The usage report scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('agent-usage', () => import('./agent-usage.test.js'));
