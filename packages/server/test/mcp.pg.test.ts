/** The MCP scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from '@roundtable/testkit';

await onPostgres('mcp', () => import('./mcp.test.js'));
