/**
 * Every code of the error registry provoked at least once through a real transport, with its
 * HTTP status and close code; docs/errors.md checked against the registry; and, after each bad
 * input, proof that nothing was stored and that other clients are still served.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { CloseCode, ERRORS, ERROR_CODES, type ErrorCode, type MessagePart } from '@roundtable/protocol';
import { RawClient, eventually, startHub, tempDir, testEnv, type Frame, type TestHub } from '@roundtable/testkit';
import { SqliteStore, createLogger, loadConfig, startServer, type Store } from '../src/index.js';

/** Codes seen on the wire by the tests of this file; the last test checks it covers the registry. */
const observed = new Set<ErrorCode>();

interface Reply {
  status: number;
  body: any;
  headers: Headers;
}

async function call(
  hub: { url: string },
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await fetch(hub.url + path, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // Not JSON: the assertions below report the raw text.
  }
  return { status: response.status, body: parsed, headers: response.headers };
}

function expectRestError(reply: Reply, code: ErrorCode): void {
  assert.equal(reply.body?.code, code, `expected ${code}, got ${reply.status} ${JSON.stringify(reply.body)}`);
  assert.equal(reply.status, ERRORS[code].status, `${code} is HTTP ${ERRORS[code].status}`);
  assert.equal(typeof reply.body.message, 'string');
  observed.add(code);
}

function expectErrorFrame(frame: Frame, code: ErrorCode): void {
  assert.equal(frame.type, 'error', `expected an error frame, got ${JSON.stringify(frame)}`);
  assert.equal(frame.code, code, `expected ${code}, got ${JSON.stringify(frame)}`);
  assert.equal(typeof frame.message, 'string');
  observed.add(code);
}

/** The first error frame that arrives after `send` runs (frames without an id cannot be matched otherwise). */
async function errorAfter(client: RawClient, send: () => void): Promise<Frame> {
  const from = client.frames.length;
  send();
  return client.waitFor((frame) => frame.type === 'error' && client.frames.indexOf(frame) >= from);
}

/** The room's last seq, read by `token` (the admin by default, who is in #general only). */
async function lastSeq(hub: TestHub, room = 'general', token = hub.adminToken): Promise<number> {
  const reply = await call(hub, token, 'GET', `/api/v1/rooms/${room}`);
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  return reply.body.room.last_seq as number;
}

/** A message from `speaker` reaches `listener`: the hub still serves both connections. */
async function assertStillServing(speaker: RawClient, listener: RawClient, room = 'general'): Promise<void> {
  const { message } = await speaker.request('send', { room, content: `still here ${randomUUID()}` });
  await listener.waitFor((f) => f.type === 'event' && f.kind === 'message.created' && f.data.id === message.id);
}

/** A hub with two connected people: ada (who misbehaves) and bob (who watches). */
async function scene(t: TestContext, env: Record<string, string> = {}) {
  const hub = await startHub(t, { env });
  const ada = await hub.member('ada', 'person', { password: 'ada-password-1' });
  const bob = await hub.member('bob', 'person', { password: 'bob-password-1' });
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  return { hub, ada, bob, a, b };
}

/** A text frame of exactly `bytes` bytes that would be a valid `send` if it were accepted. */
function sendFrameOfSize(bytes: number): string {
  const base = JSON.stringify({ type: 'send', room: 'general', content: '' }).length;
  return JSON.stringify({ type: 'send', room: 'general', content: 'z'.repeat(bytes - base) });
}

/**
 * RLIMIT_FSIZE of this process, through util-linux `prlimit`. Lowered to the current size of the
 * database files, it makes every write that grows them fail with EFBIG, as a full disk would: a real
 * commit failure, without root-only tricks (chmod does not stop root) or a test hook in the store.
 */
function fileSizeLimit(): string {
  return execFileSync('prlimit', ['--pid', String(process.pid), '--fsize', '--raw', '--noheadings', '--output=SOFT'])
    .toString()
    .trim();
}

function setFileSizeLimit(soft: string): void {
  execFileSync('prlimit', ['--pid', String(process.pid), `--fsize=${soft}:`]);
}

const docs = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

test('the error table of docs/errors.md lists exactly the codes of the registry, with their statuses', () => {
  const rows = [...docs.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)].map(
    (match) => [match[1]!, Number(match[2])] as const,
  );
  assert.equal(new Set(rows.map(([code]) => code)).size, rows.length, 'a code is listed twice');
  assert.deepEqual(
    Object.fromEntries(rows),
    Object.fromEntries(Object.entries(ERRORS).map(([code, spec]) => [code, spec.status])),
  );
});

test('the close-code table of docs/errors.md lists exactly the codes of CloseCode', () => {
  const rows = [...docs.matchAll(/^\| (\d{4}) \| (\w+) \|/gm)].map((match) => [match[2]!, Number(match[1])] as const);
  assert.equal(new Set(rows.map(([name]) => name)).size, rows.length, 'a close code is listed twice');
  assert.deepEqual(Object.fromEntries(rows), { ...CloseCode });
});

