/** The streaming scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('streaming', () => import('./streaming.test.js'));
