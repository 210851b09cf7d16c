/** Several hub processes over one PostgreSQL and one Redis: fan-out, presence, failover and recovery. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundtableClient } from '@roundtable/client';
import {
  startCluster,
  tcpBalancer,
  RawClient,
  eventually,
  POSTGRES_URL,
  REDIS_URL,
  serviceSkip,
  startRedis,
} from '@roundtable/testkit';

const skip = (await serviceSkip('PostgreSQL', POSTGRES_URL)) ?? (await serviceSkip('Redis', REDIS_URL));
const quiet = { warn: () => {} };

function messageIds(client: RawClient, room: string): string[] {
  return client.messages(room).map((frame) => frame.data.id as string);
}

test(
  'messages written through two instances reach members on a third in seq order, with the delivery rule',
  { skip },
  async (t) => {
    const cluster = await startCluster(t, { count: 3, redisUrl: REDIS_URL });
    const [a, b, c] = cluster.instances as [any, any, any];
    const [ada, bob, bot] = await Promise.all([
      cluster.member('ada'),
      cluster.member('bob'),
      cluster.member('bot', 'agent'),
    ]);
    const writerA = await RawClient.ready(t, a.url, ada);
    const writerB = await RawClient.ready(t, b.url, bob);
    const reader = await RawClient.ready(t, c.url, cluster.adminToken);
    const agent = await RawClient.ready(t, c.url, bot);
    const general = writerA.frames.find((f) => f.type === 'ready')!.rooms[0].id as string;

    const addressed: string[] = [];
    const sends = [];
    for (let i = 0; i < 60; i++) {
      const writer = i % 2 === 0 ? writerA : writerB;
      const content = i % 5 === 0 ? `@bot item ${i}` : `item ${i}`;
      sends.push(
        writer.request('send', { room: general, content }).then((result) => {
          if (i % 5 === 0) addressed.push(result.message.id);
          return result.message;
        }),
      );
    }
    const sent = await Promise.all(sends);
    await eventually(() => assert.equal(reader.messages(general).length, 60, 'every message reached C'), 10_000);
    const seqs = reader.events(general).map((frame) => frame.seq as number);
    assert.deepEqual(
      seqs,
      [...seqs].sort((x, y) => x - y),
      'in seq order',
    );
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1]! + 1, 'with no gap and no duplicate');
    assert.deepEqual(new Set(messageIds(reader, general)), new Set(sent.map((message) => message.id)));
    await eventually(() =>
      assert.equal(agent.messages(general).length, addressed.length, 'the agent got its messages'),
    );
    assert.deepEqual(new Set(messageIds(agent, general)), new Set(addressed), 'and only those addressed to it');
  },
);

test('presence and typing cross instances', { skip }, async (t) => {
  const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL });
  const [a, b] = cluster.instances as [any, any];
  const [ada, bob] = await Promise.all([cluster.member('ada'), cluster.member('bob')]);
  const watcher = await RawClient.ready(t, b.url, bob);
  const person = await RawClient.ready(t, a.url, ada);
  await watcher.waitFor((f) => f.type === 'presence' && f.member === 'ada' && f.status === 'online');
  const listed = await cluster.api(b, bob, 'GET', '/api/v1/members');
  assert.equal(listed.body.members.find((m: any) => m.handle === 'ada').presence, 'online', 'B lists ada online');
  await person.request('typing', { room: 'general' });
  await watcher.waitFor((f) => f.type === 'typing' && f.member === 'ada');
  person.close();
  await watcher.waitFor((f) => f.type === 'presence' && f.member === 'ada' && f.status === 'offline');
});

test(
  'an instance killed under load: its clients resume on another, and no acknowledged message is lost or doubled',
  { skip },
  async (t) => {
    const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL });
    const [a, b] = cluster.instances as [any, any];
    const alive = new Set([a.port, b.port]);
    const balancer = await tcpBalancer(t, () => [...alive]);
    const [ada, bob] = await Promise.all([cluster.member('ada'), cluster.member('bob')]);
    const options = { url: balancer.url, reconnectBaseMs: 50, reconnectMaxMs: 300, logger: quiet };
    const writer = new RoundtableClient({ ...options, token: ada });
    const reader = new RoundtableClient({ ...options, token: bob });
    t.after(() => Promise.all([writer.close(), reader.close()]));
    await writer.connect();
    await reader.connect();
    const received: string[] = [];
    reader.on('message', (message) => void received.push(message.content));

    const total = 200;
    const acked: string[] = [];
    const sending = (async () => {
      for (let i = 0; i < total; i++) {
        const result = await writer.send('general', `n${i}`);
        acked.push(result.message.content);
      }
    })();
    await eventually(() => assert.ok(acked.length >= 50, 'the writer is under way'), 10_000);
    // Kill whichever instance the balancer is using most; both clients may be on it.
    alive.delete(a.port);
    await a.kill('SIGKILL');
    await sending;
    assert.equal(acked.length, total, 'every send was acknowledged, through the surviving instance');
    await eventually(() => assert.equal(received.length, total, 'the reader caught up'), 20_000);
    assert.deepEqual(
      received,
      Array.from({ length: total }, (_, i) => `n${i}`),
      'once each, in order',
    );
    const history = await cluster.api(b, bob, 'GET', '/api/v1/rooms/general/messages?after=0&limit=200');
    const contents = history.body.messages.map((m: any) => m.content).filter((c: string) => /^n\d+$/.test(c));
    assert.equal(contents.length, total, 'stored exactly once each');
  },
);

test(
  'after Redis restarts during traffic, instances reconnect by themselves and members catch up',
  { skip },
  async (t) => {
    const redis = await startRedis(t);
    const cluster = await startCluster(t, { count: 2, redisUrl: redis.url });
    const [a, b] = cluster.instances as [any, any];
    const [ada, bob] = await Promise.all([cluster.member('ada'), cluster.member('bob')]);
    const writer = await RawClient.ready(t, a.url, ada);
    const reader = await RawClient.ready(t, b.url, bob);
    const general = writer.frames.find((f) => f.type === 'ready')!.rooms[0].id as string;
    const sent: string[] = [];
    for (let i = 0; i < 10; i++)
      sent.push((await writer.request('send', { room: general, content: `before ${i}` })).message.id);
    await redis.stop();
    for (let i = 0; i < 10; i++)
      sent.push((await writer.request('send', { room: general, content: `during ${i}` })).message.id);
    await redis.restart();
    await eventually(
      () => assert.equal(reader.messages(general).length, 20, 'B caught up on what Redis missed'),
      20_000,
    );
    for (let i = 0; i < 10; i++)
      sent.push((await writer.request('send', { room: general, content: `after ${i}` })).message.id);
    await eventually(() => assert.equal(reader.messages(general).length, 30, 'and live fan-out works again'), 20_000);
    assert.deepEqual(messageIds(reader, general), sent, 'every message once, in order');
  },
);

test(
  'with PostgreSQL unreachable, sends fail clearly, readiness goes red, and the hub recovers by itself',
  { skip },
  async (t) => {
    const postgres = new URL(POSTGRES_URL);
    const postgresPort = Number(postgres.port);
    const proxy = await tcpBalancer(t, () => [postgresPort]);
    postgres.port = String(proxy.port);
    const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL, databaseUrl: postgres.toString() });
    const [a, b] = cluster.instances as [any, any];
    const [ada, bob] = await Promise.all([cluster.member('ada'), cluster.member('bob')]);
    const writer = await RawClient.ready(t, a.url, ada);
    const reader = await RawClient.ready(t, b.url, bob);
    const general = writer.frames.find((f) => f.type === 'ready')!.rooms[0].id as string;
    const acked: string[] = [];
    for (let i = 0; i < 5; i++)
      acked.push((await writer.request('send', { room: general, content: `kept ${i}` })).message.id);

    proxy.cut();
    const refused = await writer.requestError('send', { room: general, content: 'into the void', client_id: 'void' });
    assert.equal(refused.code, 'store_unavailable');
    await eventually(async () => {
      const health = await fetch(`${a.url}/health`);
      assert.equal(health.status, 503, 'readiness is red while PostgreSQL is away');
    }, 15_000);
    assert.equal(writer.closeCode, undefined, 'clients stay connected');

    proxy.restore();
    await eventually(async () => {
      const health = await fetch(`${a.url}/health`);
      assert.equal(health.status, 200, 'readiness comes back by itself');
    }, 15_000);
    const retried = await writer.request('send', { room: general, content: 'into the void', client_id: 'void' });
    acked.push(retried.message.id);
    await eventually(() =>
      assert.equal(reader.messages(general).length, acked.length, 'B has every acknowledged message'),
    );
    assert.deepEqual(messageIds(reader, general), acked);
    const history = await cluster.api(b, bob, 'GET', `/api/v1/rooms/${general}/messages`);
    assert.deepEqual(
      history.body.messages.map((m: any) => m.id),
      acked,
      'the store holds each acknowledged message once, and the refused one only after its retry',
    );
  },
);

test('a member’s message rate limit is shared by every instance', { skip }, async (t) => {
  const cluster = await startCluster(t, {
    count: 2,
    redisUrl: REDIS_URL,
    env: { RATE_MEMBER_MESSAGES_PER_SEC: '1', RATE_MEMBER_MESSAGES_BURST: '3' },
  });
  const [a, b] = cluster.instances as [any, any];
  const ada = await cluster.member('ada');
  const viaA = await RawClient.ready(t, a.url, ada);
  const viaB = await RawClient.ready(t, b.url, ada);
  await viaA.request('send', { room: 'general', content: 'one' });
  await viaA.request('send', { room: 'general', content: 'two' });
  await viaB.request('send', { room: 'general', content: 'three' });
  const limited = await viaB.requestError('send', { room: 'general', content: 'four' });
  assert.equal(limited.code, 'rate_limited', 'the burst of 3 was spent across both instances');
  assert.ok(limited.retry_after_ms > 0 && limited.retry_after_ms <= 1000, 'with a retry delay');
});

test('claimers on two instances over one PostgreSQL: 100 tasks, each completed exactly once', { skip }, async (t) => {
  const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL });
  const [a, b] = cluster.instances as [any, any];
  const ada = await cluster.member('ada');
  const coordinator = new RoundtableClient({ url: a.url, token: ada, logger: quiet });
  t.after(() => coordinator.close());
  await coordinator.connect();
  for (let index = 0; index < 100; index += 1) await coordinator.createTask({ title: `job ${index}`, room: 'general' });
  const claimers = await Promise.all(
    Array.from({ length: 10 }, async (_, index) => {
      const token = await cluster.member(`worker${index}`, 'agent');
      const client = new RoundtableClient({ url: index % 2 === 0 ? a.url : b.url, token, logger: quiet });
      t.after(() => client.close());
      await client.connect();
      return client;
    }),
  );
  const completions = new Map<string, number>();
  await Promise.all(
    claimers.map(async (client) => {
      for (;;) {
        const claim = await client.claimTask();
        if (!claim) return;
        const report = await client.reportTask(claim.task.id, claim.lease.token, { summary: 'done' });
        assert.equal(report.task.status, 'completed');
        completions.set(claim.task.id, (completions.get(claim.task.id) ?? 0) + 1);
      }
    }),
  );
  assert.equal(completions.size, 100, 'every task was completed');
  assert.deepEqual([...new Set(completions.values())], [1], 'none twice');
});
