/**
 * The simple endpoints as existing scripts use them, with plain fetch and a plain `ws` socket:
 * /health, /agents, /messages, /send-message, /ws/{agent}, plus /metrics and the OpenAPI docs.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import WebSocket from 'ws';
import { eventually, startHub, type TestHub } from '@roundtable/testkit';

async function get(hub: TestHub, path: string, token?: string): Promise<{ status: number; body: any; type: string }> {
  const response = await fetch(hub.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return { status: response.status, body: type.includes('json') ? JSON.parse(text) : text, type };
}

async function post(hub: TestHub, path: string, token: string, body: unknown): Promise<{ status: number; body: any }> {
  const response = await fetch(hub.url + path, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

/** Sends through /send-message and returns the message as the endpoint echoes it. */
async function say(hub: TestHub, token: string, sender: string, message: string, extra: Record<string, unknown> = {}) {
  const reply = await post(hub, '/send-message', token, {
    sender,
    message,
    timestamp: new Date().toISOString(),
    ...extra,
  });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));
  // Distinct creation times, so that `since` can fall between two messages.
  const at = Date.parse(reply.body.timestamp);
  await eventually(() => assert.ok(Date.now() > at, 'the clock moved on'));
  return reply.body as { id: string; seq: number; timestamp: string; message: string; room: string };
}

/** A plain `ws` client for `/ws/{agent}`: every frame it receives, parsed. */
interface PlainSocket {
  socket: WebSocket;
  frames: any[];
  waitFor(predicate: (frame: any) => boolean): Promise<any>;
}

async function plainSocket(t: TestContext, url: string, headers: Record<string, string> = {}): Promise<PlainSocket> {
  const socket = new WebSocket(url, { headers });
  t.after(() => socket.terminate());
  const frames: any[] = [];
  socket.on('message', (data) => frames.push(JSON.parse(data.toString())));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  return {
    socket,
    frames,
    async waitFor(predicate) {
      let found: any;
      await eventually(() => {
        found = frames.find(predicate);
        assert.ok(found, `no matching frame among ${JSON.stringify(frames.slice(-3))}`);
      });
      return found;
    },
  };
}

function wsUrl(hub: TestHub, path: string): string {
  return hub.url.replace(/^http/, 'ws') + path;
}

test('GET /health answers without a token with liveness, readiness and counters', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const idle = await get(hub, '/health');
  assert.equal(idle.status, 200);
  assert.equal(idle.body.live, true);
  assert.equal(idle.body.ready, true);
  assert.equal(idle.body.counters.connections, 0);
  assert.equal(idle.body.counters.messages_sent, 0);

  await plainSocket(t, wsUrl(hub, '/ws/ada'), { authorization: `Bearer ${ada.token}` });
  await say(hub, ada.token, 'ada', 'counted');
  await eventually(async () => {
    const busy = await get(hub, '/health');
    assert.equal(busy.body.counters.connections, 1);
    assert.equal(busy.body.counters.messages_sent, 1);
    for (const name of ['events_delivered', 'duplicates_suppressed', 'errors']) {
      assert.equal(typeof busy.body.counters[name], 'number', name);
    }
  });
});

test('GET /agents needs a token and lists the agents with their status', async (t) => {
  const hub = await startHub(t);
  await hub.member('ada');
  const alpha = await hub.member('alpha', 'agent', { description: 'reviews code', capabilities: ['review'] });
  await hub.member('beta', 'agent');

  const anonymous = await get(hub, '/agents');
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.body.code, 'auth_required');

  const listed = await get(hub, '/agents', hub.adminToken);
  assert.equal(listed.status, 200);
  assert.deepEqual(listed.body.agents.map((agent: { handle: string }) => agent.handle).sort(), ['alpha', 'beta']);
  const entry = listed.body.agents.find((agent: { handle: string }) => agent.handle === 'alpha');
  assert.equal(entry.description, 'reviews code');
  assert.deepEqual(entry.capabilities, ['review']);
  assert.equal(entry.status, 'offline');

  await plainSocket(t, wsUrl(hub, `/ws/alpha?token=${alpha.token}`));
  await eventually(async () => {
    const online = await get(hub, '/agents', hub.adminToken);
    assert.equal(online.body.agents.find((agent: { handle: string }) => agent.handle === 'alpha').status, 'online');
  });
});

