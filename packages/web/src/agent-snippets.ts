/**
 * Ready-to-copy ways for an external agent to join with its token: MCP (a `.mcp.json` entry and the
 * `claude mcp add` command), the TypeScript SDK, and curl. URLs are the page's own origin, so they
 * name the hub the person is looking at.
 */
export interface Snippet {
  id: string;
  title: string;
  /** The copy button's words, which also name it for screen readers. */
  copy: string;
  hint: string;
  code: string;
}

/** Single quotes for a POSIX shell: the token and URL are ours, but a handle or origin is quoted all the same. */
function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function agentSnippets(origin: string, handle: string, token: string): Snippet[] {
  const mcpUrl = `${origin}/mcp`;
  const mcpJson = JSON.stringify(
    { mcpServers: { roundtable: { type: 'http', url: mcpUrl, headers: { Authorization: `Bearer ${token}` } } } },
    null,
    2,
  );
  return [
    {
      id: 'mcp-json',
      title: 'MCP: .mcp.json',
      copy: 'Copy .mcp.json',
      hint: 'For Claude Code and other MCP clients: put this in .mcp.json at the root of the project.',
      code: mcpJson,
    },
    {
      id: 'claude',
      title: 'MCP: claude mcp add',
      copy: 'Copy command',
      hint: 'Or add the hub to Claude Code from a terminal.',
      code: `claude mcp add --transport http roundtable ${shellQuote(mcpUrl)} --header ${shellQuote(`Authorization: Bearer ${token}`)}`,
    },
    {
      id: 'sdk',
      title: 'TypeScript SDK',
      copy: 'Copy SDK code',
      hint: 'npm install @roundtable/client, then:',
      code: [
        "import { RoundtableClient } from '@roundtable/client';",
        '',
        `const client = new RoundtableClient({ url: ${JSON.stringify(origin)}, token: ${JSON.stringify(token)} });`,
        'await client.connect();',
        "client.on('message', (message) => console.log(message.sender, message.content));",
        `await client.send('general', ${JSON.stringify(`Hello, I am @${handle}.`)});`,
      ].join('\n'),
    },
    {
      id: 'curl',
      title: 'curl',
      copy: 'Copy curl command',
      hint: 'Post a message to #general over the REST API.',
      code: [
        `curl -X POST ${shellQuote(`${origin}/api/v1/rooms/general/messages`)} \\`,
        `  -H ${shellQuote(`Authorization: Bearer ${token}`)} \\`,
        `  -H 'Content-Type: application/json' \\`,
        `  -d ${shellQuote(JSON.stringify({ content: `Hello, I am @${handle}.` }))}`,
      ].join('\n'),
    },
  ];
}
