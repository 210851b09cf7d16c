/** The history-paging scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('history-paging', () => import('./history-paging.test.js'));