test('text that is not JSON, binary garbage and a broken JSON body get bad_json, store nothing and harm no one', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const before = await lastSeq(hub);

  expectErrorFrame(await errorAfter(a, () => a.sendRaw('{"type":"send","room":"general","content":')), 'bad_json');
  expectErrorFrame(await errorAfter(a, () => a.sendRaw(Buffer.from('fffe00c37b2274797065223a', 'hex'))), 'bad_json');
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', '{"content": "half'),
    'bad_json',
  );

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  assert.equal(a.closeCode, undefined, 'an error does not close the connection');
  await assertStillServing(a, b);
  await assertStillServing(b, a);
});

test('a frame with a type the protocol does not define gets unknown_frame, answering its id', async (t) => {
  const { hub, a, b } = await scene(t);
  const before = await lastSeq(hub);

  const error = await a.requestError('message.send', { room: 'general', content: 'wrong frame name' });
  expectErrorFrame(error, 'unknown_frame');
  assert.equal(typeof error.id, 'string');
  expectErrorFrame(await errorAfter(a, () => a.sendRaw('{"content":"no type at all"}')), 'unknown_frame');

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('a frame or body that breaks its schema gets invalid_request with the issues by path', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const before = await lastSeq(hub);

  const missing = await a.requestError('send', { room: 'general' });
  expectErrorFrame(missing, 'invalid_request');
  assert.ok(
    (missing.details.issues as Array<{ path: string }>).some((issue) => issue.path === 'content'),
    JSON.stringify(missing.details),
  );
  expectErrorFrame(await a.requestError('send', { room: 'general', content: 42 }), 'invalid_request');
  expectErrorFrame(await errorAfter(a, () => a.sendRaw('[1, 2, 3]')), 'invalid_request');
  expectErrorFrame(await errorAfter(a, () => a.sendRaw('"just a string"')), 'invalid_request');

  const rest = await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 42 });
  expectRestError(rest, 'invalid_request');
  assert.ok(
    (rest.body.details.issues as Array<{ path: string }>).some((issue) => issue.path.endsWith('content')),
    JSON.stringify(rest.body.details),
  );
  expectRestError(await call(hub, ada.token, 'GET', '/api/v1/rooms/general/messages?limit=0'), 'invalid_request');

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('a frame or body over MAX_FRAME_BYTES gets frame_too_large and the connection stays open', async (t) => {
  const { hub, ada, a, b } = await scene(t, { MAX_FRAME_BYTES: '2048' });
  const before = await lastSeq(hub);

  expectErrorFrame(await errorAfter(a, () => a.sendRaw(sendFrameOfSize(2049))), 'frame_too_large');
  // Between the soft cap and the hard cap (max(4 x 2048, 1 MiB)) a frame is refused, not fatal.
  expectErrorFrame(await errorAfter(a, () => a.sendRaw(sendFrameOfSize(1 << 20))), 'frame_too_large');
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'q'.repeat(3000) }),
    'frame_too_large',
  );

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  assert.equal(a.closeCode, undefined);
  await assertStillServing(a, b);
});

test('a frame over the hard cap closes only its connection, with 1009, and stores nothing', async (t) => {
  const { hub, ada, a, b } = await scene(t, { MAX_FRAME_BYTES: '2048' });
  const before = await lastSeq(hub);

  a.sendRaw(sendFrameOfSize((1 << 20) + 1));
  assert.equal(await a.waitForClose(), CloseCode.MessageTooBig);

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  const again = await RawClient.ready(t, hub.url, ada.token);
  await assertStillServing(b, again);
  await assertStillServing(again, b);
});

test('content over 10,000 characters gets content_too_long over WebSocket, REST and /ws/{agent}', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const before = await lastSeq(hub);
  const tooLong = 'w'.repeat(10_001);

  expectErrorFrame(await a.requestError('send', { room: 'general', content: tooLong }), 'content_too_long');
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: tooLong }),
    'content_too_long',
  );
  const simple = await RawClient.connect(t, hub.url, { token: ada.token, path: '/ws/ada' });
  await simple.waitFor((f) => f.type === 'ready');
  expectErrorFrame(
    await errorAfter(simple, () => simple.sendRaw(JSON.stringify({ message: tooLong }))),
    'content_too_long',
  );
  assert.equal(await lastSeq(hub), before, 'nothing was stored');

  const exact = await a.request('send', { room: 'general', content: 'w'.repeat(10_000) });
  assert.equal(exact.message.content.length, 10_000, 'exactly 10,000 characters is allowed');
  await assertStillServing(a, b);
});

