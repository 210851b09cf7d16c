/** The accounts scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('accounts', () => import('./accounts.test.js'));
