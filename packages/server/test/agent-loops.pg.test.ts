/** The agent loop scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('agent-loops', () => import('./agent-loops.test.js'));
