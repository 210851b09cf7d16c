/**
 * The hub's own troubles: a full disk, a locked database, a closed store, a shutdown, a client that
 * stopped answering, an unexpected defect.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import WebSocket from 'ws';
import { CloseCode } from '@roundtable/protocol';
import { RawClient, eventually, startHub, startRedis, tempDir, testEnv, type Frame } from '@roundtable/testkit';
import { SqliteStore, createLogger, loadConfig, startServer, type Store } from '../../src/index.js';
import {
  assertStillServing,
  call,
  expectErrorFrame,
  expectRestError,
  lastSeq,
  observed,
  scene,
  type Reply,
} from './helpers.js';

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

test('an MCP session whose shared store (Redis) is down answers sessions_unavailable, and the hub keeps serving', async (t) => {
  const redis = await startRedis(t);
  const { hub, ada, a, b } = await scene(t, { REDIS_URL: redis.url });
  const mcp = (body: object, session?: string) =>
    fetch(`${hub.url}/mcp`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${ada.token}`,
        ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } : {}),
      },
      body: JSON.stringify({ jsonrpc: '2.0', ...body }),
    });
  const initialize = {
    id: 1,
    method: 'initialize',
    params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'test', version: '1' } },
  };
  const opened = await mcp(initialize);
  assert.equal(opened.status, 200);
  const session = opened.headers.get('mcp-session-id')!;
  assert.match(session, /^mcp_/);
  await opened.text();

  await redis.stop();
  const subscribed = await mcp(
    { id: 2, method: 'resources/subscribe', params: { uri: 'roundtable://inbox' } },
    session,
  );
  const answer = JSON.parse(/^data: (.*)$/m.exec(await subscribed.text())![1]!);
  assert.equal(
    answer.error.data.code,
    'sessions_unavailable',
    'the subscription could not be kept: said so, not internal',
  );
  const refused = await mcp(initialize);
  assert.equal(refused.status, 503, 'no new session while the store is down');
  assert.equal(((await refused.json()) as any).error.data.code, 'sessions_unavailable');
  observed.add('sessions_unavailable');
  await assertStillServing(a, b);
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