test('GET /messages filters by since (ISO time or epoch seconds), by room name, and by limit (the latest without since)', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const lab = await post(hub, '/api/v1/rooms', ada.token, { name: 'lab' });
  assert.equal(lab.status, 201);
  const start = Date.now();
  const m1 = await say(hub, ada.token, 'ada', 'first');
  const m2 = await say(hub, ada.token, 'ada', 'second');
  const m3 = await say(hub, ada.token, 'ada', 'third');
  const m4 = await say(hub, ada.token, 'ada', 'in the lab', { room: 'lab' });
  const ids = (reply: { body: { messages: Array<{ id: string }> } }) =>
    reply.body.messages.map((message) => message.id);

  const all = await get(hub, '/messages', ada.token);
  assert.equal(all.status, 200);
  assert.deepEqual(ids(all), [m1.id, m2.id, m3.id, m4.id]);
  const first = all.body.messages[0];
  assert.equal(first.type, 'message');
  assert.equal(first.sender, 'ada');
  assert.equal(first.message, 'first');
  assert.equal(first.room, 'general');
  assert.equal(first.timestamp, m1.timestamp);
  assert.deepEqual(first.target_agents, []);

  assert.deepEqual(ids(await get(hub, `/messages?since=${encodeURIComponent(m2.timestamp)}`, ada.token)), [
    m3.id,
    m4.id,
  ]);
  const secondsOfM2 = (Date.parse(m2.timestamp) / 1000).toFixed(3);
  assert.deepEqual(ids(await get(hub, `/messages?since=${secondsOfM2}`, ada.token)), [m3.id, m4.id]);
  assert.deepEqual(ids(await get(hub, `/messages?since=${Math.floor(start / 1000) - 1}`, ada.token)), [
    m1.id,
    m2.id,
    m3.id,
    m4.id,
  ]);
  assert.deepEqual(ids(await get(hub, `/messages?since=${Math.ceil(Date.now() / 1000) + 60}`, ada.token)), []);

  assert.deepEqual(ids(await get(hub, '/messages?room=general', ada.token)), [m1.id, m2.id, m3.id]);
  assert.deepEqual(ids(await get(hub, '/messages?room=lab', ada.token)), [m4.id]);
  assert.equal((await get(hub, '/messages?room=lab', ada.token)).body.messages[0].room, 'lab');
  assert.deepEqual(ids(await get(hub, '/messages?limit=2', ada.token)), [m3.id, m4.id], 'the latest two');
  assert.deepEqual(
    ids(await get(hub, `/messages?room=general&since=${encodeURIComponent(m1.timestamp)}&limit=1`, ada.token)),
    [m2.id],
  );

  const bad = await get(hub, '/messages?since=yesterday', ada.token);
  assert.equal(bad.status, 400);
  assert.equal(bad.body.code, 'invalid_request');
});

test('GET /messages?since= far outside the range of dates is invalid_request, not a server error', async (t) => {
  const hub = await startHub(t);
  const reply = await get(hub, '/messages?since=99999999999999999999', hub.adminToken);
  assert.deepEqual({ status: reply.status, code: reply.body.code }, { status: 400, code: 'invalid_request' });
});

test('GET /messages?agent= returns only the messages delivered to that agent: mentions, targets and @all', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  await hub.member('alpha', 'agent');
  await hub.member('beta', 'agent');
  await say(hub, ada.token, 'ada', 'plain words for people');
  const mention = await say(hub, ada.token, 'ada', '@alpha can you look?');
  const target = await say(hub, ada.token, 'ada', 'status please', { target_agents: ['beta'] });
  const everyone = await say(hub, ada.token, 'ada', '@all standup');
  await say(hub, ada.token, 'ada', 'code `@alpha` is not a mention');
  const ids = (reply: { body: { messages: Array<{ id: string }> } }) =>
    reply.body.messages.map((message) => message.id);

  assert.deepEqual(ids(await get(hub, '/messages?agent=alpha', ada.token)), [mention.id, everyone.id]);
  assert.deepEqual(ids(await get(hub, '/messages?agent=beta&room=general', ada.token)), [target.id, everyone.id]);
  assert.deepEqual(
    ids(await get(hub, `/messages?agent=beta&since=${encodeURIComponent(target.timestamp)}`, ada.token)),
    [everyone.id],
  );
  const targeted = (await get(hub, '/messages?agent=beta', ada.token)).body.messages[0];
  assert.deepEqual(targeted.target_agents, ['beta']);
});

