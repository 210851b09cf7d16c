/**
 * Hostile input at every parse boundary: frames and bodies nested too deep, malformed
 * MCP params, and a handler that throws. Each is answered with a registered code to its sender
 * alone, and the hub keeps serving everyone else.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { CloseCode, Limits, isErrorCode } from '@roundtable/protocol';
import { RawClient, eventually, startHub, tempDir, testEnv } from '@roundtable/testkit';
import { SqliteStore, createLogger, loadConfig, startServer, type Store } from '../src/index.js';

/** `depth` levels of `open`…`close` around `inner`, as text: JSON.stringify of such a value would itself overflow. */
function nested(depth: number, inner = '0', open = '[', close = ']'): string {
  return open.repeat(depth) + inner + close.repeat(depth);
}

function objects(depth: number): string {
  return '{"a":'.repeat(depth) + '0' + '}'.repeat(depth);
}

async function assertServing(speaker: RawClient, listener: RawClient): Promise<void> {
  const content = `still here ${randomUUID()}`;
  await speaker.request('send', { room: 'general', content });
  await listener.waitFor((frame) => frame.type === 'event' && frame.data?.content === content);
}

test('a frame nested 5,000 deep is refused with nesting_too_deep before authentication, after it, and on /ws/{agent}; the hub lives', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const bob = await hub.member('bob');
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);

  const anonymous = await RawClient.connect(t, hub.url);
  anonymous.sendRaw(`{"type": ${nested(5_000)}}`);
  const refused = await anonymous.waitFor((frame) => frame.type === 'error');
  assert.equal(refused.code, 'nesting_too_deep');
  anonymous.sendRaw(`{"type": ${objects(5_000)}}`);
  await anonymous.waitFor((frame) => frame.type === 'error' && anonymous.frames.indexOf(frame) > 0);

  const frames = [
    `{"type": ${nested(5_000)}}`,
    `{"type":"send","id":"deep-1","room":"general","content":"x","metadata":{"a":${nested(20_000)}}}`,
    `{"type":"send","id":"deep-2","room":"general","content":"x","parts":[{"type":"tool_call","id":"c","name":"n","status":"ok","arguments":${objects(20_000)}}]}`,
    `{"type":"task.create","id":"deep-3","title":"t","context":{"a":${nested(20_000)}}}`,
    `{"type":"task.create","id":"deep-4","title":"t","acceptance":{"schema":${objects(3_000)}}}`,
  ];
  for (const frame of frames) {
    const from = a.frames.length;
    a.sendRaw(frame);
    const error = await a.waitFor((f) => f.type === 'error' && a.frames.indexOf(f) >= from);
    assert.equal(error.code, 'nesting_too_deep', frame.slice(0, 60));
  }
  const simple = await RawClient.connect(t, hub.url, { path: '/ws/ada', token: ada.token });
  await simple.waitFor((frame) => frame.type === 'ready');
  simple.sendRaw(`{"message": ${nested(5_000)}}`);
  assert.equal((await simple.waitFor((frame) => frame.type === 'error')).code, 'nesting_too_deep');

  assert.equal(a.closeCode, undefined);
  assert.equal(anonymous.closeCode, undefined, 'even an unauthenticated socket is only answered');
  await assertServing(a, b);
});

test('nesting up to the documented limit is accepted, one level more is refused', async (t) => {
  const hub = await startHub(t);
  const a = await RawClient.ready(t, hub.url, (await hub.member('ada')).token);
  // The frame is level 1 and `metadata` level 2: `rest` levels of arrays inside it reach the limit exactly.
  const rest = Limits.maxJsonDepth - 2;
  a.sendRaw(`{"type":"send","id":"edge","room":"general","content":"edge","metadata":{"x":${nested(rest)}}}`);
  const accepted = await a.waitFor((frame) => frame.id === 'edge');
  assert.equal(accepted.type, 'ack', JSON.stringify(accepted).slice(0, 200));
  a.sendRaw(`{"type":"send","id":"over","room":"general","content":"over","metadata":{"x":${nested(rest + 1)}}}`);
  assert.equal((await a.waitFor((frame) => frame.id === 'over')).code, 'nesting_too_deep');
});

