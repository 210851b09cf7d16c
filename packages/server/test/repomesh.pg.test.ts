/** The RepoMesh client's scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('repomesh', () => import('./repomesh.test.js'));
