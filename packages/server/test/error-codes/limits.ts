/** Rate limits, token budgets and slow readers: the one past a limit is refused or closed, everyone else carries on. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CloseCode, type MessagePart } from '@roundtable/protocol';
import { RawClient, eventually, startHub } from '@roundtable/testkit';
import { assertStillServing, call, errorAfter, expectErrorFrame, expectRestError, lastSeq, scene } from './helpers.js';

test('too many messages from one member get rate_limited with retry_after_ms over WebSocket, and 429 with Retry-After over REST', async (t) => {
  const { hub, ada, a, b } = await scene(t, { RATE_MEMBER_MESSAGES_PER_SEC: '1', RATE_MEMBER_MESSAGES_BURST: '2' });
  const before = await lastSeq(hub);
  await a.request('send', { room: 'general', content: 'one' });
  await a.request('send', { room: 'general', content: 'two' });

  const limited = await a.requestError('send', { room: 'general', content: 'three' });
  expectErrorFrame(limited, 'rate_limited');
  assert.ok(limited.retry_after_ms > 0 && limited.retry_after_ms <= 1000, `retry_after_ms ${limited.retry_after_ms}`);

  const rest = await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'three' });
  expectRestError(rest, 'rate_limited');
  assert.ok(
    rest.body.retry_after_ms > 0 && rest.body.retry_after_ms <= 1000,
    `retry_after_ms ${rest.body.retry_after_ms}`,
  );
  assert.equal(rest.headers.get('retry-after'), String(Math.ceil(rest.body.retry_after_ms / 1000)));

  assert.equal(await lastSeq(hub), before + 2, 'only the allowed messages were stored');
  assert.equal(a.closeCode, undefined);
  await assertStillServing(b, a);
});

test('too many REST requests get 429 with Retry-After, per member and per address for sign-in', async (t) => {
  const hub = await startHub(t, {
    env: {
      RATE_MEMBER_REQUESTS_PER_SEC: '1',
      RATE_MEMBER_REQUESTS_BURST: '2',
      RATE_ANONYMOUS_REQUESTS_PER_SEC: '1',
      RATE_ANONYMOUS_REQUESTS_BURST: '2',
    },
  });
  const bob = await hub.member('bob');
  assert.equal((await call(hub, bob.token, 'GET', '/api/v1/me')).status, 200);
  assert.equal((await call(hub, bob.token, 'GET', '/api/v1/me')).status, 200);
  const limited = await call(hub, bob.token, 'GET', '/api/v1/me');
  expectRestError(limited, 'rate_limited');
  assert.ok(Number(limited.headers.get('retry-after')) >= 1, `Retry-After: ${limited.headers.get('retry-after')}`);
  assert.ok(limited.body.retry_after_ms > 0);

  const login = () => call(hub, undefined, 'POST', '/api/v1/auth/login', { handle: 'bob', password: 'guessing-1' });
  expectRestError(await login(), 'bad_credentials');
  expectRestError(await login(), 'bad_credentials');
  const anonymous = await login();
  expectRestError(anonymous, 'rate_limited');
  assert.ok(Number(anonymous.headers.get('retry-after')) >= 1);
});

test('an agent past its token budget gets budget_exhausted over WebSocket and REST, and the room keeps serving', async (t) => {
  const { hub, a, b } = await scene(t, { AGENT_TOKENS_PER_ROOM_PER_HOUR: '10' });
  const helper = await hub.member('helper', 'agent');
  const h = await RawClient.ready(t, hub.url, helper.token);
  await h.request('send', {
    room: 'general',
    content: 'costly',
    metadata: { usage: { input_tokens: 8, output_tokens: 4 } },
  });
  const before = await lastSeq(hub);
  expectErrorFrame(await h.requestError('send', { room: 'general', content: 'more' }), 'budget_exhausted');
  const rest = await call(hub, helper.token, 'POST', '/api/v1/rooms/general/messages', { content: 'more' });
  expectRestError(rest, 'budget_exhausted');
  assert.ok(rest.body.retry_after_ms > 0);
  await eventually(async () => assert.equal(await lastSeq(hub), before + 1, 'only the one notice was logged'));
  await assertStillServing(a, b);
});

test('too many frames on one connection get rate_limited, and other connections are not slowed', async (t) => {
  const { hub, a, b } = await scene(t, { RATE_CONNECTION_FRAMES_PER_SEC: '1', RATE_CONNECTION_FRAMES_BURST: '3' });
  const before = await lastSeq(hub);
  for (let i = 0; i < 3; i++) await a.request('ping');
  const limited = await errorAfter(a, () =>
    a.sendRaw(JSON.stringify({ type: 'send', id: 'late', room: 'general', content: 'x' })),
  );
  expectErrorFrame(limited, 'rate_limited');
  assert.ok(limited.retry_after_ms > 0 && limited.retry_after_ms <= 1000, `retry_after_ms ${limited.retry_after_ms}`);
  assert.equal(await lastSeq(hub), before, 'the refused frame stored nothing');
  assert.equal(a.closeCode, undefined);
  await b.request('send', { room: 'general', content: 'bob is not limited by ada' });
});

test('error frames answer the id of the request they refuse, including auth and rate-limited frames', async (t) => {
  const hub = await startHub(t, { env: { RATE_CONNECTION_FRAMES_PER_SEC: '1', RATE_CONNECTION_FRAMES_BURST: '2' } });
  const ada = await hub.member('ada');
  const badAuth = await RawClient.connect(t, hub.url);
  badAuth.sendRaw(JSON.stringify({ type: 'auth', id: 'auth-1', token: 'rt_not_a_real_token_at_all' }));
  const authError = await badAuth.waitFor((f) => f.type === 'error');
  assert.equal(authError.code, 'auth_failed');
  assert.equal(authError.id, 'auth-1', `the auth_failed frame answers its auth request: ${JSON.stringify(authError)}`);

  const a = await RawClient.ready(t, hub.url, ada.token);
  await a.request('ping');
  await a.request('ping');
  a.sendRaw(JSON.stringify({ type: 'ping', id: 'third' }));
  const limited = await a.waitFor((f) => f.type === 'error');
  assert.equal(limited.code, 'rate_limited');
  assert.equal(limited.id, 'third', `the rate_limited frame answers its request: ${JSON.stringify(limited)}`);
});

test('a reader too slow for MAX_BUFFERED_BYTES is closed with 4508, which it sees when it reads again, while the sender and the store carry on', async (t) => {
  const logLines: string[] = [];
  const hub = await startHub(t, { env: { MAX_BUFFERED_BYTES: '65536' }, logLines });
  const a = await RawClient.ready(t, hub.url, (await hub.member('ada')).token);
  const carol = await hub.member('carol');
  const slow = await RawClient.ready(t, hub.url, carol.token);
  const before = await lastSeq(hub);
  // Stop reading: the kernel buffers fill, then the hub's own buffer for this socket grows.
  const tcp = (slow.socket as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  tcp.pause();

  // Each message is about 140 kB on the wire: 10,000 three-byte characters and 100 kB of tool output.
  const parts: MessagePart[] = [{ type: 'tool_call', id: 'c', name: 'dump', status: 'ok', result: 'r'.repeat(99_000) }];
  const sent: string[] = [];
  const slowAttached = () => [...hub.hub.sessions.all].some((session) => session.member.handle === 'carol');
  while (slowAttached() && sent.length < 600) {
    const batch = await Promise.all(
      Array.from({ length: 10 }, () => a.request('send', { room: 'general', content: '€'.repeat(10_000), parts })),
    ).catch((error: unknown) => {
      // A failed send here is a server fault: show the hub's own account of it.
      const errors = logLines.filter((line) => /"level":50/.test(line)).slice(0, 2);
      throw new Error(`sending failed after ${sent.length} messages: ${String(error)}\n${errors.join('\n')}`);
    });
    sent.push(...batch.map((result) => result.message.id as string));
  }
  assert.ok(!slowAttached(), `the slow reader is still attached after ${sent.length} messages`);

  // Stalled for longer than a peer that never answers a close is given: still reading, it reaches the close frame.
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  tcp.resume();
  assert.equal(await slow.waitForClose(10_000), CloseCode.SlowConsumer);

  const last = sent.at(-1)!;
  await a.waitFor((f) => f.type === 'event' && f.data.id === last);
  assert.equal(
    a.messages().filter((f) => sent.includes(f.data.id)).length,
    sent.length,
    'the sender received every message',
  );
  assert.equal(await lastSeq(hub), before + sent.length, 'every message was stored');
  const stored = new Set<string>();
  for (let after = before; ;) {
    const page = await call(hub, hub.adminToken, 'GET', `/api/v1/rooms/general/messages?after=${after}&limit=50`);
    for (const message of page.body.messages) stored.add(message.id);
    if (!page.body.has_more) break;
    after = page.body.messages.at(-1).seq;
  }
  assert.deepEqual(stored, new Set(sent));
});

test('past MAX_CONNECTIONS_PER_MEMBER the oldest connection gets too_many_connections and 4429; the member’s others carry on', async (t) => {
  const { hub, ada, a, b } = await scene(t, { MAX_CONNECTIONS_PER_MEMBER: '2' });
  const second = await RawClient.ready(t, hub.url, ada.token);
  await RawClient.ready(t, hub.url, ada.token);
  assert.equal(await a.waitForClose(), CloseCode.ConnectionLimit);
  expectErrorFrame(
    a.frames.find((frame) => frame.type === 'error')!,
    'too_many_connections',
  );
  await assertStillServing(b, second);
});
