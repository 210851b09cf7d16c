/** The persistence scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('persistence', () => import('./persistence.test.js'));
