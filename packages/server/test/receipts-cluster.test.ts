/** Receipts across instances: the sender on one hub, the agent on another, over PostgreSQL and Redis. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { POSTGRES_URL, RawClient, REDIS_URL, serviceSkip, startCluster } from '@roundtable/testkit';

const skip = (await serviceSkip('PostgreSQL', POSTGRES_URL)) ?? (await serviceSkip('Redis', REDIS_URL));

test('a receipt moves on the agent’s instance and the sender on another sees each step', { skip }, async (t) => {
  const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL });
  const [a, b] = cluster.instances as [any, any];
  const [ada, bot] = await Promise.all([cluster.member('ada'), cluster.member('bot', 'agent')]);
  const sender = await RawClient.ready(t, a.url, ada);
  const agent = await RawClient.ready(t, b.url, bot);
  const general = sender.frames.find((frame) => frame.type === 'ready')!.rooms[0].id as string;
  // Presence crosses instances on its own schedule: wait until A knows the agent is online.
  await sender.waitFor((frame) => frame.type === 'presence' && frame.member === 'bot' && frame.status === 'online');

  const sent = await sender.request('send', { room: general, content: '@bot status of the build?' });
  assert.equal(sent.notices, undefined, 'the agent is online on the other instance');
  const id = sent.message.id;
  const arrived = await agent.waitFor((frame) => frame.type === 'event' && frame.data?.id === id);
  const step = (state: string) =>
    sender.waitFor((frame) => frame.type === 'receipt' && frame.message === id && frame.state === state, 10_000);
  await step('delivered');
  await agent.request('read', { room: general, seq: arrived.seq });
  await step('read');
  await agent.request('send', { room: general, content: 'green', thread_id: id });
  await step('acted');
  const receipts = (await cluster.api(a, ada, 'GET', `/api/v1/messages/${id}/receipts`)).body.receipts;
  assert.deepEqual(
    receipts.map((receipt: any) => [receipt.member, receipt.state]),
    [['bot', 'acted']],
  );
});