test('a /send-message whose message is over 10,000 characters gets content_too_long, like every other way of sending', async (t) => {
  const { hub, ada } = await scene(t);
  const before = await lastSeq(hub);
  const reply = await call(hub, ada.token, 'POST', '/send-message', { sender: 'ada', message: 'w'.repeat(10_001) });
  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  assert.deepEqual(
    { status: reply.status, code: reply.body?.code },
    { status: 413, code: 'content_too_long' },
    JSON.stringify(reply.body),
  );
});

test('message parts or metadata over their caps get frame_too_large', async (t) => {
  const { hub, ada, a } = await scene(t);
  const before = await lastSeq(hub);

  const metadata = { blob: 'm'.repeat(17_000) };
  expectErrorFrame(await a.requestError('send', { room: 'general', content: 'meta', metadata }), 'frame_too_large');
  const parts = [{ type: 'tool_call', id: 'c1', name: 'dump', status: 'ok', result: 'p'.repeat(101_000) }];
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'parts', parts }),
    'frame_too_large',
  );
  assert.equal(await lastSeq(hub), before, 'nothing was stored');
});

test('an unknown room gets room_not_found, and so does a private room one is not in', async (t) => {
  const { hub, ada, bob, a, b } = await scene(t);
  const carol = await hub.member('carol');
  const secret = (await a.request('room.create', { name: 'secret', kind: 'private', members: ['carol'] })).room;
  const before = await lastSeq(hub, secret.id, ada.token);

  expectErrorFrame(await b.requestError('send', { room: 'nowhere', content: 'hello?' }), 'room_not_found');
  expectErrorFrame(await b.requestError('send', { room: secret.id, content: 'let me in' }), 'room_not_found');
  expectErrorFrame(await b.requestError('history', { room: secret.id }), 'room_not_found');
  expectErrorFrame(await b.requestError('room.join', { room: 'secret' }), 'room_not_found');
  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/rooms/nowhere'), 'room_not_found');
  expectRestError(await call(hub, bob.token, 'GET', `/api/v1/rooms/${secret.id}`), 'room_not_found');
  expectRestError(await call(hub, bob.token, 'GET', `/api/v1/rooms/${secret.id}/messages`), 'room_not_found');
  expectRestError(
    await call(hub, bob.token, 'POST', `/api/v1/rooms/${secret.id}/messages`, { content: 'let me in' }),
    'room_not_found',
  );

  assert.equal(await lastSeq(hub, secret.id, ada.token), before, 'nothing was stored');
  const c = await RawClient.ready(t, hub.url, carol.token);
  await assertStillServing(a, c, secret.id);
});

test('a private room one is not in is answered exactly like a room that does not exist', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const secret = (await a.request('room.create', { name: 'secret', kind: 'private' })).room;
  const ghost = 'r_doesnotexist';
  const anonymised = (frame: Frame, ref: string) => ({
    code: frame.code,
    message: String(frame.message).replace(ref, '<ref>'),
  });

  assert.deepEqual(
    anonymised(await b.requestError('send', { room: secret.id, content: 'x' }), secret.id),
    anonymised(await b.requestError('send', { room: ghost, content: 'x' }), ghost),
  );
  const restSecret = await call(hub, bob.token, 'GET', `/api/v1/rooms/${secret.id}`);
  const restGhost = await call(hub, bob.token, 'GET', `/api/v1/rooms/${ghost}`);
  assert.deepEqual(
    { status: restSecret.status, ...anonymised(restSecret.body, secret.id) },
    { status: restGhost.status, ...anonymised(restGhost.body, ghost) },
  );
});

test('a public room one has not joined gets not_member for posting', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const lounge = (await a.request('room.create', { name: 'lounge', kind: 'public' })).room;
  const before = await lastSeq(hub, 'lounge');

  expectErrorFrame(await b.requestError('send', { room: 'lounge', content: 'hi' }), 'not_member');
  expectRestError(await call(hub, bob.token, 'POST', '/api/v1/rooms/lounge/messages', { content: 'hi' }), 'not_member');

  assert.equal(await lastSeq(hub, 'lounge'), before, 'nothing was stored');
  await b.request('room.join', { room: lounge.id });
  await assertStillServing(b, a, lounge.id);
});

