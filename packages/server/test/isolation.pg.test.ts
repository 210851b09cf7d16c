/** The isolation scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('isolation', () => import('./isolation.test.js'));
