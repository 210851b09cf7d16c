/** The memory scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('memory', () => import('./memory.test.js'));