test('a missing or unknown token gets auth_required or auth_failed, and a WebSocket with a bad token is closed with 4401', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const before = await lastSeq(hub);

  expectRestError(await call(hub, undefined, 'GET', '/api/v1/me'), 'auth_required');
  expectRestError(await call(hub, 'rt_not_a_real_token_at_all', 'GET', '/api/v1/me'), 'auth_failed');

  const badHeader = await RawClient.connect(t, hub.url, { token: 'rt_not_a_real_token_at_all' });
  expectErrorFrame(await badHeader.waitFor((f) => f.type === 'error'), 'auth_failed');
  assert.equal(await badHeader.waitForClose(), CloseCode.Unauthorized);

  const badQuery = await RawClient.connect(t, hub.url, { query: 'token=rt_not_a_real_token_at_all' });
  expectErrorFrame(await badQuery.waitFor((f) => f.type === 'error'), 'auth_failed');
  assert.equal(await badQuery.waitForClose(), CloseCode.Unauthorized);

  const badFrame = await RawClient.connect(t, hub.url);
  badFrame.sendRaw(JSON.stringify({ type: 'auth', id: 'a1', token: 'rt_not_a_real_token_at_all' }));
  expectErrorFrame(await badFrame.waitFor((f) => f.type === 'error'), 'auth_failed');
  assert.equal(await badFrame.waitForClose(), CloseCode.Unauthorized);

  // Before the auth frame a request is refused but the connection waits for it.
  const early = await RawClient.connect(t, hub.url);
  expectErrorFrame(await early.requestError('send', { room: 'general', content: 'too early' }), 'auth_required');
  assert.equal(early.closeCode, undefined);
  const ack = await early.request('auth', { token: ada.token });
  assert.equal(typeof ack.session_id, 'string');
  await early.waitFor((f) => f.type === 'ready');

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(early, b);
  await assertStillServing(b, a);
});

test('a revoked token closes its live connection with 4401 and is refused afterwards; other tokens keep working', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const created = await call(hub, bob.token, 'POST', '/api/v1/tokens', { name: 'laptop' });
  assert.equal(created.status, 201);
  const laptop = await RawClient.ready(t, hub.url, created.body.token);

  const revoked = await call(hub, bob.token, 'DELETE', `/api/v1/tokens/${created.body.record.id}`);
  assert.equal(revoked.status, 200, JSON.stringify(revoked.body));
  assert.equal(await laptop.waitForClose(), CloseCode.Unauthorized);

  expectRestError(await call(hub, created.body.token, 'GET', '/api/v1/me'), 'auth_failed');
  const retry = await RawClient.connect(t, hub.url, { token: created.body.token });
  expectErrorFrame(await retry.waitFor((f) => f.type === 'error'), 'auth_failed');
  assert.equal(await retry.waitForClose(), CloseCode.Unauthorized);

  assert.equal(b.closeCode, undefined, "bob's other connection is untouched");
  await assertStillServing(a, b);
  await assertStillServing(b, a);
});

test('a disabled member is disconnected with 4403 and refused by WebSocket, REST and sign-in', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const disabled = await call(hub, hub.adminToken, 'PATCH', '/api/v1/members/bob', { disabled: true });
  assert.equal(disabled.status, 200, JSON.stringify(disabled.body));
  assert.equal(await b.waitForClose(), CloseCode.Forbidden);

  const retry = await RawClient.connect(t, hub.url, { token: bob.token });
  expectErrorFrame(await retry.waitFor((f) => f.type === 'error'), 'member_disabled');
  assert.equal(await retry.waitForClose(), CloseCode.Forbidden);
  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/me'), 'member_disabled');
  expectRestError(
    await call(hub, undefined, 'POST', '/api/v1/auth/login', { handle: 'bob', password: 'bob-password-1' }),
    'member_disabled',
  );

  const carol = await RawClient.ready(t, hub.url, (await hub.member('carol')).token);
  await assertStillServing(a, carol);
});

test('a connection that does not authenticate within AUTH_TIMEOUT_MS gets auth_timeout and 4408', async (t) => {
  const { hub, a, b } = await scene(t, { AUTH_TIMEOUT_MS: '300' });
  const silent = await RawClient.connect(t, hub.url);
  expectErrorFrame(await silent.waitFor((f) => f.type === 'error', 3_000), 'auth_timeout');
  assert.equal(await silent.waitForClose(), CloseCode.AuthTimeout);
  assert.equal(a.closeCode, undefined, 'a connection that authenticated with a header is not timed out');
  await assertStillServing(a, b);
});

test('a wrong handle or a wrong password gets bad_credentials without saying which', async (t) => {
  const { hub } = await scene(t);
  const wrongPassword = await call(hub, undefined, 'POST', '/api/v1/auth/login', {
    handle: 'ada',
    password: 'not-her-password',
  });
  const wrongHandle = await call(hub, undefined, 'POST', '/api/v1/auth/login', {
    handle: 'nobody',
    password: 'ada-password-1',
  });
  expectRestError(wrongPassword, 'bad_credentials');
  expectRestError(wrongHandle, 'bad_credentials');
  assert.deepEqual(wrongPassword.body, wrongHandle.body);
  const right = await call(hub, undefined, 'POST', '/api/v1/auth/login', { handle: 'ada', password: 'ada-password-1' });
  assert.equal(right.status, 200);
});

test('a second auth frame gets already_authenticated and the connection keeps its identity', async (t) => {
  const { bob, a, b } = await scene(t);
  expectErrorFrame(await a.requestError('auth', { token: bob.token }), 'already_authenticated');
  const { message } = await a.request('send', { room: 'general', content: 'still ada' });
  assert.equal(message.sender, 'ada');
  await b.waitFor((f) => f.type === 'event' && f.data.id === message.id);
});

