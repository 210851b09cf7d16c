/** The messages scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('messages', () => import('./messages.test.js'));
