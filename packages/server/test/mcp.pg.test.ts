/** The MCP scenarios again, with the hub on PostgreSQL. */
import { onPostgres } from './services.js';

await onPostgres('mcp', () => import('./mcp.test.js'));