test('GET /messages?agent= includes what an agent that listens to everything receives', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const gamma = await hub.member('gamma', 'agent');
  const settings = await fetch(`${hub.url}/api/v1/rooms/general/settings`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${gamma.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ listen: 'all' }),
  });
  assert.equal(settings.status, 200);
  const gammaSocket = await plainSocket(t, wsUrl(hub, `/ws/gamma?token=${gamma.token}`));
  const plain = await say(hub, ada.token, 'ada', 'plain words that gamma hears');
  await gammaSocket.waitFor((frame) => frame.type === 'message' && frame.id === plain.id);

  const delivered = await get(hub, '/messages?agent=gamma', ada.token);
  assert.deepEqual(
    delivered.body.messages.map((message: { id: string }) => message.id),
    [plain.id],
    'the message was delivered to gamma live, so /messages?agent=gamma lists it',
  );
});

test('POST /send-message posts as the token owner, reaches the target agents, and stores a repeated client_id once', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const beta = await hub.member('beta', 'agent');
  const betaSocket = await plainSocket(t, wsUrl(hub, '/ws/beta'), { authorization: `Bearer ${beta.token}` });

  const body = {
    sender: 'ada',
    message: 'please run the report',
    timestamp: '2025-01-02T03:04:05Z',
    target_agents: ['beta'],
    client_id: 'job-17',
  };
  const first = await post(hub, '/send-message', ada.token, body);
  assert.equal(first.status, 201, JSON.stringify(first.body));
  assert.equal(first.body.ok, true);
  assert.equal(first.body.duplicate, false);
  assert.equal(first.body.sender, 'ada');
  assert.equal(first.body.message, 'please run the report');
  assert.deepEqual(first.body.target_agents, ['beta']);
  assert.equal(first.body.room, 'general');

  const received = await betaSocket.waitFor((frame) => frame.type === 'message' && frame.id === first.body.id);
  assert.equal(received.sender, 'ada');
  assert.equal(received.message, 'please run the report');
  assert.deepEqual(received.target_agents, ['beta']);

  const again = await post(hub, '/send-message', ada.token, body);
  assert.equal(again.status, 200, JSON.stringify(again.body));
  assert.equal(again.body.duplicate, true);
  assert.equal(again.body.id, first.body.id);
  const stored = await get(hub, '/messages?room=general', ada.token);
  assert.equal(
    stored.body.messages.filter((message: { message: string }) => message.message === body.message).length,
    1,
  );

  const mismatch = await post(hub, '/send-message', ada.token, { sender: 'beta', message: 'I am beta' });
  assert.equal(mismatch.status, 403);
  assert.equal(mismatch.body.code, 'sender_mismatch');
  const anonymous = await fetch(`${hub.url}/send-message`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ sender: 'ada', message: 'who am I' }),
  });
  assert.equal(anonymous.status, 401);
});

