/** The coordinator/worker hand-off across instances: the workers list over Redis, and a batch's tally once when two instances end its last tasks at once. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, POSTGRES_URL, RawClient, REDIS_URL, serviceSkip, startCluster } from '@roundtable/testkit';

const skip = (await serviceSkip('PostgreSQL', POSTGRES_URL)) ?? (await serviceSkip('Redis', REDIS_URL));

test(
  'each instance lists the workers of the others, and two instances ending a batch’s last tasks at once tell it once',
  { skip },
  async (t) => {
    const cluster = await startCluster(t, { count: 2, redisUrl: REDIS_URL });
    const [a, b] = cluster.instances as [any, any];
    const [ada, w1, w2] = await Promise.all([
      cluster.member('ada'),
      cluster.member('w1', 'agent'),
      cluster.member('w2', 'agent'),
    ]);
    const one = await RawClient.ready(t, a.url, w1);
    const two = await RawClient.ready(t, b.url, w2);
    for (const title of ['left', 'right']) {
      const created = await cluster.api(a, ada, 'POST', '/api/v1/tasks', { title, batch: 'pair' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    const left = (await one.request('task.claim', {})).claim!;
    const right = (await two.request('task.claim', {})).claim!;
    assert.ok(left && right, 'each worker holds one task of the batch');

    // Registered once nothing is pending: the list is what is being tested, not the push.
    await two.request('worker.register', { concurrency: 2 });
    await eventually(async () => {
      const listed = (await cluster.api(a, ada, 'GET', '/api/v1/workers')).body.workers;
      assert.deepEqual(
        listed.map((entry: any) => [entry.member, entry.concurrency, entry.held, typeof entry.instance]),
        [['w2', 2, [right.task.id], 'string']],
        'A knows the worker registered on B, and what it holds',
      );
    }, 15_000);

    const results = await Promise.all([
      one.request('task.report', { task: left.task.id, lease: left.lease.token, result: { summary: 'left done' } }),
      two.request('task.report', { task: right.task.id, lease: right.lease.token, result: { summary: 'right done' } }),
    ]);
    assert.deepEqual(
      results.map((result) => result.task.status),
      ['completed', 'completed'],
    );
    const rooms = new Set([left.task.room, right.task.room]);
    await eventually(async () => {
      let tallies = 0;
      for (const room of rooms) {
        const events = (await cluster.api(a, ada, 'GET', `/api/v1/rooms/${room}/events?after=0&limit=1000`)).body
          .events;
        tallies += events.filter((event: any) => event.kind === 'task.batch_done').length;
      }
      assert.equal(tallies, 1, 'one tally for the batch');
    }, 10_000);
  },
);
