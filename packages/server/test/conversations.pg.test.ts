/** The conversation scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('conversations', () => import('./conversations.test.js'));
