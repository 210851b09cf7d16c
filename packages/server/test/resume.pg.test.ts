/** The resume scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('resume', () => import('./resume.test.js'));