test('REST bodies nested too deep get nesting_too_deep (400), never 500', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const post = (path: string, body: string) =>
    fetch(hub.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' },
      body,
    }).then(async (response) => ({ status: response.status, body: (await response.json()) as { code: string } }));
  for (const [path, body] of [
    ['/api/v1/rooms/general/messages', `{"content":"x","metadata":{"a":${nested(20_000)}}}`],
    [
      '/api/v1/rooms/general/messages',
      `{"content":"x","parts":[{"type":"tool_call","id":"c","name":"n","status":"ok","arguments":${nested(20_000)}}]}`,
    ],
    ['/api/v1/tasks', `{"title":"t","context":{"a":${objects(20_000)}}}`],
    ['/api/v1/tasks', `{"title":"t","acceptance":{"schema":${objects(3_000)}}}`],
    ['/send-message', `{"sender":"ada","message":${nested(5_000)}}`],
  ] as const) {
    const reply = await post(path, body);
    assert.deepEqual([reply.status, reply.body.code], [400, 'nesting_too_deep'], `${path} ${body.slice(0, 50)}`);
  }
  assert.equal((await fetch(`${hub.url}/health`)).status, 200);
});

test('keys that reach a prototype are refused in frames and bodies alike', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const a = await RawClient.ready(t, hub.url, ada.token);
  a.sendRaw('{"type":"send","id":"p1","room":"general","content":"x","metadata":{"__proto__":{"admin":true}}}');
  assert.equal((await a.waitFor((frame) => frame.id === 'p1')).code, 'invalid_request');
  const reply = await fetch(`${hub.url}/api/v1/rooms/general/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' },
    body: '{"content":"x","metadata":{"constructor":{"prototype":{"admin":true}}}}',
  });
  assert.equal(reply.status, 400);
  assert.equal(((await reply.json()) as { code: string }).code, 'invalid_request');
});

test('an unknown frame type is named briefly, whatever was sent as the type', async (t) => {
  const hub = await startHub(t);
  const a = await RawClient.ready(t, hub.url, (await hub.member('ada')).token);
  a.sendRaw(JSON.stringify({ type: 'x'.repeat(100_000), id: 'long' }));
  const long = await a.waitFor((frame) => frame.id === 'long');
  assert.equal(long.code, 'unknown_frame');
  assert.ok(long.message.length < 200, `the message stays short: ${long.message.length} characters`);
  a.sendRaw(JSON.stringify({ type: { nested: [1, 2, 3] }, id: 'object' }));
  const object = await a.waitFor((frame) => frame.id === 'object');
  assert.equal(object.code, 'unknown_frame');
  assert.match(object.message, /an object/);
});

interface RpcReply {
  status: number;
  body: { error?: { code: number; message: string; data?: { code?: string } }; result?: unknown };
}

async function rpc(url: string, token: string, body: unknown): Promise<RpcReply> {
  const response = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as RpcReply['body'] };
}

test('MCP requests with malformed params get -32602 Invalid params with a readable message, never -32603', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada', 'agent');
  const cases = [
    { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: true } },
    { jsonrpc: '2.0', id: 2, method: 'tools/call' },
    { jsonrpc: '2.0', id: 3, method: 'resources/unsubscribe' },
    {
      jsonrpc: '2.0',
      id: 4,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'probe' } },
    },
  ];
  for (const request of cases) {
    const reply = await rpc(hub.url, ada.token, request);
    assert.equal(reply.body.error?.code, -32602, `${request.method}: ${JSON.stringify(reply.body)}`);
    assert.match(reply.body.error!.message, /^Invalid params: /);
    assert.doesNotMatch(reply.body.error!.message, /"code":\s*"invalid_type"/, 'no raw validation dump');
    assert.equal((reply.body as { id?: unknown }).id, request.id, 'the error answers the request');
  }
  const fine = await rpc(hub.url, ada.token, {
    jsonrpc: '2.0',
    id: 9,
    method: 'tools/call',
    params: { name: 'whoami' },
  });
  assert.equal(fine.body.error, undefined, JSON.stringify(fine.body));
});

test('a handler that throws answers internal to that request alone; WebSocket, REST, SSE and MCP carry on', async (t) => {
  const dir = tempDir(t);
  const real = new SqliteStore({ path: join(dir, 'roundtable.db') });
  let broken = false;
  // A defect the hub cannot foresee: an adapter method that throws synchronously instead of rejecting.
  const store = new Proxy(real, {
    get(target, key) {
      const value = Reflect.get(target, key) as unknown;
      if (key === 'listRoomsOf' || key === 'history') {
        return (...args: unknown[]) => {
          if (broken) throw new TypeError('simulated synchronous defect');
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  const lines: string[] = [];
  const server = await startServer(loadConfig(testEnv(join(dir, 'roundtable.db'))), {
    store,
    logger: createLogger('error', (line) => void lines.push(line)),
  });
  t.after(() => server.close());
  const token = server.adminToken!;
  const watcher = await RawClient.ready(t, server.url, token);
  const speaker = await RawClient.ready(t, server.url, token);

  broken = true;
  const frame = await speaker.requestError('history', { room: 'general' });
  assert.equal(frame.code, 'internal');
  const rest = await fetch(`${server.url}/api/v1/rooms/general/messages`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(rest.status, 500);
  // A connection whose attach throws is closed with a code the protocol names; the others stay.
  const late = await RawClient.connect(t, server.url, { token });
  const closed = await late.waitForClose();
  assert.ok(Object.values(CloseCode).includes(closed as never), `close code ${closed}`);
  const sse = await fetch(`${server.url}/api/v1/stream`, { headers: { authorization: `Bearer ${token}` } });
  const text = await sse.text();
  assert.match(text, /event: error\ndata: .*"code":"internal"/);
  const mcp = await rpc(server.url, token, {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'read_messages', arguments: { room: 'general' } },
  });
  assert.ok(JSON.stringify(mcp.body).includes('internal'), JSON.stringify(mcp.body));
  broken = false;

  await assertServing(speaker, watcher);
  assert.equal(speaker.closeCode, undefined);
  await eventually(() =>
    assert.ok(
      lines.some((line) => line.includes('simulated synchronous defect') && line.includes('"stack"')),
      'the failure is logged with its stack',
    ),
  );
  for (const line of lines) {
    const code = /"code":"([a-z_]+)"/.exec(line)?.[1];
    if (code) assert.ok(isErrorCode(code), `logged code ${code} is registered`);
  }
});

test('an acceptance schema that would take seconds to check stalls only its own check, never the hub', async (t) => {
  const hub = await startHub(t);
  const alice = await hub.member('alice');
  const worker = await hub.member('worker', 'agent', { capabilities: ['regex'] });
  const a = await RawClient.ready(t, hub.url, alice.token);
  const w = await RawClient.ready(t, hub.url, worker.token);
  const { task } = await a.request('task.create', {
    title: 'catastrophic backtracking',
    capabilities: ['regex'],
    max_attempts: 1,
    acceptance: { schema: { type: 'object', properties: { text: { type: 'string', pattern: '^(a+)+$' } } } },
  });
  const { claim } = await w.request('task.claim', {});
  assert.equal(claim!.task.id, task.id);
  const report = w.request('task.report', {
    task: task.id,
    lease: claim!.lease.token,
    result: { summary: 'x', data: { text: `${'a'.repeat(40)}!` } },
  });
  // Meanwhile the hub answers everyone: a ping sent after the report is answered before it.
  const order: string[] = [];
  await Promise.all([report.then(() => order.push('report')), a.request('ping').then(() => order.push('ping'))]);
  assert.deepEqual(order, ['ping', 'report']);
  const { task: checked, verdict } = await report;
  assert.equal(verdict.valid, false);
  assert.match(verdict.errors.join(' '), /took longer than/);
  assert.equal(checked.status, 'failed', 'a check that cannot finish counts as a refused result');

  // The next check gets a fresh worker: a good schema still works.
  const { task: fine } = await a.request('task.create', {
    title: 'fine',
    capabilities: ['regex'],
    acceptance: { schema: { type: 'object', required: ['n'], properties: { n: { type: 'integer' } } } },
  });
  const next = (await w.request('task.claim', {})).claim!;
  assert.equal(next.task.id, fine.id);
  const done = await w.request('task.report', { task: fine.id, lease: next.lease.token, result: { data: { n: 1 } } });
  assert.equal(done.verdict.valid, true);
});

test('acceptance schemas are kept apart, their verdicts stay short, and one member cannot queue up the checker', async (t) => {
  const hub = await startHub(t);
  const alice = await hub.member('alice');
  const worker = await hub.member('worker', 'agent', { capabilities: ['s'] });
  const a = await RawClient.ready(t, hub.url, alice.token);
  const w = await RawClient.ready(t, hub.url, worker.token);
  const create = (schema: Record<string, unknown>, title = 't') =>
    a.request('task.create', { title, capabilities: ['s'], acceptance: { schema } });

  // The same $id twice is two schemas; a $ref to another task's $id does not read its rules.
  await create({ $id: 'https://example.com/victim.json', type: 'string', pattern: '^SECRET-[0-9]{4}$' });
  await create({ $id: 'https://example.com/victim.json', type: 'object' });
  const peek = await a.requestError('task.create', {
    title: 'peek',
    capabilities: ['s'],
    acceptance: { schema: { $ref: 'https://example.com/victim.json' } },
  });
  assert.equal(peek.code, 'invalid_schema');
  assert.doesNotMatch(peek.message, /SECRET/);

  // A result that breaks a schema 30,000 times is told so in a few lines.
  const { task } = await a.request('task.create', {
    title: 'strings',
    capabilities: ['s'],
    priority: 10,
    acceptance: { schema: { type: 'array', items: { type: 'string' } } },
  });
  const { claim } = await w.request('task.claim', {});
  assert.equal(claim!.task.id, task.id);
  const { verdict } = await w.request('task.report', {
    task: task.id,
    lease: claim!.lease.token,
    result: { data: Array.from({ length: 30_000 }, () => 0) },
  });
  assert.equal(verdict.valid, false);
  assert.equal(verdict.errors.length, 21);
  assert.match(verdict.errors.at(-1)!, /^and 29980 more$/);

  // Three slow checks at once from one member: the third is refused at once, not queued behind the others.
  const slow = { type: 'object', properties: { text: { type: 'string', pattern: '^(a+)+$' } } };
  const leases = [];
  for (let index = 0; index < 3; index += 1) {
    const created = (
      await a.request('task.create', {
        title: `slow ${index}`,
        capabilities: ['s'],
        priority: 20,
        acceptance: { schema: slow },
      })
    ).task;
    const taken = (await w.request('task.claim', {})).claim!;
    assert.equal(taken.task.id, created.id);
    leases.push(taken);
  }
  // Each slow check ends its worker, and the next one's two seconds start once a fresh worker has
  // loaded: on a busy machine the second verdict comes later than a request's usual wait.
  const reports = leases.map(async (taken, index) => {
    const id = `slow-report-${index}`;
    w.sendRaw(
      JSON.stringify({
        type: 'task.report',
        id,
        task: taken.task.id,
        lease: taken.lease.token,
        result: { data: { text: `${'a'.repeat(40)}!` } },
      }),
    );
    const reply = await w.waitFor(
      (frame) => (frame.type === 'ack' || frame.type === 'error') && frame.id === id,
      60_000,
    );
    return reply.type === 'error' ? (reply.code as string) : `checked:${reply.result.verdict.valid}`;
  });
  assert.deepEqual((await Promise.all(reports)).sort(), ['checked:false', 'checked:false', 'rate_limited']);
});

test('text no store can hold (NUL, half a surrogate pair) is refused as invalid_request in bodies, frames, paths and queries', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const a = await RawClient.ready(t, hub.url, ada.token);
  const post = async (path: string, body: string) => {
    const response = await fetch(hub.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${ada.token}`, 'content-type': 'application/json' },
      body,
    });
    return [response.status, ((await response.json()) as { code: string }).code];
  };
  for (const body of [
    '{"content":"nul \\u0000 here"}',
    '{"content":"half \\ud800 pair"}',
    '{"content":"x","metadata":{"k":"\\udfff"}}',
    '{"content":"x","metadata":{"\\u0000key":1}}',
  ]) {
    assert.deepEqual(await post('/api/v1/rooms/general/messages', body), [400, 'invalid_request'], body);
  }
  assert.deepEqual(await post('/api/v1/tasks', '{"title":"t\\u0000","context":{"a":"\\ud83d"}}'), [
    400,
    'invalid_request',
  ]);
  a.sendRaw('{"type":"send","id":"nul","room":"general","content":"a\\u0000b"}');
  assert.equal((await a.waitFor((frame) => frame.id === 'nul')).code, 'invalid_request');
  const path = await fetch(`${hub.url}/api/v1/rooms/%00/messages`, {
    headers: { authorization: `Bearer ${ada.token}` },
  });
  assert.equal(path.status, 400);
  const query = await fetch(`${hub.url}/api/v1/tasks?room=%00`, { headers: { authorization: `Bearer ${ada.token}` } });
  assert.equal(query.status, 400);
  // A whole pair is fine, and so is the text of an escaped backslash before "u0000".
  const emoji = await post('/api/v1/rooms/general/messages', '{"content":"pair \\ud83d\\ude00 and \\\\u0000"}');
  assert.equal(emoji[0], 201);
});

