/** The hostile-input scenarios again, with the hub on PostgreSQL: it refuses some text SQLite stores, which must not become `internal`. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('hostile-frames', () => import('./hostile-frames.test.js'));
