/** An MCP client over the hub's /mcp endpoint, as a coding agent connects, and the JSON a tool answered. */
import type { TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export async function mcpClient(t: TestContext, url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
  });
  await client.connect(transport);
  t.after(() => client.close());
  return client;
}

/** The JSON of a tool's first text content: every Roundtable tool answers with one. */
export function toolJson(result: Awaited<ReturnType<Client['callTool']>>): any {
  return JSON.parse((result.content as Array<{ text: string }>)[0]!.text);
}
