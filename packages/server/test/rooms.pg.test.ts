/** The rooms scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('rooms', () => import('./rooms.test.js'));
