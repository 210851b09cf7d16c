/** The conversation scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('conversations', () => import('./conversations.test.js'));
