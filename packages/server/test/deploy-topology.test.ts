/**
 * deploy/compose.yaml's topology with processes instead of containers: hub processes with the
 * compose file's hub settings over the local PostgreSQL and Redis, behind a real HAProxy running
 * deploy/haproxy.cfg (only its listen and hub addresses changed to free ports on 127.0.0.1).
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { test, type TestContext } from 'node:test';
import { RoundtableClient } from '@roundtable/client';
import {
  POSTGRES_URL,
  REDIS_URL,
  eventually,
  freePort,
  serviceSkip,
  startCluster,
  type Instance,
} from '@roundtable/testkit';
import {
  environment,
  haproxyConfig,
  haproxyServers,
  haproxySkip,
  hubServices,
  resolvedCompose,
  envExample,
  startHaproxy,
  testHaproxyConfig,
  type RunningHaproxy,
} from './deploy/compose.js';

const skip =
  (await serviceSkip('PostgreSQL', POSTGRES_URL)) ?? (await serviceSkip('Redis', REDIS_URL)) ?? haproxySkip();
const quiet = { warn: () => {} };

/**
 * The hubs' environment from the compose file, less what the test gives each process itself: the
 * address it listens on, and its own PostgreSQL schema and Redis prefix on the local services.
 */
function composeHubEnv(): Record<string, string> {
  const compose = resolvedCompose({ ...envExample(), POSTGRES_PASSWORD: 'unused', REDIS_PASSWORD: 'unused' });
  const env = environment(hubServices(compose)[0]![1]);
  for (const key of ['HOST', 'PORT', 'DATABASE_URL', 'DATABASE_SCHEMA', 'REDIS_URL', 'REDIS_PREFIX', 'LOG_LEVEL'])
    delete env[key];
  return env;
}

/** Each hub process's live WebSocket and SSE sessions, from its own /health. */
async function sessions(instance: Instance): Promise<number> {
  const health = await fetch(`${instance.url}/health`);
  return ((await health.json()) as { counters: { connections: number } }).counters.connections;
}

/**
 * A hub that is up but not ready, as one whose store cannot commit: its TCP port accepts, and its
 * /health answers 503. Counts every other request, which HAProxy must never send it.
 */
async function unreadyHub(t: TestContext): Promise<{ port: number; clientRequests: () => number }> {
  let clientRequests = 0;
  const server = createServer((request, response) => {
    if (request.url !== '/health') clientRequests += 1;
    response.writeHead(503, { 'content-type': 'application/json' }).end('{"status":"degraded","ready":false}');
  });
  server.on('upgrade', (_request, socket) => {
    clientRequests += 1;
    socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => {
    server.closeAllConnections();
    server.close();
  });
  const address = server.address();
  return { port: typeof address === 'object' && address ? address.port : 0, clientRequests: () => clientRequests };
}

/**
 * Two hub processes where compose.yaml has hub1 and hub2, behind HAProxy. compose.yaml's other hubs
 * keep their server lines, pointed at an unready stand-in: a hub HAProxy's checks must keep out.
 */
async function deployment(t: TestContext) {
  const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL, env: composeHubEnv() });
  const servers = haproxyServers(haproxyConfig()).map((server) => server.name);
  const hubs = new Map<string, Instance>(cluster.instances.map((instance, index) => [servers[index]!, instance]));
  const unready = await unreadyHub(t);
  const ports = { listen: await freePort(), stats: await freePort() };
  const config = testHaproxyConfig(
    haproxyConfig(),
    { 8004: ports.listen, 8404: ports.stats },
    Object.fromEntries(servers.map((name) => [name, hubs.get(name)?.port ?? unready.port])),
  );
  const haproxy = await startHaproxy(t, config, ports);
  return { cluster, hubs, unready, absent: servers.filter((name) => !hubs.has(name)), haproxy };
}

async function expectStatus(haproxy: RunningHaproxy, expected: Record<string, 'UP' | 'DOWN'>): Promise<void> {
  await eventually(async () => {
    const states = await haproxy.servers();
    for (const [name, status] of Object.entries(expected))
      assert.equal(states.get(name)?.status, status, `HAProxy has ${name} ${status}`);
  }, 20_000);
}

