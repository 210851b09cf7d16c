/** `/mcp` with the official MCP SDK client: tools, identity, messages both ways, and refusals. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import {
  ResourceListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from '@modelcontextprotocol/sdk/types.js';
import type { RequestParams } from '@roundtable/protocol';
import { eventually, mcpClient, RawClient, startHub, toolJson } from '@roundtable/testkit';
import { TOOL_LIST } from '../src/transport/mcp-tools.js';

/** The tools coding agents are promised, by name (docs/mcp.md). */
const ISSUE_TOOLS = [
  'whoami',
  'list_rooms',
  'join_room',
  'send_message',
  'read_messages',
  'inbox',
  'wait_for_messages',
  'search_messages',
  'react',
  'create_task',
  'claim_task',
  'heartbeat',
  'report_task',
  'list_tasks',
  'ask_for_input',
  'reserve_files',
  'release_files',
  'remember',
  'recall',
];

test('an agent joins over MCP: it lists the tools, knows who it is, and chats with people', async (t) => {
  const hub = await startHub(t);
  const [ada, coder] = await Promise.all([
    hub.member('ada'),
    hub.member('coder', 'agent', { capabilities: ['typescript'] }),
  ]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const mcp = await mcpClient(t, hub.url, coder.token);

  const tools = (await mcp.listTools()).tools;
  const names = tools.map((tool) => tool.name);
  for (const name of ISSUE_TOOLS) assert.ok(names.includes(name), `${name} is offered`);
  for (const tool of tools) {
    assert.equal(tool.inputSchema.type, 'object', `${tool.name} describes its arguments`);
    assert.ok(tool.description && tool.description.length > 20, `${tool.name} says what it does`);
  }
  const me = toolJson(await mcp.callTool({ name: 'whoami', arguments: {} }));
  assert.equal(me.handle, 'coder');
  assert.equal(me.kind, 'agent');
  assert.deepEqual(me.capabilities, ['typescript']);
  assert.deepEqual(
    me.rooms.map((room: any) => room.name),
    ['general'],
  );

  const sent = toolJson(
    await mcp.callTool({
      name: 'send_message',
      arguments: { room: 'general', content: 'hello from MCP', mentions: ['ada'], client_id: 'm-1' },
    }),
  );
  assert.equal(sent.message.content, '@ada hello from MCP');
  const seen = await a.waitFor((f) => f.type === 'event' && f.kind === 'message.created' && f.data.sender === 'coder');
  assert.deepEqual(seen.data.mentions, ['ada']);
  const again = toolJson(
    await mcp.callTool({
      name: 'send_message',
      arguments: { room: 'general', content: 'hello from MCP', mentions: ['ada'], client_id: 'm-1' },
    }),
  );
  assert.equal(again.duplicate, true, 'a retry with the same client_id is stored once');

  const reply = (await a.request('send', { room: 'general', content: '@coder welcome' })).message;
  const read = toolJson(
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
  assert.equal(toolJson(refused).code, 'room_not_found');
  const malformed = await mcp.callTool({ name: 'send_message', arguments: { room: 'general' } });
  assert.equal(malformed.isError, true);
  assert.match(JSON.stringify(malformed.content), /content/);

  // A session belongs to the token that opened it: another member's, or another token, cannot use it.
  const sessionId = (mcp.transport as StreamableHTTPClientTransport).sessionId!;
  for (const other of [ada.token, coder.token]) {
    for (const method of ['POST', 'GET', 'DELETE']) {
      const hijack = await fetch(`${hub.url}/mcp`, {
        method,
        headers: {
          ...(method === 'POST' ? { 'content-type': 'application/json' } : {}),
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${other}`,
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-06-18',
        },
        body:
          method === 'POST'
            ? JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } })
            : undefined,
      });
      assert.equal(hijack.status, 404, `${method} with another token`);
    }
  }
  assert.equal(toolJson(await mcp.callTool({ name: 'whoami', arguments: {} })).handle, 'coder', 'the session lives on');
  const batch = await fetch(`${hub.url}/mcp`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${coder.token}`,
    },
    body: JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'tools/list' }]),
  });
  assert.equal(batch.status, 400, 'a batch is refused');
  const unknownTool = await mcp.callTool({ name: 'become_admin', arguments: {} }).catch((error: Error) => error);
  assert.match(String(unknownTool), /Unknown tool become_admin/);

  await eventually(async () => {
    const agents = (await hub.api(ada.token, 'GET', '/agents')).body.agents;
    assert.equal(agents.find((agent: any) => agent.handle === 'coder').status, 'online');
  });
  await hub.api(hub.adminToken, 'DELETE', `/api/v1/tokens/${token.body.record.id}`);
  await assert.rejects(mcp.listTools(), /401|auth_failed/);
  await eventually(async () => {
    const agents = (await hub.api(ada.token, 'GET', '/agents')).body.agents;
    assert.equal(agents.find((agent: any) => agent.handle === 'coder').status, 'offline', 'revoking ends the session');
  });
});

test('wait_for_messages returns when a person mentions the agent, and times out cleanly otherwise', async (t) => {
  const hub = await startHub(t);
  const [ada, coder] = await Promise.all([hub.member('ada'), hub.member('coder', 'agent')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const before = hub.hub.eventWatcherCount;
  const mcp = await mcpClient(t, hub.url, coder.token);
  // The session's GET stream watches the agent's rooms, for the notifications of its subscriptions.
  await eventually(() => assert.equal(hub.hub.eventWatcherCount, before + 1));
  const watchers = hub.hub.eventWatcherCount;

  const waiting = mcp.callTool({ name: 'wait_for_messages', arguments: { timeout_s: 10 } });
  // Only once the wait is in place: the mention must wake it, not be found by its first read.
  await eventually(() => assert.equal(hub.hub.eventWatcherCount, watchers + 1));
  await a.request('send', { room: 'general', content: 'not for the agent' });
  const mention = (await a.request('send', { room: 'general', content: '@coder please review #12' })).message;
  const woken = toolJson(await waiting);
  assert.equal(woken.timed_out, false);
  assert.deepEqual(
    woken.messages.map((m: any) => [m.id, m.sender, m.content]),
    [[mention.id, 'ada', '@coder please review #12']],
  );

  const started = Date.now();
  const quiet = toolJson(await mcp.callTool({ name: 'wait_for_messages', arguments: { timeout_s: 0.5 } }));
  assert.deepEqual(quiet, { messages: [], has_more: false, timed_out: true });
  assert.ok(Date.now() - started >= 450, 'it waited for its timeout');
  await a.request('send', { room: 'general', content: 'still not for the agent' });
  assert.equal(toolJson(await mcp.callTool({ name: 'inbox', arguments: {} })).messages.length, 0);

  // Already waiting when the call comes: returned at once, then read.
  const early = (await a.request('send', { room: 'general', content: '@coder are you there?' })).message;
  const atOnce = toolJson(await mcp.callTool({ name: 'wait_for_messages', arguments: { timeout_s: 30 } }));
  assert.deepEqual(
    atOnce.messages.map((m: any) => m.id),
    [early.id],
  );
  const after = toolJson(await mcp.callTool({ name: 'wait_for_messages', arguments: { timeout_s: 0.2 } }));
  assert.equal(after.timed_out, true, 'what was returned is read and not returned again');
});

test('the inbox holds mentions, targets, @all and direct messages, oldest first, and takes them out of the inbox', async (t) => {
  const hub = await startHub(t);
  const [ada, coder] = await Promise.all([hub.member('ada'), hub.member('coder', 'agent'), hub.member('bob')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const mcp = await mcpClient(t, hub.url, coder.token);

  const sent: string[] = [];
  const send = async (params: RequestParams<'send'>) => {
    const message = (await a.request('send', params)).message;
    sent.push(message.id);
    return message;
  };
  await a.request('send', { room: 'general', content: 'chatter the agent never sees' });
  await send({ room: 'general', content: '@coder first' });
  await send({ room: 'general', content: 'quietly for you', targets: ['coder'] });
  await send({ room: 'general', content: '@all standup in five' });
  const direct = (await a.request('room.direct', { members: ['coder'] })).room;
  await send({ room: direct.id, content: 'just between us' });
  await a.request('send', { room: 'general', content: '@bob not the agent' });

  const peek = toolJson(await mcp.callTool({ name: 'inbox', arguments: { peek: true } }));
  assert.deepEqual(
    peek.messages.map((m: any) => m.id),
    sent,
  );
  const firstTwo = toolJson(await mcp.callTool({ name: 'inbox', arguments: { limit: 2 } }));
  assert.deepEqual(
    firstTwo.messages.map((m: any) => m.id),
    sent.slice(0, 2),
  );
  assert.equal(firstTwo.has_more, true);
  const rest = toolJson(await mcp.callTool({ name: 'inbox', arguments: {} }));
  assert.deepEqual(
    rest.messages.map((m: any) => m.id),
    sent.slice(2),
  );
  assert.equal(rest.has_more, false);
  assert.deepEqual(toolJson(await mcp.callTool({ name: 'inbox', arguments: {} })).messages, []);
  const rooms = toolJson(await mcp.callTool({ name: 'list_rooms', arguments: {} })).joined;
  assert.ok(
    rooms.every((room: any) => room.unread > 0),
    'the inbox moved no read cursor',
  );
});

test('a full task cycle through MCP tools only: create, claim, heartbeat, ask, report, verdict, review', async (t) => {
  const hub = await startHub(t);
  const [lead, coder] = await Promise.all([
    hub.member('lead', 'agent'),
    hub.member('coder', 'agent', { capabilities: ['typescript'] }),
  ]);
  const boss = await mcpClient(t, hub.url, lead.token);
  const worker = await mcpClient(t, hub.url, coder.token);
  const call = async (client: Client, name: string, args: Record<string, unknown> = {}) => {
    const result = await client.callTool({ name, arguments: args });
    assert.notEqual(result.isError, true, `${name}: ${JSON.stringify(result.content)}`);
    return toolJson(result);
  };

  const created = await call(boss, 'create_task', {
    title: 'Fix the flaky parser test',
    capabilities: ['typescript'],
    files: ['src/parser/**'],
    acceptance: {
      text: 'Tests pass',
      schema: { type: 'object', required: ['tests_passed'], properties: { tests_passed: { const: true } } },
      review: true,
    },
    client_id: 'task-1',
  });
  const taskId = created.task.id;
  const ungranted = await worker.callTool({ name: 'claim_task', arguments: { capabilities: ['python'] } });
  assert.match(
    JSON.stringify(ungranted.content),
    /forbidden.*has not been granted python/,
    'a claim is matched on granted capabilities',
  );
  const { claim } = await call(worker, 'claim_task');
  assert.equal(claim.task.id, taskId);
  const lease = claim.lease.token;

  const beat = await call(worker, 'heartbeat', { task: taskId, lease });
  assert.ok(Date.parse(beat.lease.expires_at) >= Date.parse(claim.lease.expires_at));
  const reserved = await call(worker, 'reserve_files', { patterns: ['src/parser/**'], task: taskId });
  assert.equal(reserved.reservations.length, 1);
  const conflict = await boss.callTool({ name: 'reserve_files', arguments: { patterns: ['src/parser/lexer.ts'] } });
  assert.equal(conflict.isError, true);
  assert.equal(toolJson(conflict).code, 'reservation_conflict');

  const asked = await call(worker, 'ask_for_input', { task: taskId, lease, question: 'Keep the old API?' });
  assert.equal(asked.task.status, 'input_required');
  const answered = await call(boss, 'answer_task', { task: taskId, answer: 'Yes, keep it.' });
  assert.equal(answered.task.feedback, 'Yes, keep it.');

  const refused = await call(worker, 'report_task', {
    task: taskId,
    lease,
    result: { summary: 'done?', files_changed: ['src/parser/index.ts'], data: { tests_passed: false } },
  });
  assert.equal(refused.verdict.valid, false);
  assert.ok(refused.verdict.errors.length > 0, 'the verdict says why');
  assert.notEqual(refused.task.status, 'completed');

  const accepted = await call(worker, 'report_task', {
    task: taskId,
    lease,
    result: { summary: 'fixed', files_changed: ['src/parser/index.ts'], data: { tests_passed: true } },
  });
  assert.equal(accepted.verdict.valid, true);
  assert.equal(accepted.task.status, 'review');
  const reviewed = await call(boss, 'review_task', { task: taskId, accept: true });
  assert.equal(reviewed.task.status, 'completed');
  assert.equal((await call(worker, 'get_task', { task: taskId })).task.status, 'completed');
  const listed = await call(boss, 'list_tasks', { status: ['completed'] });
  assert.deepEqual(
    listed.tasks.map((task: any) => task.id),
    [taskId],
  );
  assert.ok((await call(worker, 'release_files')).released >= 0);
  const again = await worker.callTool({ name: 'heartbeat', arguments: { task: taskId, lease } });
  assert.equal(again.isError, true, 'a finished task takes no heartbeat');
  assert.equal(toolJson(again).code, 'lease_invalid');
});

test('join_room, search_messages, react, remember and recall act as the agent, under the usual checks', async (t) => {
  const hub = await startHub(t, { env: { RATE_MEMBER_MESSAGES_PER_SEC: '1', RATE_MEMBER_MESSAGES_BURST: '3' } });
  const [ada, coder] = await Promise.all([hub.member('ada'), hub.member('coder', 'agent')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const mcp = await mcpClient(t, hub.url, coder.token);
  await a.request('room.create', { name: 'parsers', kind: 'public' });
  const note = (await a.request('send', { room: 'parsers', content: 'the lexer chokes on emoji' })).message;

  assert.equal(
    toolJson(await mcp.callTool({ name: 'search_messages', arguments: { query: 'lexer' } })).messages.length,
    0,
  );
  const joined = toolJson(await mcp.callTool({ name: 'join_room', arguments: { room: 'parsers' } }));
  assert.equal(joined.room.name, 'parsers');
  const found = toolJson(await mcp.callTool({ name: 'search_messages', arguments: { query: 'lexer emoji' } }));
  assert.deepEqual(
    found.messages.map((m: any) => m.id),
    [note.id],
  );

  assert.deepEqual(toolJson(await mcp.callTool({ name: 'react', arguments: { message: note.id, emoji: '👀' } })), {
    changed: true,
  });
  const reacted = await a.waitFor((f) => f.type === 'event' && f.kind === 'reaction.added');
  assert.equal(reacted.actor, 'coder');

  const saved = toolJson(
    await mcp.callTool({ name: 'remember', arguments: { content: 'ada prefers small PRs', room: 'parsers' } }),
  );
  assert.equal(saved.note.member, 'coder');
  const recalled = toolJson(
    await mcp.callTool({ name: 'recall', arguments: { query: 'small PRs', for_room: 'parsers' } }),
  );
  assert.deepEqual(
    recalled.notes.map((hit: any) => hit.note.id),
    [saved.note.id],
  );

  const outcomes = [];
  for (let i = 0; i < 4; i += 1) {
    outcomes.push(await mcp.callTool({ name: 'send_message', arguments: { room: 'parsers', content: `update ${i}` } }));
  }
  const limited = outcomes.at(-1)!;
  assert.deepEqual(
    outcomes.slice(0, 3).map((outcome) => outcome.isError ?? false),
    [false, false, false],
  );
  assert.equal(limited.isError, true, 'the member message limit holds over MCP');
  assert.equal(toolJson(limited).code, 'rate_limited');
  assert.ok(toolJson(limited).retry_after_ms > 0);
  const tooLong = await mcp.callTool({
    name: 'send_message',
    arguments: { room: 'parsers', content: 'x'.repeat(10_001) },
  });
  assert.equal(tooLong.isError, true);
  assert.equal(toolJson(tooLong).code, 'content_too_long');
});

test('a session: the inbox and rooms as resources, with change notifications, and the agent present', async (t) => {
  const hub = await startHub(t);
  const [ada, coder] = await Promise.all([hub.member('ada'), hub.member('coder', 'agent')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const mcp = await mcpClient(t, hub.url, coder.token);
  const updates: string[] = [];
  let listChanges = 0;
  mcp.setNotificationHandler(ResourceUpdatedNotificationSchema, (notification) => {
    updates.push(notification.params.uri);
  });
  mcp.setNotificationHandler(ResourceListChangedNotificationSchema, () => {
    listChanges += 1;
  });

  const general = (await a.request('room.join', { room: 'general' })).room;
  const listed = (await mcp.listResources()).resources.map((resource) => resource.uri);
  assert.deepEqual(listed, ['roundtable://inbox', `roundtable://rooms/${general.id}`]);
  await eventually(async () => {
    const agents = (await hub.api(ada.token, 'GET', '/agents')).body.agents;
    assert.equal(agents.find((agent: any) => agent.handle === 'coder').status, 'online');
  });

  await mcp.subscribeResource({ uri: 'roundtable://inbox' });
  await mcp.subscribeResource({ uri: 'roundtable://rooms/general' });
  await a.request('send', { room: 'general', content: 'chatter' });
  await eventually(() => assert.deepEqual(updates, ['roundtable://rooms/general']));
  const mention = (await a.request('send', { room: 'general', content: '@coder over to you' })).message;
  await eventually(() => assert.ok(updates.includes('roundtable://inbox')));

  const inbox = JSON.parse(((await mcp.readResource({ uri: 'roundtable://inbox' })).contents[0] as any).text);
  assert.deepEqual(
    inbox.messages.map((m: any) => m.id),
    [mention.id],
  );
  const room = JSON.parse(
    ((await mcp.readResource({ uri: `roundtable://rooms/${general.id}` })).contents[0] as any).text,
  );
  assert.deepEqual(
    room.messages.slice(-2).map((m: any) => m.content),
    ['chatter', '@coder over to you'],
  );
  assert.equal(
    toolJson(await mcp.callTool({ name: 'inbox', arguments: { peek: true } })).messages.length,
    1,
    'reading the resource marks nothing read',
  );

  await a.request('room.create', { name: 'ops', kind: 'public' });
  await mcp.callTool({ name: 'join_room', arguments: { room: 'ops' } });
  await eventually(() => assert.ok(listChanges >= 1, 'joining a room changes the resource list'));
  await a.request('room.create', { name: 'secret', kind: 'private' });
  await assert.rejects(mcp.readResource({ uri: 'roundtable://rooms/secret' }), /No such room/);
  await assert.rejects(mcp.subscribeResource({ uri: 'roundtable://nowhere' }), /No resource/);

  await (mcp.transport as StreamableHTTPClientTransport).terminateSession();
  await eventually(async () => {
    const agents = (await hub.api(ada.token, 'GET', '/agents')).body.agents;
    assert.equal(agents.find((agent: any) => agent.handle === 'coder').status, 'offline');
  });
});

test('a single request needs no session, and a pending wait does not hold up the hub’s shutdown', async (t) => {
  const hub = await startHub(t);
  const coder = await hub.member('coder', 'agent');
  const call = (id: number, name: string, args: Record<string, unknown>) =>
    fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${coder.token}`,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } }),
    });
  const single = await call(1, 'whoami', {});
  assert.equal(single.status, 200);
  assert.equal(single.headers.get('mcp-session-id'), null);
  const body = (await single.json()) as { result: { content: Array<{ text: string }> } };
  assert.equal(JSON.parse(body.result.content[0]!.text).handle, 'coder');

  const waiting = call(2, 'wait_for_messages', { timeout_s: 300 })
    .then((response) => response.text())
    .catch((error: Error) => error.message);
  await new Promise((resolve) => setTimeout(resolve, 200));
  const closed = await Promise.race([
    hub.close().then(() => 'closed'),
    new Promise((resolve) => setTimeout(() => resolve('still open'), 20_000)),
  ]);
  assert.equal(closed, 'closed');
  assert.match(String(await waiting), /shutting_down/, 'the wait ends with an answer, not a dropped connection');
});

test('docs/mcp.md documents every tool the endpoint offers, and no other', () => {
  const doc = readFileSync(new URL('../../../docs/mcp.md', import.meta.url), 'utf8');
  const documented = [...doc.matchAll(/^\| `([a-z_]+)` \|/gm)].map((match) => match[1]);
  assert.deepEqual(
    documented.filter((name) => !name.includes('://')).sort(),
    TOOL_LIST.map((tool) => tool.name).sort(),
  );
});

test('a person over MCP: the inbox keeps mentions, @all and direct messages, and a new direct room wakes a wait', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const before = hub.hub.eventWatcherCount;
  const mcp = await mcpClient(t, hub.url, bob.token);
  // The session's GET stream watches bob's rooms, for the notifications of its subscriptions.
  await eventually(() => assert.equal(hub.hub.eventWatcherCount, before + 1));
  await a.request('send', { room: 'general', content: 'chatter bob is not asked about' });
  const mention = (await a.request('send', { room: 'general', content: '@bob lunch?' })).message;
  const all = (await a.request('send', { room: 'general', content: '@all fire drill' })).message;
  const inbox = toolJson(await mcp.callTool({ name: 'inbox', arguments: {} }));
  assert.deepEqual(
    inbox.messages.map((m: any) => m.id),
    [mention.id, all.id],
  );

  const watchers = hub.hub.eventWatcherCount;
  const waiting = mcp.callTool({ name: 'wait_for_messages', arguments: { timeout_s: 10 } });
  await eventually(() => assert.equal(hub.hub.eventWatcherCount, watchers + 1));
  const direct = (await a.request('room.direct', { members: ['bob'] })).room;
  const dm = (await a.request('send', { room: direct.id, content: 'a word in private' })).message;
  const woken = toolJson(await waiting);
  assert.deepEqual(
    woken.messages.map((m: any) => m.id),
    [dm.id],
  );
});

test('ending a session ends its requests under way: a wait is cut off, not left to its timeout', async (t) => {
  const hub = await startHub(t);
  const coder = await hub.member('coder', 'agent');
  const headers = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${coder.token}`,
  };
  const opened = await fetch(`${hub.url}/mcp`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
    }),
  });
  const session = opened.headers.get('mcp-session-id')!;
  await opened.text();
  const inSession = { ...headers, 'mcp-session-id': session };
  const watchers = hub.hub.eventWatcherCount;
  const waiting = fetch(`${hub.url}/mcp`, {
    method: 'POST',
    headers: inSession,
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/call',
      params: { name: 'wait_for_messages', arguments: { timeout_s: 300 } },
    }),
  }).then((response) => response.text());
  await eventually(() => assert.equal(hub.hub.eventWatcherCount, watchers + 1));
  const ended = await fetch(`${hub.url}/mcp`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${coder.token}`, 'mcp-session-id': session },
  });
  assert.equal(ended.status, 200);
  const cutOff = await Promise.race([
    waiting.then(() => 'ended'),
    new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000)),
  ]);
  assert.equal(cutOff, 'ended');
  await eventually(() => assert.equal(hub.hub.eventWatcherCount, watchers), 5_000);
  const after = await fetch(`${hub.url}/mcp`, {
    method: 'POST',
    headers: inSession,
    body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }),
  });
  assert.equal(after.status, 404);
});
