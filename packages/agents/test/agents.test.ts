/**
 * LLM agents against a real hub, a fake OpenAI-compatible model (real HTTP, server-sent chunks) and
 * a small MCP server over stdio: streaming, stop, tool calls, timeouts, HTTP errors and budgets.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { eventually, startHub, tempDir, startFakeModel } from '@roundtable/testkit';
import { person, replyTo, startAgent, mcpServer, scripted } from './helpers.js';

test('a mentioned agent streams its reply: deltas in order, and the final message is their concatenation', async (t) => {
  const hub = await startHub(t);
  const chunks = ['Deploy ', '142 ', 'went ', 'out ', 'cleanly.'];
  const model = await startFakeModel(t, () => ({ chunks, delayMs: 20 }));
  const { handle } = await startAgent(t, hub, model, { system_prompt: 'You watch deploys.' });
  const ada = await person(t, hub, 'ada');

  await ada.client.send('general', 'Just chatting, nobody is addressed.');
  const { message: asked } = await ada.client.send('general', `@${handle} how did deploy 142 go?`);
  const reply = await replyTo(ada, handle, asked);

  assert.equal(reply.status, 'complete');
  assert.equal(reply.sender_kind, 'agent');
  const deltas = ada.deltas.filter((frame) => frame.message === reply.id);
  assert.deepEqual(
    deltas.map((frame) => frame.index),
    chunks.map((_, index) => index),
    'every delta arrived, in order',
  );
  assert.deepEqual(
    deltas.map((frame) => frame.delta),
    chunks,
  );
  assert.equal(reply.content, deltas.map((frame) => frame.delta).join(''));
  assert.equal(reply.metadata.in_reply_to, asked.id);
  assert.deepEqual(reply.metadata.usage, { input_tokens: 10, output_tokens: chunks.length });

  assert.equal(model.requests.length, 1, 'only the addressed message woke the agent');
  const sent = model.requests[0]!.body;
  assert.equal(sent.model, 'test-model');
  assert.equal(sent.messages[0]!.role, 'system');
  assert.match(String(sent.messages[0]!.content), /You watch deploys\./);
  assert.deepEqual(sent.messages.at(-1), { role: 'user', content: `@ada: @${handle} how did deploy 142 go?` });
  assert.ok(
    sent.messages.some((message) => message.content === '@ada: Just chatting, nobody is addressed.'),
    'the recent window of the room is in the context',
  );
  assert.equal(sent.max_tokens, 1024, 'the per-reply token budget goes to the model');
});

test('a person pressing stop cancels the reply and aborts the model request', async (t) => {
  const hub = await startHub(t);
  const model = await startFakeModel(t, () => ({
    chunks: Array.from({ length: 200 }, (_, i) => `w${i} `),
    delayMs: 50,
  }));
  const { handle } = await startAgent(t, hub, model);
  const ada = await person(t, hub, 'ada');

  const { message: asked } = await ada.client.send('general', `@${handle} write a long essay`);
  await eventually(() => assert.ok(ada.deltas.length >= 2, 'the reply is streaming'));
  await ada.client.cancelStream(ada.deltas[0]!.message);
  const reply = await replyTo(ada, handle, asked);

  assert.equal(reply.status, 'cancelled');
  assert.equal(reply.metadata.cancelled_by, 'ada');
  await eventually(() => assert.ok(model.requests[0]!.aborted, 'the model request was aborted'));
  assert.equal(model.requests[0]!.ended, false, 'the model stopped before it finished');
});

test('a tool call runs through MCP, shows while running, and is stored with its result', async (t) => {
  const hub = await startHub(t);
  const callsFile = join(tempDir(t), 'calls.jsonl');
  const model = await startFakeModel(
    t,
    scripted([
      { toolCalls: [{ id: 'call_1', name: 'slow', arguments: { label: 'warm-up' } }] },
      { toolCalls: [{ id: 'call_2', name: 'lookup', arguments: { deploy: 142 } }] },
      { chunks: ['Deploy 142 ', 'updated 3 services.'] },
    ]),
  );
  const { handle } = await startAgent(t, hub, model, {
    tools: { mcp: [mcpServer(callsFile, ['lookup', 'slow'])] },
  });
  const ada = await person(t, hub, 'ada');

  const { message: asked } = await ada.client.send('general', `@${handle} check deploy 142`);
  const reply = await replyTo(ada, handle, asked);

  assert.equal(reply.status, 'complete');
  assert.equal(reply.content, 'Deploy 142 updated 3 services.');
  const running = ada.parts.find((frame) => frame.part.id === 'call_1' && frame.part.status === 'running');
  assert.ok(running, 'the slow call was shown while it ran');
  assert.deepEqual(running.part.arguments, { label: 'warm-up' });
  assert.equal(reply.parts.length, 2);
  const [slow, lookup] = reply.parts;
  assert.equal(slow!.name, 'slow');
  assert.equal(slow!.status, 'ok');
  assert.ok(slow!.duration_ms! >= 350, `the slow call took its time (${slow!.duration_ms} ms)`);
  assert.equal(lookup!.name, 'lookup');
  assert.equal(lookup!.status, 'ok');
  assert.deepEqual(lookup!.arguments, { deploy: 142 });
  assert.equal(lookup!.result, 'Deploy 142: 3 services updated, 0 errors.');

  const calls = readFileSync(callsFile, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
  assert.deepEqual(calls, [
    { name: 'slow', input: { label: 'warm-up' } },
    { name: 'lookup', input: { deploy: 142 } },
  ]);
  const offered = model.requests[0]!.body.tools!.map((tool) => tool.function.name).sort();
  assert.deepEqual(offered, ['lookup', 'recall', 'remember', 'slow'], 'allowlisted tools, and memory’s own');
  const toolMessage = model.requests[2]!.body.messages.find((message) => message.tool_call_id === 'call_2');
  assert.match(JSON.stringify(toolMessage?.content), /3 services updated/, 'the model got the tool result back');

  const stored = (await ada.client.history('general')).messages.find((message) => message.id === reply.id)!;
  assert.deepEqual(stored.parts, reply.parts, 'the tool calls are stored with the message');
});

test('a call to a tool that is not allowlisted never reaches the MCP server', async (t) => {
  const hub = await startHub(t);
  const callsFile = join(tempDir(t), 'calls.jsonl');
  const model = await startFakeModel(
    t,
    scripted([{ toolCalls: [{ id: 'call_x', name: 'forbidden', arguments: {} }] }, { chunks: ['I cannot do that.'] }]),
  );
  const { handle } = await startAgent(t, hub, model, { tools: { mcp: [mcpServer(callsFile, ['lookup'])] } });
  const ada = await person(t, hub, 'ada');

  const { message: asked } = await ada.client.send('general', `@${handle} delete everything`);
  const reply = await replyTo(ada, handle, asked);

  assert.notEqual(reply.status, 'streaming');
  assert.equal(existsSync(callsFile), false, 'the forbidden tool was never called');
  assert.ok(!reply.parts.some((part) => part.name === 'forbidden' && part.status === 'ok'));
});

test('a model timeout and a model error end as visible errors, and the agent keeps serving other rooms', async (t) => {
  const hub = await startHub(t);
  const model = await startFakeModel(t, (request) => {
    const last = JSON.stringify(request.body.messages.at(-1));
    if (last.includes('hang')) return { hang: true };
    if (last.includes('overload')) return { status: 500 };
    return { chunks: ['Still here.'] };
  });
  const { handle } = await startAgent(t, hub, model, { model: { timeout_ms: 1_000 } });
  const ada = await person(t, hub, 'ada');
  await ada.client.createRoom({ name: 'ops', members: [handle] });

  const { message: hanging } = await ada.client.send('general', `@${handle} hang please`);
  const timedOut = await replyTo(ada, handle, hanging);
  assert.equal(timedOut.status, 'error');
  assert.match(String(timedOut.metadata.error), /did not answer within 1 s/);
  await eventually(() => assert.ok(model.requests[0]!.aborted, 'the model request was aborted'));

  const { message: overloaded } = await ada.client.send('general', `@${handle} overload please`);
  const failed = await replyTo(ada, handle, overloaded);
  assert.equal(failed.status, 'error');
  assert.match(String(failed.metadata.error), /HTTP 500/);

  const { message: elsewhere } = await ada.client.send('ops', `@${handle} are you there?`);
  const fine = await replyTo(ada, handle, elsewhere);
  assert.equal(fine.status, 'complete');
  assert.equal(fine.content, 'Still here.');
});

test('an exhausted room budget gives one visible notice, and other rooms are still answered', async (t) => {
  const hub = await startHub(t);
  const model = await startFakeModel(t, () => ({
    chunks: ['Done.'],
    usage: { prompt_tokens: 40, completion_tokens: 20 },
  }));
  const { handle } = await startAgent(t, hub, model, {
    budgets: { tokens_per_room_per_hour: 50, max_tokens_per_reply: 100 },
  });
  const ada = await person(t, hub, 'ada');
  await ada.client.createRoom({ name: 'ops', members: [handle] });

  const { message: first } = await ada.client.send('general', `@${handle} one`);
  assert.equal((await replyTo(ada, handle, first)).status, 'complete');
  const { message: second } = await ada.client.send('general', `@${handle} two`);
  const notice = await replyTo(ada, handle, second);
  assert.equal(notice.status, 'complete');
  assert.equal(notice.metadata.notice, 'budget_exhausted');
  assert.match(notice.content, /token budget for this room/);
  assert.deepEqual(notice.mentions, ['ada']);
  const { message: third } = await ada.client.send('general', `@${handle} three`);
  const { message: elsewhere } = await ada.client.send('ops', `@${handle} other room`);
  const other = await replyTo(ada, handle, elsewhere);
  assert.equal(other.content, 'Done.');
  assert.equal(model.requests.length, 2, 'the exhausted room cost no model call');
  assert.ok(
    !ada.seen.some((message) => message.sender === handle && message.seq > third.seq && message.room === third.room),
    'one notice, not one per message',
  );
});

test('retrieval finds an old, relevant message outside the window, and the reply cites it', async (t) => {
  const hub = await startHub(t);
  const model = await startFakeModel(t, (request) => {
    const system = String(request.body.messages[0]!.content);
    const cited = /\[(m\d+)\] @bob, \d{4}-\d{2}-\d{2}: The staging database password rotates every Monday/.exec(system);
    return { chunks: cited ? [`It rotates every Monday [${cited[1]}].`] : ['I do not know.'] };
  });
  const { handle } = await startAgent(t, hub, model, { reply: { window: 10 } });
  const ada = await person(t, hub, 'ada');
  const bob = await person(t, hub, 'bob');
  const { message: old } = await bob.client.send('general', 'The staging database password rotates every Monday.');
  await bob.client.send('general', 'Unrelated: the production password never rotates.');
  for (let i = 0; i < 15; i++) await ada.client.send('general', `filler message number ${i} about lunch`);

  const { message: asked } = await ada.client.send('general', `@${handle} when does the staging password rotate?`);
  const reply = await replyTo(ada, handle, asked);

  assert.equal(reply.content, 'It rotates every Monday [m1].');
  const memory = reply.metadata.memory as Array<Record<string, unknown>>;
  assert.equal(memory[0]!.id, old.id, 'the most relevant item is the old message');
  assert.deepEqual(
    { ...memory[0] },
    {
      ref: 'm1',
      kind: 'message',
      id: old.id,
      room: old.room,
      seq: old.seq,
      sender: 'bob',
      at: old.created_at,
      excerpt: 'The staging database password rotates every Monday.',
    },
  );
  const windowed = model.requests[0]!.body.messages.filter((message) => message.role !== 'system');
  assert.equal(windowed.length, 10, 'the window held ten messages');
  assert.ok(
    !windowed.some((message) => String(message.content).includes('rotates every Monday')),
    'the old one was outside it',
  );
});

test('an agent remembers a note with its remember tool and is given it later', async (t) => {
  const hub = await startHub(t);
  const model = await startFakeModel(
    t,
    scripted([
      { toolCalls: [{ id: 'call_r', name: 'remember', arguments: { note: 'Ada prefers deploys on Tuesdays' } }] },
      { chunks: ['Noted.'] },
      (request) => ({
        chunks: [
          String(request.body.messages[0]!.content).includes('[n1] your note') ? 'Tuesdays, per my note [n1].' : '?',
        ],
      }),
    ]),
  );
  const { handle } = await startAgent(t, hub, model);
  const ada = await person(t, hub, 'ada');

  const { message: first } = await ada.client.send('general', `@${handle} remember I prefer deploys on Tuesdays`);
  const saved = await replyTo(ada, handle, first);
  assert.equal(saved.parts[0]!.name, 'remember');
  assert.equal(saved.parts[0]!.status, 'ok');
  const { message: later } = await ada.client.send('general', `@${handle} which day does Ada prefer for deploys?`);
  const answer = await replyTo(ada, handle, later);
  assert.equal(answer.content, 'Tuesdays, per my note [n1].');
  assert.equal((answer.metadata.memory as Array<{ kind: string }>)[0]!.kind, 'note');
  const found = await ada.client.searchMemory('Tuesdays deploys');
  assert.deepEqual(found.notes, [], 'a note is its member’s own: another member never finds it');
});

/** An MCP server over Streamable HTTP on port 0, with one tool; `headers` records what each request carried. */
async function startHttpMcp(t: TestContext): Promise<{ url: string; authorizations: string[] }> {
  const mcp = new McpServer({ name: 'http-tools', version: '1.0.0' });
  mcp.registerTool(
    'weather',
    { description: 'The weather in a city.', inputSchema: { city: z.string() } },
    async ({ city }) => ({
      content: [{ type: 'text', text: `Sunny in ${city}.` }],
    }),
  );
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID() });
  await mcp.connect(transport);
  const authorizations: string[] = [];
  const server = createServer((req, res) => {
    authorizations.push(String(req.headers.authorization));
    void transport.handleRequest(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    await mcp.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address();
  return { url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/mcp`, authorizations };
}

test('an MCP server over Streamable HTTP serves its tools, with the configured headers', async (t) => {
  const hub = await startHub(t);
  const http = await startHttpMcp(t);
  const model = await startFakeModel(
    t,
    scripted([
      { toolCalls: [{ id: 'call_w', name: 'weather', arguments: { city: 'Lisbon' } }] },
      { chunks: ['Sunny.'] },
    ]),
  );
  const { handle } = await startAgent(t, hub, model, {
    tools: {
      mcp: [{ name: 'http-tools', url: http.url, headers: { authorization: 'Bearer mcp-key' }, allow: ['weather'] }],
    },
  });
  const ada = await person(t, hub, 'ada');
  const { message: asked } = await ada.client.send('general', `@${handle} weather in Lisbon?`);
  const reply = await replyTo(ada, handle, asked);
  assert.equal(reply.content, 'Sunny.');
  assert.deepEqual(
    { name: reply.parts[0]!.name, status: reply.parts[0]!.status, result: reply.parts[0]!.result },
    { name: 'weather', status: 'ok', result: 'Sunny in Lisbon.' },
  );
  assert.ok(http.authorizations.length > 0 && http.authorizations.every((value) => value === 'Bearer mcp-key'));
});