test('changing what is not yours is forbidden, and admin actions are admin_only', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const { message } = await a.request('send', { room: 'general', content: 'my words' });
  const before = await lastSeq(hub);

  expectErrorFrame(await b.requestError('edit', { message: message.id, content: 'your words' }), 'forbidden');
  expectErrorFrame(await b.requestError('delete', { message: message.id }), 'forbidden');
  expectRestError(
    await call(hub, bob.token, 'PATCH', `/api/v1/messages/${message.id}`, { content: 'your words' }),
    'forbidden',
  );
  const direct = (await b.request('room.direct', { members: ['ada'] })).room;
  expectErrorFrame(await b.requestError('room.leave', { room: direct.id }), 'forbidden');

  expectRestError(
    await call(hub, bob.token, 'POST', '/api/v1/members', { handle: 'mallory', kind: 'agent' }),
    'admin_only',
  );
  expectRestError(await call(hub, bob.token, 'PUT', '/api/v1/denylist/ada', {}), 'admin_only');
  expectRestError(await call(hub, bob.token, 'PATCH', '/api/v1/members/ada', { disabled: true }), 'admin_only');
  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/tokens?all=true'), 'admin_only');

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  const stored = await call(hub, bob.token, 'GET', `/api/v1/messages/${message.id}`);
  assert.equal(stored.body.message.content, 'my words');
  await assertStillServing(b, a);
});

test('a denylisted member may not post or react, and others may', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const { message } = await a.request('send', { room: 'general', content: 'react to me' });
  const listed = await call(hub, hub.adminToken, 'PUT', '/api/v1/denylist/bob', { reason: 'spam' });
  assert.equal(listed.status, 200, JSON.stringify(listed.body));
  const before = await lastSeq(hub);

  expectErrorFrame(await b.requestError('send', { room: 'general', content: 'spam' }), 'denylisted');
  expectErrorFrame(await b.requestError('react', { message: message.id, emoji: 'thumbsup' }), 'denylisted');
  expectRestError(
    await call(hub, bob.token, 'POST', '/api/v1/rooms/general/messages', { content: 'spam' }),
    'denylisted',
  );
  expectRestError(
    await call(hub, bob.token, 'POST', '/send-message', { sender: 'bob', message: 'spam' }),
    'denylisted',
  );

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('registration gets registration_closed when OPEN_REGISTRATION=false, and creates nobody', async (t) => {
  const hub = await startHub(t, { env: { OPEN_REGISTRATION: 'false' } });
  expectRestError(
    await call(hub, undefined, 'POST', '/api/v1/auth/register', { handle: 'zoe', password: 'zoe-password-1' }),
    'registration_closed',
  );
  expectRestError(await call(hub, hub.adminToken, 'GET', '/api/v1/members/zoe'), 'member_not_found');
});

test('unknown members, messages, tokens and routes get their own not-found codes', async (t) => {
  const { hub, ada, bob, a, b } = await scene(t);
  const secret = (await a.request('room.create', { name: 'secret', kind: 'private' })).room;
  const hidden = (await a.request('send', { room: secret.id, content: 'for my eyes' })).message;

  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/members/nobody'), 'member_not_found');
  expectErrorFrame(await a.requestError('room.invite', { room: secret.id, member: 'nobody' }), 'member_not_found');

  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/messages/msg_nope'), 'message_not_found');
  expectErrorFrame(await b.requestError('message.get', { message: 'msg_nope' }), 'message_not_found');
  expectErrorFrame(await b.requestError('message.get', { message: hidden.id }), 'message_not_found');

  const adaTokens = await call(hub, ada.token, 'GET', '/api/v1/tokens');
  expectRestError(
    await call(hub, bob.token, 'DELETE', `/api/v1/tokens/${adaTokens.body.tokens[0].id}`),
    'token_not_found',
  );
  expectRestError(await call(hub, bob.token, 'DELETE', '/api/v1/tokens/t_nope'), 'token_not_found');
  assert.equal((await call(hub, ada.token, 'GET', '/api/v1/me')).status, 200, "ada's token was not revoked");

  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/nope'), 'route_not_found');
  expectRestError(await call(hub, undefined, 'POST', '/nope/either', {}), 'route_not_found');
  await assertStillServing(b, a);
});

test('a taken handle gets handle_taken and a taken room name gets room_name_taken', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  expectRestError(
    await call(hub, hub.adminToken, 'POST', '/api/v1/members', { handle: 'ada', kind: 'agent' }),
    'handle_taken',
  );
  expectRestError(
    await call(hub, undefined, 'POST', '/api/v1/auth/register', { handle: 'bob', password: 'another-password' }),
    'handle_taken',
  );
  await a.request('room.create', { name: 'lab' });
  expectErrorFrame(await b.requestError('room.create', { name: 'lab' }), 'room_name_taken');
  expectRestError(
    await call(hub, bob.token, 'POST', '/api/v1/rooms', { name: 'lab', kind: 'private' }),
    'room_name_taken',
  );
  const members = await call(hub, hub.adminToken, 'GET', '/api/v1/members');
  assert.equal((members.body.members as Array<{ handle: string }>).filter((m) => m.handle === 'ada').length, 1);
});

