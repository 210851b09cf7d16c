/** The resume scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('resume', () => import('./resume.test.js'));