test('/ws/{agent} with the token in the Authorization header receives plain message objects of its room only', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const alpha = await hub.member('alpha', 'agent');
  assert.equal((await post(hub, '/api/v1/rooms', ada.token, { name: 'lab', members: ['alpha'] })).status, 201);
  const socket = await plainSocket(t, wsUrl(hub, '/ws/alpha?user_id=script-7&room=lab'), {
    authorization: `Bearer ${alpha.token}`,
  });

  const elsewhere = await say(hub, ada.token, 'ada', '@alpha this is in general');
  const here = await say(hub, ada.token, 'ada', '@alpha this is in the lab', { room: 'lab' });
  const received = await socket.waitFor((frame) => frame.type === 'message' && frame.id === here.id);
  assert.equal(received.sender, 'ada');
  assert.equal(received.message, '@alpha this is in the lab');
  assert.equal(received.room, 'lab');
  assert.equal(received.timestamp, here.timestamp);
  assert.deepEqual(received.target_agents, []);
  const marker = await say(hub, ada.token, 'ada', '@alpha last one', { room: 'lab' });
  await socket.waitFor((frame) => frame.type === 'message' && frame.id === marker.id);

  const messages = socket.frames.filter((frame) => frame.type === 'message');
  assert.deepEqual(
    messages.map((frame) => frame.id),
    [here.id, marker.id],
  );
  assert.ok(!JSON.stringify(socket.frames).includes(elsewhere.id), 'nothing of #general reached the lab socket');
  assert.ok(
    !socket.frames.some((frame) => frame.type === 'event' && frame.kind === 'message.created'),
    'no raw protocol events',
  );
});

test('/ws/{agent} with ?token= sends {"message", "target_agents"} into its room', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const alpha = await hub.member('alpha', 'agent');
  const beta = await hub.member('beta', 'agent');
  assert.equal((await post(hub, '/api/v1/rooms', ada.token, { name: 'lab', members: ['alpha', 'beta'] })).status, 201);
  const inGeneral = await plainSocket(t, wsUrl(hub, `/ws/alpha?token=${alpha.token}`));
  const inLab = await plainSocket(t, wsUrl(hub, `/ws/alpha?token=${alpha.token}&room=lab`));
  const betaSocket = await plainSocket(t, wsUrl(hub, `/ws/beta?token=${beta.token}&room=lab`));
  await inGeneral.waitFor((frame) => frame.type === 'ready');
  await inLab.waitFor((frame) => frame.type === 'ready');

  inGeneral.socket.send(JSON.stringify({ message: 'report for everyone' }));
  inLab.socket.send(JSON.stringify({ message: 'beta, your turn', target_agents: ['beta'] }));

  const handed = await betaSocket.waitFor((frame) => frame.type === 'message' && frame.message === 'beta, your turn');
  assert.equal(handed.sender, 'alpha');
  assert.equal(handed.room, 'lab');
  assert.deepEqual(handed.target_agents, ['beta']);
  await eventually(async () => {
    const general = await get(hub, '/messages?room=general', ada.token);
    assert.deepEqual(
      general.body.messages.map((message: { sender: string; message: string }) => [message.sender, message.message]),
      [['alpha', 'report for everyone']],
    );
  });
  const lab = await get(hub, '/messages?room=lab', ada.token);
  assert.deepEqual(
    lab.body.messages.map((message: { sender: string; message: string }) => [message.sender, message.message]),
    [['alpha', 'beta, your turn']],
  );
});

test('GET /metrics serves Prometheus text with roundtable_messages_sent_total', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  await say(hub, ada.token, 'ada', 'one for the counter');
  const metrics = await get(hub, '/metrics');
  assert.equal(metrics.status, 200);
  assert.match(metrics.type, /^text\/plain/);
  assert.match(metrics.body, /^# TYPE roundtable_messages_sent_total /m);
  assert.match(metrics.body, /^roundtable_messages_sent_total 1$/m);
});

test('GET /docs serves the API explorer and /docs/json describes the REST and simple paths', async (t) => {
  const hub = await startHub(t);
  const page = await get(hub, '/docs');
  assert.equal(page.status, 200);
  assert.match(page.type, /text\/html/);
  assert.match(page.body, /swagger/i);

  const spec = await get(hub, '/docs/json');
  assert.equal(spec.status, 200);
  const paths = Object.keys(spec.body.paths);
  for (const path of [
    '/api/v1/rooms/{room}/messages',
    '/api/v1/messages/{id}',
    '/api/v1/stream',
    '/health',
    '/agents',
    '/messages',
    '/send-message',
  ]) {
    assert.ok(paths.includes(path), `${path} is documented; found ${paths.join(', ')}`);
  }
});