test('a URL the router cannot decode and an MCP resource with a broken escape get registered answers, never internal', async (t) => {
  const hub = await startHub(t);
  const agent = await hub.member('agent-1', 'agent');
  for (const path of ['/api/v1/x%E0/y', '/%', '/api/v1/rooms/general%/messages']) {
    const reply = await fetch(hub.url + path, { headers: { authorization: `Bearer ${agent.token}` } });
    const body = (await reply.json()) as { code: string; message: string };
    assert.deepEqual([reply.status, body.code], [400, 'invalid_request'], path);
    assert.ok(!body.message.includes(path), 'the URL is not echoed');
  }
  for (const method of ['resources/read', 'resources/subscribe']) {
    const reply = await rpc(hub.url, agent.token, {
      jsonrpc: '2.0',
      id: 7,
      method,
      params: { uri: 'roundtable://rooms/%' },
    });
    assert.ok(reply.body.error, JSON.stringify(reply.body));
    assert.notEqual(reply.body.error.code, -32603, JSON.stringify(reply.body));
    assert.notEqual(reply.body.error.data?.code, 'internal');
  }
});

test('a text frame that is not UTF-8 closes only its own connection, with 1007 even while frames are queued for it', async (t) => {
  const hub = await startHub(t);
  const a = await RawClient.ready(t, hub.url, (await hub.member('ada')).token);
  const b = await RawClient.ready(t, hub.url, (await hub.member('bob')).token);
  const bad = await RawClient.ready(t, hub.url, (await hub.member('eve')).token);
  // Frames of its own are on their way to it when the bad one arrives.
  for (let index = 0; index < 30; index += 1)
    bad.sendRaw(JSON.stringify({ type: 'send', room: 'general', content: `n${index}` }));
  const invalid = Buffer.concat([Buffer.from('{"type":"ping","id":"p'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
  bad.socket.send(invalid, { binary: false });
  assert.equal(await bad.waitForClose(), CloseCode.InvalidPayload);
  await assertServing(a, b);
  const head = await fetch(`${hub.url}/api/v1/stream`, {
    method: 'HEAD',
    headers: { authorization: `Bearer ${hub.adminToken}` },
  });
  assert.equal(head.status, 404, 'a stream has no HEAD, and is not left open by one');
  const long = await fetch(`${hub.url}/api/v1/tasks?room=${'r'.repeat(70_000)}`, {
    headers: { authorization: `Bearer ${hub.adminToken}` },
  });
  assert.equal(long.status, 413);
  assert.equal(((await long.json()) as { code: string }).code, 'frame_too_large');
});
