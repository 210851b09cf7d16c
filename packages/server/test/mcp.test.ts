/** `/mcp` with the official MCP SDK client: tools, identity, messages both ways, and refusals. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { RawClient, startHub } from './helpers.js';

async function mcpClient(t: TestContext, url: string, token?: string): Promise<Client> {
  const client = new Client({ name: 'test-agent', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: token ? { authorization: `Bearer ${token}` } : {} },
  });
  await client.connect(transport);
  t.after(() => client.close());
  return client;
}

function parsed(result: Awaited<ReturnType<Client['callTool']>>): any {
  const content = result.content as Array<{ type: string; text: string }>;
  return JSON.parse(content[0]!.text);
}

test('an agent joins over MCP: it lists the tools, knows who it is, and chats with people', async (t) => {
  const hub = await startHub(t);
  const [ada, coder] = await Promise.all([
    hub.member('ada'),
    hub.member('coder', 'agent', { capabilities: ['typescript'] }),
  ]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const mcp = await mcpClient(t, hub.url, coder.token);

  const names = (await mcp.listTools()).tools.map((tool) => tool.name).sort();
  assert.deepEqual(names, ['list_rooms', 'read_messages', 'send_message', 'whoami']);
  const me = parsed(await mcp.callTool({ name: 'whoami', arguments: {} }));
  assert.equal(me.handle, 'coder');
  assert.equal(me.kind, 'agent');
  assert.deepEqual(me.capabilities, ['typescript']);
  assert.deepEqual(
    me.rooms.map((room: any) => room.name),
    ['general'],
  );

  const sent = parsed(
    await mcp.callTool({
      name: 'send_message',
      arguments: { room: 'general', content: 'hello from MCP', mentions: ['ada'], client_id: 'm-1' },
    }),
  );
  assert.equal(sent.message.content, '@ada hello from MCP');
  const seen = await a.waitFor((f) => f.type === 'event' && f.kind === 'message.created' && f.data.sender === 'coder');
  assert.deepEqual(seen.data.mentions, ['ada']);
  const again = parsed(
    await mcp.callTool({
      name: 'send_message',
      arguments: { room: 'general', content: 'hello from MCP', mentions: ['ada'], client_id: 'm-1' },
    }),
  );
  assert.equal(again.duplicate, true, 'a retry with the same client_id is stored once');

  const reply = (await a.request('send', { room: 'general', content: '@coder welcome' })).message;
  const read = parsed(
    await mcp.callTool({ name: 'read_messages', arguments: { room: 'general', after: sent.message.seq } }),
  );
  assert.deepEqual(
    read.messages.map((m: any) => [m.id, m.sender, m.content]),
    [[reply.id, 'ada', '@coder welcome']],
  );
});

test('/mcp refuses a missing or revoked token, a room the agent is not in, and malformed arguments', async (t) => {
  const hub = await startHub(t);
  const [ada, coder] = await Promise.all([hub.member('ada'), hub.member('coder', 'agent')]);
  const missing = await fetch(`${hub.url}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
  });
  assert.equal(missing.status, 401);
  assert.equal(((await missing.json()) as { code: string }).code, 'auth_required');
  await assert.rejects(mcpClient(t, hub.url, 'rt_not-a-real-token'));

  const token = await hub.api(hub.adminToken, 'POST', '/api/v1/tokens', { name: 'mcp', member: 'coder' });
  const revokable = token.body.token as string;
  const mcp = await mcpClient(t, hub.url, revokable);
  await hub.api(hub.adminToken, 'POST', '/api/v1/rooms', { name: 'secret', kind: 'private' });
  const refused = await mcp.callTool({ name: 'send_message', arguments: { room: 'secret', content: 'let me in' } });
  assert.equal(refused.isError, true);
  assert.equal(parsed(refused).code, 'room_not_found');
  const malformed = await mcp.callTool({ name: 'send_message', arguments: { room: 'general' } });
  assert.equal(malformed.isError, true);
  assert.match(JSON.stringify(malformed.content), /content/);

  await hub.api(hub.adminToken, 'DELETE', `/api/v1/tokens/${token.body.record.id}`);
  await assert.rejects(mcp.listTools(), /401|auth_failed/);
  assert.ok(ada.token && coder.token);
});
