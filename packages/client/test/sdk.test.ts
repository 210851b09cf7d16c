import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Message } from '@roundtable/protocol';
import { eventually, startHub } from '@roundtable/testkit';
import { RestClient, RoundtableClient, RoundtableError } from '../src/index.js';

function quiet() {
  return { warn: () => {} };
}

test('the SDK sends with acks, receives typed events, and pages history', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const a = new RoundtableClient({ url: hub.url, token: ada.token, logger: quiet() });
  const b = new RoundtableClient({ url: hub.url, token: bob.token, logger: quiet() });
  t.after(() => Promise.all([a.close(), b.close()]));
  const ready = await a.connect();
  await b.connect();
  assert.equal(ready.member.handle, 'ada');
  const received: Message[] = [];
  b.on('message', (message) => void received.push(message));
  const result = await a.send('general', 'hello @bob');
  assert.equal(result.duplicate, false);
  assert.deepEqual(result.message.mentions, ['bob']);
  await eventually(() =>
    assert.deepEqual(
      received.map((m) => m.id),
      [result.message.id],
    ),
  );
  const page = await b.history('general', { limit: 10 });
  assert.deepEqual(
    page.messages.map((m) => m.content),
    ['hello @bob'],
  );
  const error = await a.send('nowhere', 'x').catch((caught: unknown) => caught);
  assert.ok(error instanceof RoundtableError);
  assert.equal(error.code, 'room_not_found');
});

test('the SDK reconnects after the hub drops it and resumes without loss or duplicates', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const reader = new RoundtableClient({
    url: hub.url,
    token: ada.token,
    reconnectBaseMs: 20,
    reconnectMaxMs: 100,
    logger: quiet(),
  });
  const writer = new RoundtableClient({
    url: hub.url,
    token: bob.token,
    reconnectBaseMs: 20,
    reconnectMaxMs: 100,
    logger: quiet(),
  });
  t.after(() => Promise.all([reader.close(), writer.close()]));
  await reader.connect();
  await writer.connect();
  const received: string[] = [];
  reader.on('message', (message) => void received.push(message.content));
  const states: string[] = [];
  reader.on('state', (state) => void states.push(state));

  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < 200; i++) {
    sends.push(writer.send('general', `n${i}`));
    if (i === 60 || i === 140) {
      // The hub drops both connections mid-stream, as a restart or a slow-consumer close would.
      for (const session of [...hub.hub.sessions.all]) session.connection.close(4508, 'test drop');
    }
    if (i % 20 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(sends);
  await eventually(() => assert.equal(received.length, 200), 10_000);
  assert.deepEqual(
    received,
    Array.from({ length: 200 }, (_, i) => `n${i}`),
    'all, once, in order',
  );
  assert.ok(states.includes('reconnecting'), 'the reader did reconnect');
  const history = await reader.history('general', { limit: 200 });
  assert.equal(history.messages.length, 200, 'retried sends were stored once');
});

test('a person pressing stop aborts the agent stream signal', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const bot = await hub.member('bot', 'agent');
  const person = new RoundtableClient({ url: hub.url, token: ada.token, logger: quiet() });
  const agent = new RoundtableClient({ url: hub.url, token: bot.token, logger: quiet() });
  t.after(() => Promise.all([person.close(), agent.close()]));
  await person.connect();
  await agent.connect();
  const deltas: string[] = [];
  person.on('delta', (frame) => void deltas.push(frame.delta));
  const stream = await agent.startStream('general');
  stream.append('Hello');
  stream.append(' there');
  await eventually(() => assert.equal(deltas.join(''), 'Hello there'));
  const cancelled = await person.cancelStream(stream.id);
  assert.equal(cancelled.status, 'cancelled');
  await eventually(() => assert.equal(stream.signal.aborted, true));
  assert.equal(stream.active, false);
});

test('the REST helper registers and signs in', async (t) => {
  const hub = await startHub(t);
  const rest = new RestClient({ url: hub.url });
  const registered = await rest.register({ handle: 'zed', password: 'long enough' });
  assert.equal(registered.member.handle, 'zed');
  const signedIn = new RestClient({ url: hub.url });
  await signedIn.login({ handle: 'zed', password: 'long enough' });
  assert.equal((await signedIn.me()).member.handle, 'zed');
  await assert.rejects(
    new RestClient({ url: hub.url }).login({ handle: 'zed', password: 'wrong one' }),
    (error: unknown) => {
      return error instanceof RoundtableError && error.code === 'bad_credentials';
    },
  );
});

test('the SDK reads receipts and hears them move, and hears of offline agents at once', async (t) => {
  const hub = await startHub(t);
  const [ada, bot] = await Promise.all([hub.member('ada'), hub.member('bot', 'agent'), hub.member('away', 'agent')]);
  const a = new RoundtableClient({ url: hub.url, token: ada.token, logger: quiet() });
  const agent = new RoundtableClient({ url: hub.url, token: bot.token, logger: quiet() });
  t.after(() => Promise.all([a.close(), agent.close()]));
  await Promise.all([a.connect(), agent.connect()]);
  const states: string[] = [];
  const notices: string[][] = [];
  a.on('receipt', (frame) => void states.push(`${frame.member}:${frame.state}`));
  a.on('notice', (frame) => void notices.push(frame.members));
  const sent = await a.send('general', '@bot @away is the release ready?');
  assert.deepEqual(sent.notices?.[0]?.members, ['away']);
  await eventually(() => assert.deepEqual(notices, [['away']]));
  await eventually(() => assert.deepEqual(states, ['bot:delivered']));
  await agent.send('general', 'yes', { thread_id: sent.message.id });
  await eventually(() => assert.deepEqual(states, ['bot:delivered', 'bot:acted']));
  assert.deepEqual(
    (await a.receipts(sent.message.id)).map((receipt) => [receipt.member, receipt.state]),
    [
      ['away', 'stored'],
      ['bot', 'acted'],
    ],
  );
});

test('the REST helper reads the agents’ usage report, for admins only', async (t) => {
  const hub = await startHub(t);
  const [ada, scout] = await Promise.all([hub.member('ada'), hub.member('scout', 'agent')]);
  const agent = new RoundtableClient({ url: hub.url, token: scout.token, logger: quiet() });
  t.after(() => agent.close());
  await agent.connect();
  await agent.send('general', 'an answer', { metadata: { usage: { input_tokens: 12, output_tokens: 30 } } });
  const today = new Date().toISOString().slice(0, 10);

  const report = await new RestClient({ url: hub.url, token: hub.adminToken }).agentUsage({ until: today });
  assert.equal(report.until, today);
  assert.deepEqual(
    report.usage.map((row) => [row.day, row.agent, row.room_name, row.total_tokens]),
    [[today, 'scout', 'general', 42]],
  );
  await assert.rejects(
    new RestClient({ url: hub.url, token: ada.token }).agentUsage(),
    (error: unknown) => error instanceof RoundtableError && error.code === 'admin_only',
  );
});
