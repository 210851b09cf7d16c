/** MCP: an agent in an MCP session against one on a WebSocket, woken by the same mentions in one hub. */
import { api, createMembers, withHubs } from '../harness/hubs.js';
import { SIZES } from '../harness/options.js';
import { measure } from '../harness/processes.js';
import { fixed, ratio, table } from '../harness/table.js';
import type { McpResult } from '../load/mcp.js';

export async function runMcp(results: Record<string, unknown>): Promise<void> {
  console.log(`\nMCP: an agent over /mcp against one over WebSocket, ${SIZES.mcpRounds} rounds in one hub`);
  const mcp = await withHubs(1, 'sqlite', async ([hub], admin) => {
    const url = hub!.url;
    const [person] = await createMembers(url, admin, 1);
    const agent = async (handle: string) =>
      (await api(url, admin, 'POST', '/api/v1/members', { handle, kind: 'agent' })).token as string;
    return measure<McpResult>(
      {
        kind: 'mcp',
        url,
        personToken: person!,
        mcpToken: await agent('mcp-agent'),
        mcpHandle: 'mcp-agent',
        wsToken: await agent('ws-agent'),
        wsHandle: 'ws-agent',
        rounds: SIZES.mcpRounds,
      },
      [hub!],
    );
  });
  const { result } = mcp;
  table(
    ['agent', 'wake p50', 'wake p99', 'send p50', 'send p99'],
    [
      [
        'WebSocket (baseline)',
        fixed(result.wakeWsP50, 2),
        fixed(result.wakeWsP99, 2),
        fixed(result.sendWsP50, 2),
        fixed(result.sendWsP99, 2),
      ],
      [
        'MCP session',
        fixed(result.wakeMcpP50, 2),
        fixed(result.wakeMcpP99, 2),
        fixed(result.sendMcpP50, 2),
        fixed(result.sendMcpP99, 2),
      ],
      [
        'MCP / WebSocket',
        ratio(result.wakeMcpP50, result.wakeWsP50),
        ratio(result.wakeMcpP99, result.wakeWsP99),
        ratio(result.sendMcpP50, result.sendWsP50),
        ratio(result.sendMcpP99, result.sendWsP99),
      ],
    ],
  );
  results.mcp = mcp;
}
