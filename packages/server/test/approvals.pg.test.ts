/**
 * Approvals again, with the hub on PostgreSQL (deciding once, and only in time, is the store's to
 * guarantee), and across two instances: the waiter learns of a decision made on the other one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, onPostgres, startCluster, POSTGRES_URL, REDIS_URL, serviceSkip } from '@roundtable/testkit';

await onPostgres('approvals', () => import('./approvals.test.js'));

const skip = (await serviceSkip('PostgreSQL', POSTGRES_URL)) ?? (await serviceSkip('Redis', REDIS_URL));

test('a decision made through one instance wakes the agent waiting on another', { skip }, async (t) => {
  const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL });
  const [a, b] = cluster.instances;
  const [alice, codex] = await Promise.all([cluster.member('alice'), cluster.member('codex', 'agent')]);
  const person = await RawClient.ready(t, b!.url, alice);
  const { room } = await person.request('room.create', { name: 'ops', members: ['codex'] });
  const agent = await RawClient.ready(t, a!.url, codex);
  const answer = agent.request('approval.request', { room: room.id, action: 'deploy', timeout_ms: 60_000 });
  const card = await person.waitFor((frame) => frame.type === 'event' && frame.data?.metadata?.approval, 10_000);
  const decided = await cluster.api(b!, alice, 'POST', `/api/v1/approvals/${card.data.metadata.approval.id}`, {
    decision: 'approve',
  });
  assert.equal(decided.status, 200);
  assert.equal((await answer).approval.status, 'approved', 'the agent on A hears of the decision made on B');
});