test(
  'through HAProxy, clients spread over the ready hubs and hear each other; a killed hub is marked down and its clients resume on the other without loss or duplicates',
  { skip, timeout: 120_000 },
  async (t) => {
    const { cluster, hubs, unready, absent, haproxy } = await deployment(t);
    assert.ok(absent.length >= 1, 'compose.yaml has a third hub, which stands in for one that is not ready');
    const names = [...hubs.keys()];
    await expectStatus(haproxy, {
      ...Object.fromEntries(names.map((name) => [name, 'UP'] as const)),
      ...Object.fromEntries(absent.map((name) => [name, 'DOWN'] as const)),
    });

    const health = await fetch(`${haproxy.url}/health`);
    assert.equal(health.status, 200, '/health answers through HAProxy');
    assert.equal(((await health.json()) as { ready: boolean }).ready, true);

    // Four members, each connected through HAProxy; where each landed is read from the hubs themselves.
    const tokens = await Promise.all(['ada', 'bob', 'cy', 'dee'].map((handle) => cluster.member(handle)));
    const clients: { client: RoundtableClient; hub: string; received: string[]; readies: number }[] = [];
    for (const token of tokens) {
      const before = await Promise.all([...hubs.values()].map(sessions));
      const client = new RoundtableClient({
        url: haproxy.url,
        token,
        reconnectBaseMs: 50,
        reconnectMaxMs: 300,
        logger: quiet,
      });
      t.after(() => client.close());
      const entry = { client, hub: '', received: [] as string[], readies: 0 };
      client.on('ready', () => void (entry.readies += 1));
      client.on('message', (message) => void entry.received.push(message.content));
      await client.connect();
      await eventually(async () => {
        const after = await Promise.all([...hubs.values()].map(sessions));
        const grew = names.filter((_, index) => after[index] === before[index]! + 1);
        assert.equal(
          after.reduce((sum, count) => sum + count, 0),
          before.reduce((sum, count) => sum + count, 0) + 1,
          'one new session in all',
        );
        assert.equal(grew.length, 1, 'on one hub');
        entry.hub = grew[0]!;
      });
      clients.push(entry);
    }
    const on = (hub: string) => clients.filter((entry) => entry.hub === hub);
    for (const name of names) assert.ok(on(name).length >= 1, `HAProxy sent clients to ${name} too`);

    // Of four clients on two hubs, one hub holds two: writer and reader there, a watcher on the other.
    const doomed = names.find((name) => on(name).length >= 2)!;
    const survivor = names.find((name) => name !== doomed)!;
    const [writer, reader] = on(doomed) as [(typeof clients)[0], (typeof clients)[0]];
    const watcher = on(survivor)[0]!;

    const hello = await watcher.client.send('general', `hello from ${survivor}`);
    assert.ok(hello.message.id, 'acknowledged');
    for (const entry of clients)
      await eventually(() =>
        assert.ok(entry.received.includes(`hello from ${survivor}`), `a client on ${entry.hub} got it`),
      );

    // The writer's hub dies under it mid-stream: the 50 sends after it go out while the process dies,
    // and those the dying hub never answered are sent again once the writer is back.
    const total = 200;
    const acked: string[] = [];
    let killed: Promise<void> | undefined;
    for (let i = 0; i < total; i++) {
      if (i === 50) killed = hubs.get(doomed)!.kill('SIGKILL');
      acked.push((await writer.client.send('general', `n${i}`)).message.content);
    }
    await killed;
    await expectStatus(haproxy, { [doomed]: 'DOWN', [survivor]: 'UP' });
    assert.equal(acked.length, total, 'every send was acknowledged, the later ones through the survivor');
    for (const entry of [writer, reader])
      await eventually(() => assert.ok(entry.readies >= 2, `a client of ${doomed} reconnected`), 20_000);
    await eventually(
      async () => assert.equal(await sessions(hubs.get(survivor)!), clients.length, `every client is on ${survivor}`),
      20_000,
    );

    const expected = Array.from({ length: total }, (_, i) => `n${i}`);
    for (const [who, entry] of [
      ['the reader, resumed', reader],
      ['the watcher on the survivor', watcher],
    ] as const) {
      await eventually(
        () => assert.equal(entry.received.filter((c) => /^n\d+$/.test(c)).length, total, `${who} caught up`),
        20_000,
      );
      assert.deepEqual(
        entry.received.filter((content) => /^n\d+$/.test(content)),
        expected,
        `${who}: once each, in order`,
      );
    }
    const stored: string[] = [];
    for (let after = 0; ;) {
      const page = await cluster.api(
        hubs.get(survivor)!,
        cluster.adminToken,
        'GET',
        `/api/v1/rooms/general/messages?after=${after}&limit=200`,
      );
      const messages: { seq: number; content: string }[] = page.body.messages;
      stored.push(...messages.map((message) => message.content).filter((content) => /^n\d+$/.test(content)));
      if (messages.length < 200) break;
      after = messages.at(-1)!.seq;
    }
    assert.deepEqual(stored, expected, 'stored exactly once each');

    const after = await fetch(`${haproxy.url}/health`);
    assert.equal(after.status, 200, '/health still answers through HAProxy, from the survivor');
    assert.equal(unready.clientRequests(), 0, 'HAProxy sent nothing but health checks to the hub answering 503');
    assert.equal(watcher.readies, 1, 'the watcher kept its one connection through HAProxy all along');
  },
);
