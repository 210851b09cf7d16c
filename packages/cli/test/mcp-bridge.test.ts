/** `roundtable mcp`: an MCP client that only speaks stdio reaches the hub through the bridge, pushes included. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { eventually, RawClient, startHub, ROOT } from '@roundtable/testkit';

function bridged(t: TestContext, url: string, token: string) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: ['--conditions=development', '--import', 'tsx', 'packages/cli/src/main.ts', 'mcp', '--url', url],
    cwd: ROOT,
    env: { ...(process.env as Record<string, string>), ROUNDTABLE_TOKEN: token },
    stderr: 'pipe',
  });
  let stderr = '';
  transport.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const client = new Client({ name: 'stdio-agent', version: '1.0.0' });
  t.after(() => client.close());
  return { client, transport, stderr: () => stderr };
}

function parsed(result: Awaited<ReturnType<Client['callTool']>>): any {
  return JSON.parse((result.content as Array<{ text: string }>)[0]!.text);
}

test('roundtable mcp bridges stdio to /mcp: tools, messages, and the hub’s notifications', async (t) => {
  const hub = await startHub(t);
  const [ada, coder] = await Promise.all([hub.member('ada'), hub.member('coder', 'agent')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const { client, transport } = bridged(t, hub.url, coder.token);
  await client.connect(transport);

  assert.equal(parsed(await client.callTool({ name: 'whoami', arguments: {} })).handle, 'coder');
  await client.callTool({ name: 'send_message', arguments: { room: 'general', content: 'hello over stdio' } });
  const seen = await a.waitFor((f) => f.type === 'event' && f.kind === 'message.created' && f.data.sender === 'coder');
  assert.equal(seen.data.content, 'hello over stdio');

  const updates: string[] = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
    updates.push(notification.params.uri);
  });
  await client.subscribeResource({ uri: 'roundtable://inbox' });
  await a.request('send', { room: 'general', content: '@coder ping' });
  await eventually(() => assert.deepEqual(updates, ['roundtable://inbox']));
  const inbox = parsed(await client.callTool({ name: 'wait_for_messages', arguments: { timeout_s: 5 } }));
  assert.deepEqual(
    inbox.messages.map((m: any) => m.content),
    ['@coder ping'],
  );

  // Sixteen newer sessions of the same token close the bridge's (the oldest): the bridge starts a
  // new one with the client's own handshake and subscriptions, and the client notices nothing.
  for (let i = 0; i < 16; i++) {
    const other = new Client({ name: `crowd-${i}`, version: '1.0.0' });
    await other.connect(
      new StreamableHTTPClientTransport(new URL(`${hub.url}/mcp`), {
        requestInit: { headers: { authorization: `Bearer ${coder.token}` } },
      }),
    );
    t.after(() => other.close());
  }
  assert.equal(parsed(await client.callTool({ name: 'whoami', arguments: {} })).handle, 'coder');
  await a.request('send', { room: 'general', content: '@coder still there?' });
  await eventually(() => assert.deepEqual(updates, ['roundtable://inbox', 'roundtable://inbox']));
});

test('roundtable mcp with a bad token answers the client with the hub’s refusal', async (t) => {
  const hub = await startHub(t);
  const { client, transport, stderr } = bridged(t, hub.url, 'rt_not-a-real-token');
  await assert.rejects(client.connect(transport), /auth_failed|401/);
  await eventually(() => assert.match(stderr(), /auth_failed|401/));
});