test('an archived room is read-only: posting and joining get room_archived', async (t) => {
  const { hub, ada, bob, a, b } = await scene(t);
  const old = (await a.request('room.create', { name: 'old' })).room;
  await a.request('room.archive', { room: old.id });
  const before = await lastSeq(hub, old.id);

  expectErrorFrame(await a.requestError('send', { room: old.id, content: 'anyone?' }), 'room_archived');
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/old/messages', { content: 'anyone?' }),
    'room_archived',
  );
  expectRestError(await call(hub, bob.token, 'POST', '/api/v1/rooms/old/join'), 'room_archived');

  assert.equal(await lastSeq(hub, old.id), before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('a stream frame for a message that is not streaming gets not_streaming', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const complete = (await a.request('send', { room: 'general', content: 'done already' })).message;
  expectErrorFrame(await a.requestError('stream.delta', { message: complete.id, delta: 'more' }), 'not_streaming');

  const stream = (await a.request('stream.start', { room: 'general', content: 'thinking' })).message;
  await a.request('stream.done', { message: stream.id, content: 'thought' });
  expectErrorFrame(await a.requestError('stream.delta', { message: stream.id, delta: 'late' }), 'not_streaming');
  expectErrorFrame(await a.requestError('stream.done', { message: stream.id }), 'not_streaming');
  expectRestError(await call(hub, ada.token, 'POST', `/api/v1/messages/${stream.id}/cancel`), 'not_streaming');

  const stored = await call(hub, ada.token, 'GET', `/api/v1/messages/${stream.id}`);
  assert.equal(stored.body.message.content, 'thought');
  assert.equal(stored.body.message.status, 'complete');
  await assertStillServing(a, b);
});

test('an explicit target that is not in the room gets unknown_target naming it', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const lab = (await a.request('room.create', { name: 'lab', kind: 'private' })).room;
  const before = [await lastSeq(hub), await lastSeq(hub, lab.id, ada.token)];

  const ghost = await a.requestError('send', { room: 'general', content: 'hey', targets: ['bob', 'ghost'] });
  expectErrorFrame(ghost, 'unknown_target');
  assert.deepEqual(ghost.details.targets, ['ghost']);
  const outsider = await a.requestError('send', { room: lab.id, content: 'hey', targets: ['bob'] });
  expectErrorFrame(outsider, 'unknown_target');
  assert.deepEqual(outsider.details.targets, ['bob']);
  const simple = await call(hub, ada.token, 'POST', '/send-message', {
    sender: 'ada',
    message: 'hey',
    target_agents: ['ghost'],
  });
  expectRestError(simple, 'unknown_target');
  assert.deepEqual(simple.body.details.targets, ['ghost']);

  assert.deepEqual([await lastSeq(hub), await lastSeq(hub, lab.id, ada.token)], before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('a thread parent that is not in the room gets thread_mismatch', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const lab = (await a.request('room.create', { name: 'lab' })).room;
  const parent = (await a.request('send', { room: lab.id, content: 'parent in the lab' })).message;
  const before = await lastSeq(hub);

  expectErrorFrame(
    await a.requestError('send', { room: 'general', content: 'reply', thread_id: parent.id }),
    'thread_mismatch',
  );
  expectErrorFrame(
    await a.requestError('send', { room: 'general', content: 'reply', thread_id: 'msg_nope' }),
    'thread_mismatch',
  );
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'reply', thread_id: parent.id }),
    'thread_mismatch',
  );

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
});

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

