/**
 * The coordinator/worker hand-off as its clients use it: a coordinator over REST and WebSocket,
 * workers on the SDK's TaskWorker. Hung workers are taken back after max_runtime_ms, progress
 * shows on the task, batches and parents roll up once, and the workers list says who works on what.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RoundtableClient, TaskWorker, type Task } from '@roundtable/client';
import { eventually, RawClient, SkewClock, startHub, type TestHub } from '@roundtable/testkit';

async function worker(
  t: TestContext,
  hub: TestHub,
  handle: string,
  handler: ConstructorParameters<typeof TaskWorker>[1]['handler'],
) {
  const { token } = await hub.member(handle, 'agent', { capabilities: ['build'] });
  const client = new RoundtableClient({ url: hub.url, token, logger: { warn: () => {} } });
  t.after(() => client.close());
  await client.connect();
  const runner = new TaskWorker(client, { concurrency: 3, handler, onError: () => {} });
  await runner.start();
  t.after(() => runner.stop());
  return runner;
}

test('a hung worker is taken back after max_runtime_ms though it heartbeats, its signal aborted; progress shows on the task', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock, env: { TASK_REAPER_INTERVAL_MS: '3600000' } });
  const ada = await hub.member('ada');
  const aborted: unknown[] = [];
  await worker(t, hub, 'hanger', async (_task, { signal, progress }) => {
    progress(0.3, 'compiling');
    await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
    aborted.push(signal.reason);
    return { summary: 'too late' };
  });
  const created = await hub.api(ada.token, 'POST', '/api/v1/tasks', {
    title: 'hangs forever',
    capabilities: ['build'],
    lease_ms: 1_000,
    max_runtime_ms: 120_000,
    max_attempts: 1,
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = created.body.task.id as string;
  assert.equal(created.body.task.max_runtime_ms, 120_000);
  await eventually(async () => {
    const task = (await hub.api(ada.token, 'GET', `/api/v1/tasks/${id}`)).body.task as Task;
    assert.deepEqual([task.status, task.progress, task.progress_note], ['running', 0.3, 'compiling']);
  }, 10_000);

  clock.advance(121_000);
  // The worker's next heartbeat is refused, which aborts its handler; the reaper takes the task back.
  await eventually(() => assert.equal(aborted.length, 1, 'the handler’s signal was aborted'), 10_000);
  await hub.hub.tasks.reap();
  const failed = (await hub.api(ada.token, 'GET', `/api/v1/tasks/${id}`)).body.task as Task;
  assert.deepEqual([failed.status, failed.attempts, failed.assignee], ['failed', 1, null]);
  assert.match(String(failed.question), /ran past its max_runtime_ms of 120000 ms/);
});

test('a coordinator’s batch of subtasks: the parent counts them, the workers list shows who holds what, and one tally arrives', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const coordinator = await RawClient.ready(t, hub.url, ada.token);
  const gates = new Map<string, () => void>();
  await worker(t, hub, 'builder', async (task) => {
    await new Promise<void>((resolve) => gates.set(task.title, resolve));
    if (task.title === 'c') throw new Error('cannot build c');
    return { summary: `built ${task.title}` };
  });
  const parent = (
    await hub.api(ada.token, 'POST', '/api/v1/tasks', { title: 'release 1.0', capabilities: ['coordinate'] })
  ).body.task as Task;
  const ids: string[] = [];
  for (const title of ['a', 'b', 'c']) {
    const body = { title, capabilities: ['build'], batch: 'release-1.0', parent: parent.id, max_attempts: 1 };
    ids.push(((await hub.api(ada.token, 'POST', '/api/v1/tasks', body)).body.task as Task).id);
  }
  await eventually(() => assert.equal(gates.size, 3, 'all three pushed to the worker'), 10_000);

  const listed = await hub.api(ada.token, 'GET', '/api/v1/workers');
  assert.equal(listed.status, 200);
  assert.equal(listed.body.workers.length, 1);
  const [entry] = listed.body.workers;
  assert.deepEqual(
    [entry.member, entry.capabilities, entry.concurrency, [...entry.held].sort()],
    ['builder', ['build'], 3, [...ids].sort()],
  );
  assert.equal(entry.instance, hub.hub.instanceId);
  await eventually(async () => {
    const again = await hub.api(ada.token, 'GET', '/api/v1/workers');
    assert.ok(again.body.workers[0].last_heartbeat_at, 'a heartbeat was seen');
  }, 10_000);
  assert.deepEqual((await hub.api(ada.token, 'GET', `/api/v1/tasks/${parent.id}`)).body.task.subtasks, { running: 3 });
  const batch = await hub.api(ada.token, 'GET', '/api/v1/tasks?batch=release-1.0');
  assert.deepEqual(batch.body.tasks.map((task: Task) => task.id).sort(), [...ids].sort());
  assert.equal((await hub.api(ada.token, 'GET', '/api/v1/tasks?batch=bad%20id')).status, 400);

  for (const title of ['a', 'b', 'c']) gates.get(title)!();
  const done = await coordinator.waitFor(
    (frame) => frame.type === 'event' && frame.kind === 'task.batch_done' && frame.data.batch === 'release-1.0',
    10_000,
  );
  assert.deepEqual(done.data, {
    batch: 'release-1.0',
    parent: null,
    creator: 'ada',
    total: 3,
    tally: { completed: 2, failed: 1 },
  });
  await coordinator.waitFor(
    (frame) => frame.type === 'event' && frame.kind === 'task.batch_done' && frame.data.parent === parent.id,
    10_000,
  );
  assert.deepEqual((await hub.api(ada.token, 'GET', `/api/v1/tasks/${parent.id}`)).body.task.subtasks, {
    completed: 2,
    failed: 1,
  });
  // The tally message is posted right after the event is logged: it may land a moment later.
  await eventually(async () => {
    const events = (await hub.api(ada.token, 'GET', `/api/v1/rooms/${parent.room}/events?after=0&limit=1000`)).body
      .events as Array<{ kind: string; data: any }>;
    const tallies = events.filter(
      (event) => event.kind === 'message.created' && event.data.sender === 'system' && /ended/.test(event.data.content),
    );
    assert.deepEqual(
      tallies.map((event) => event.data.content),
      [`@ada The subtasks of task ${parent.id}: all 3 ended, 2 completed, 1 failed.`],
    );
  }, 10_000);
});