test('a sender that is not the token owner gets sender_mismatch on /send-message, and /ws/{agent} closes with 4403', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const before = await lastSeq(hub);
  expectRestError(
    await call(hub, bob.token, 'POST', '/send-message', { sender: 'ada', message: 'I am ada' }),
    'sender_mismatch',
  );

  const impostor = await RawClient.connect(t, hub.url, { token: bob.token, path: '/ws/ada' });
  expectErrorFrame(await impostor.waitFor((f) => f.type === 'error'), 'sender_mismatch');
  assert.equal(await impostor.waitForClose(), CloseCode.Forbidden);

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('a hub that cannot write to its disk answers store_unavailable, reports not ready, and recovers', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const before = await lastSeq(hub);
  const original = fileSizeLimit();
  t.after(() => setFileSizeLimit(original));
  // Writes that would grow the database or its WAL now fail with EFBIG, as on a full disk.
  const sizes = [hub.dbPath, `${hub.dbPath}-wal`].map((path) => statSync(path).size);
  setFileSizeLimit(String(Math.max(...sizes)));
  try {
    expectErrorFrame(await a.requestError('send', { room: 'general', content: 'into the void' }), 'store_unavailable');
    expectRestError(
      await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', {
        content: 'into the void',
        client_id: 'void-1',
      }),
      'store_unavailable',
    );
    const health = await call(hub, undefined, 'GET', '/health');
    assert.equal(health.status, 503);
    assert.equal(health.body.ready, false);
  } finally {
    setFileSizeLimit(original);
  }
  assert.equal(a.closeCode, undefined);
  assert.equal(await lastSeq(hub), before, 'nothing was stored or acknowledged');
  // Probes run at most once a second, whoever asks: readiness comes back at the next one.
  await eventually(async () => {
    const recovered = await call(hub, undefined, 'GET', '/health');
    assert.equal(recovered.body.ready, true, 'ready again once the disk has room, without waiting for traffic');
  });

  // Retrying with the same client_id once the disk has room stores the message once.
  const retried = await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', {
    content: 'into the void',
    client_id: 'void-1',
  });
  assert.equal(retried.status, 201, JSON.stringify(retried.body));
  await b.waitFor((f) => f.type === 'event' && f.data.id === retried.body.message.id);
  assert.equal((await call(hub, undefined, 'GET', '/health')).body.ready, true);
  await assertStillServing(b, a);
});

test('readiness stays red while a real batch cannot commit, even when a tiny write still fits', async (t) => {
  const { hub, a, b } = await scene(t);
  const original = fileSizeLimit();
  t.after(() => setFileSizeLimit(original));
  // Room for three more WAL frames: a one-row probe fits, a message with its log event and search index does not.
  const sizes = [hub.dbPath, `${hub.dbPath}-wal`].map((path) => statSync(path).size);
  setFileSizeLimit(String(Math.max(...sizes) + 3 * 4_120));
  try {
    expectErrorFrame(await a.requestError('send', { room: 'general', content: 'does not fit' }), 'store_unavailable');
    const probes = [];
    for (let index = 0; index < 6; index += 1) probes.push((await call(hub, undefined, 'GET', '/health')).status);
    assert.deepEqual(probes, [503, 503, 503, 503, 503, 503], 'never ready while sends fail');
    expectErrorFrame(await a.requestError('send', { room: 'general', content: 'still no room' }), 'store_unavailable');
  } finally {
    setFileSizeLimit(original);
  }
  await eventually(async () =>
    assert.equal((await call(hub, undefined, 'GET', '/health')).status, 200, 'ready once a batch fits again'),
  );
  await assertStillServing(a, b);
});

test('a frame nested too deep gets nesting_too_deep, and a page of another origin gets origin_not_allowed', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const deep = '['.repeat(100) + ']'.repeat(100);
  expectErrorFrame(
    await errorAfter(a, () => a.sendRaw(`{"type":"send","id":"d1","room":"general","content":${deep}}`)),
    'nesting_too_deep',
  );
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', `{"content":${deep}}`),
    'nesting_too_deep',
  );
  expectRestError(
    await call(hub, ada.token, 'GET', '/api/v1/me', undefined, { origin: 'https://evil.example' }),
    'origin_not_allowed',
  );
  await assertStillServing(a, b);
});

test('a write refused because another process holds the database lock answers store_unavailable, not internal', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const before = await lastSeq(hub);
  const other = new Database(hub.dbPath);
  t.after(() => other.close());
  other.exec('BEGIN IMMEDIATE');
  let rest: Reply;
  let frame: Frame;
  try {
    frame = await a.requestError('send', { room: 'general', content: 'while locked' });
    rest = await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'while locked' });
  } finally {
    other.exec('ROLLBACK');
  }
  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
  assert.deepEqual(
    { ws: frame.code, rest: [rest.status, rest.body?.code] },
    { ws: 'store_unavailable', rest: [503, 'store_unavailable'] },
  );
});

test('a hub whose store has closed refuses new work with shutting_down', async (t) => {
  const hub = await startHub(t);
  await hub.store.close();
  expectRestError(
    await call(hub, undefined, 'POST', '/api/v1/auth/register', { handle: 'late', password: 'late-password-1' }),
    'shutting_down',
  );
  const health = await call(hub, undefined, 'GET', '/health');
  assert.equal(health.status, 503);
  assert.equal(health.body.ready, false);
});

test('a hub whose store has closed answers authenticated requests with shutting_down, not internal', async (t) => {
  const { hub, ada, a } = await scene(t);
  await hub.store.close();
  const frame = await a.requestError('send', { room: 'general', content: 'after the store closed' });
  const rest = await call(hub, ada.token, 'GET', '/api/v1/me');
  assert.deepEqual(
    { ws: frame.code, rest: [rest.status, rest.body?.code] },
    { ws: 'shutting_down', rest: [503, 'shutting_down'] },
  );
});

test('closing the hub closes every connection with 1001', async (t) => {
  const { hub, a, b } = await scene(t);
  await hub.close();
  assert.equal(await a.waitForClose(), CloseCode.GoingAway);
  assert.equal(await b.waitForClose(), CloseCode.GoingAway);
});

test('a client that does not answer pings is closed with 4410', async (t) => {
  const hub = await startHub(t, { env: { HEARTBEAT_MS: '100' } });
  const ada = await hub.member('ada');
  const socket = new WebSocket(`${hub.url.replace(/^http/, 'ws')}/ws`, {
    headers: { authorization: `Bearer ${ada.token}` },
    autoPong: false,
  });
  t.after(() => socket.terminate());
  const code = await new Promise<number>((resolve, reject) => {
    socket.once('close', (closeCode) => resolve(closeCode));
    socket.once('error', reject);
  });
  assert.equal(code, CloseCode.HeartbeatTimeout);
});

test('an unexpected failure is answered with internal (500), logged, and leaves the connection open', async (t) => {
  // The one defect-free way to reach `internal`: an adapter fails in a way the hub does not know.
  const dir = tempDir(t);
  const real = new SqliteStore({ path: join(dir, 'roundtable.db') });
  const store = new Proxy(real, {
    get(target, key) {
      if (key === 'history') return () => Promise.reject(new TypeError('simulated defect in the store adapter'));
      const value = Reflect.get(target, key) as unknown;
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

  expectRestError(await call(server, token, 'GET', '/api/v1/rooms/general/messages'), 'internal');
  const client = await RawClient.ready(t, server.url, token);
  expectErrorFrame(await client.requestError('history', { room: 'general' }), 'internal');
  assert.equal(client.closeCode, undefined);
  await client.request('send', { room: 'general', content: 'the hub carries on' });
  await eventually(() => {
    const logged = lines.filter((line) => line.includes('simulated defect in the store adapter'));
    assert.ok(
      logged.some((line) => !line.includes('"frame"')),
      `the REST failure is logged: ${lines.join('\n')}`,
    );
    assert.ok(
      logged.some((line) => line.includes('"frame":"history"')),
      `the frame failure is logged: ${lines.join('\n')}`,
    );
  });
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

test('task errors: unknown task, bad schema, wrong lease, a move the state machine forbids, and a lost race', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  expectRestError(await call(hub, ada.token, 'GET', '/api/v1/tasks/task_nope'), 'task_not_found');
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/tasks', { title: 'x', acceptance: { schema: { type: 'nonsense' } } }),
    'invalid_schema',
  );
  const created = await call(hub, ada.token, 'POST', '/api/v1/tasks', { title: 'review me', room: 'general' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const task = created.body.task;
  expectRestError(await call(hub, ada.token, 'POST', `/api/v1/tasks/${task.id}/accept`), 'invalid_transition');

  const worker = await hub.member('worker', 'agent');
  const w = await RawClient.ready(t, hub.url, worker.token);
  const { claim } = await w.request('task.claim', {});
  assert.equal(claim!.task.id, task.id);
  expectErrorFrame(await w.requestError('task.heartbeat', { task: task.id, lease: 'lease_forged' }), 'lease_invalid');
  await w.request('files.reserve', { patterns: ['src/**'] });
  expectErrorFrame(await a.requestError('files.reserve', { patterns: ['src/index.ts'] }), 'reservation_conflict');
  await w.request('task.ask', { task: task.id, lease: claim!.lease.token, question: 'which branch?' });

  // Two answers in one packet are read before either is written: the second loses the compare-and-set.
  const before = a.frames.length;
  a.sendTogether([
    JSON.stringify({ type: 'task.answer', id: 'x1', task: task.id, answer: 'main' }),
    JSON.stringify({ type: 'task.answer', id: 'x2', task: task.id, answer: 'dev' }),
  ]);
  const answers = await Promise.all(
    ['x1', 'x2'].map((id) =>
      a.waitFor(
        (frame) =>
          (frame.type === 'ack' || frame.type === 'error') && frame.id === id && a.frames.indexOf(frame) >= before,
      ),
    ),
  );
  assert.equal(answers.filter((frame) => frame.type === 'ack').length, 1, 'one answer won');
  expectErrorFrame(
    answers.find((frame) => frame.type === 'error')!,
    'task_conflict',
  );
  const stored = await call(hub, ada.token, 'GET', `/api/v1/tasks/${task.id}`);
  assert.equal(stored.body.task.status, 'running');
  assert.equal(stored.body.task.feedback, 'main', 'the winning answer is the one stored');
  await assertStillServing(a, b);
});

test('every code in the error registry was provoked by a test of this file', () => {
  assert.deepEqual([...observed].sort(), [...ERROR_CODES].sort());
});
