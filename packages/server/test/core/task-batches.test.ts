/** The coordinator's side of tasks, unit by unit: runtime limits, progress, batches and their roll-up, the workers list. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CreateTaskParams } from '@roundtable/protocol';
import { Rooms } from '../../src/core/rooms.js';
import { addMember, coreContext, eventsOf, messaging, noReceipts, refusal, taskBoard } from './kit.js';

async function tasksKit(t: TestContext) {
  const kit = await coreContext(t);
  const { messages } = messaging(kit.ctx);
  const rooms = new Rooms(kit.ctx, () => 'offline', noReceipts);
  const tasks = taskBoard(kit.ctx, rooms, messages);
  t.after(() => tasks.close());
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const builder = await addMember(kit.ctx, 'builder', 'agent', 'member', { capabilities: ['build'] });
  return { ...kit, messages, tasks, ada, bob, builder };
}

const params = (input: CreateTaskParams) => CreateTaskParams.parse(input);

test('heartbeats keep the lease only until max_runtime_ms from the claim; then the reaper takes it back as a failed attempt', async (t) => {
  const { tasks, clock, ada, builder } = await tasksKit(t);
  const { task } = await tasks.create(
    ada,
    params({ title: 'hangs', lease_ms: 10_000, max_runtime_ms: 25_000, max_attempts: 2 }),
  );
  const claim = (await tasks.claim(builder, undefined))!;
  const deadline = new Date(clock.now() + 25_000).toISOString();
  assert.equal(claim.task.run_deadline_at, deadline);
  clock.advance(9_000);
  assert.equal(
    (await tasks.heartbeat(builder, task.id, claim.lease.token)).lease.expires_at,
    new Date(clock.now() + 10_000).toISOString(),
  );
  clock.advance(9_000);
  const capped = await tasks.heartbeat(builder, task.id, claim.lease.token);
  assert.equal(capped.lease.expires_at, deadline, 'the lease ends at the deadline, not lease_ms on');
  clock.advance(7_000);
  assert.equal((await refusal(tasks.heartbeat(builder, task.id, claim.lease.token))).code, 'lease_invalid');
  await tasks.reap();
  const back = await tasks.get(ada, task.id);
  assert.deepEqual([back.status, back.attempts, back.assignee], ['pending', 1, null]);
  assert.match(String(back.feedback), /max_runtime_ms of 25000/);

  const again = (await tasks.claim(builder, undefined))!;
  assert.equal(
    again.task.run_deadline_at,
    new Date(clock.now() + 25_000).toISOString(),
    'a new attempt, a new deadline',
  );
  clock.advance(25_000);
  await tasks.reap();
  const failed = await tasks.get(ada, task.id);
  assert.deepEqual([failed.status, failed.attempts], ['failed', 2]);
  assert.match(String(failed.question), /Attempt 2 ran past its max_runtime_ms/);
});

test('the time a task waits for a person’s answer does not count against its runtime', async (t) => {
  const { tasks, clock, ada, builder } = await tasksKit(t);
  const { task } = await tasks.create(ada, params({ title: 'asks', lease_ms: 5_000, max_runtime_ms: 10_000 }));
  const claim = (await tasks.claim(builder, undefined))!;
  clock.advance(4_000);
  await tasks.ask(builder, task.id, claim.lease.token, 'which branch?');
  clock.advance(60_000);
  const resumed = await tasks.answer(ada, task.id, 'main');
  assert.equal(resumed.run_deadline_at, new Date(clock.now() + 6_000).toISOString());
  assert.equal(resumed.lease_expires_at, new Date(clock.now() + 5_000).toISOString());
});

test('a heartbeat’s progress and note are kept on the task and told to the room with the lease', async (t) => {
  const { tasks, clock, published, ada, builder } = await tasksKit(t);
  const { task } = await tasks.create(ada, params({ title: 'long job' }));
  const claim = (await tasks.claim(builder, undefined))!;
  const first = await tasks.heartbeat(builder, task.id, claim.lease.token, { progress: 0.25, note: 'parsing' });
  assert.deepEqual([first.task.progress, first.task.progress_note], [0.25, 'parsing']);
  clock.advance(1_000);
  await tasks.heartbeat(builder, task.id, claim.lease.token, { progress: 0.5 });
  const stored = await tasks.get(ada, task.id);
  assert.deepEqual(
    [stored.progress, stored.progress_note, stored.heartbeat_at],
    [0.5, 'parsing', new Date(clock.now()).toISOString()],
  );
  const leases = published.flatMap((message) =>
    message.kind === 'signal' && message.frame.includes('"task.lease"') ? [JSON.parse(message.frame)] : [],
  );
  assert.deepEqual(
    leases.map((frame) => [frame.progress, frame.progress_note]),
    [[0.5, 'parsing']],
  );
  const claimedAgain = await tasks
    .release(builder, task.id, claim.lease.token, 'tired')
    .then(() => tasks.claim(builder, undefined));
  assert.equal(claimedAgain?.task.progress, null, 'a new attempt starts without the last one’s progress');
});

test('a batch rolls up once, to its creator, when its last task ends; another creator’s tasks under the same id are apart', async (t) => {
  const { tasks, published, ada, bob, builder } = await tasksKit(t);
  const one = (await tasks.create(ada, params({ title: 'one', batch: 'nightly' }))).task;
  const two = (await tasks.create(ada, params({ title: 'two', batch: 'nightly' }))).task;
  const bobs = (await tasks.create(bob, params({ title: 'bob’s', batch: 'nightly', priority: -1 }))).task;
  const claim = (await tasks.claim(builder, undefined))!;
  await tasks.report(builder, claim.task.id, claim.lease.token, { summary: 'ok', files_changed: [] });
  assert.equal(eventsOf(published, { kind: 'task.batch_done' }).length, 0, 'one task is still pending');
  await tasks.cancel(ada, two.id === claim.task.id ? one.id : two.id, 'not needed');
  const done = eventsOf(published, { kind: 'task.batch_done' });
  assert.equal(done.length, 1);
  assert.deepEqual(done[0]!.data, {
    batch: 'nightly',
    parent: null,
    creator: 'ada',
    total: 2,
    tally: { completed: 1, cancelled: 1 },
  });
  const notices = eventsOf(published, { kind: 'message.created', room: done[0]!.room }).filter(
    (event) => event.seq > done[0]!.seq,
  );
  assert.deepEqual(
    notices.map((event) => [event.actor, event.data.content, event.data.mentions]),
    [['system', '@ada Batch “nightly”: all 2 ended, 1 completed, 1 cancelled.', ['ada']]],
  );
  assert.equal((await tasks.list(ada, { batch: 'nightly', limit: 50 })).tasks.length, 2, 'ada sees her two');
  await tasks.cancel(bob, bobs.id, undefined);
  assert.equal(eventsOf(published, { kind: 'task.batch_done' }).length, 2, 'bob’s batch rolls up on its own');

  // A coordinator adding to a batch after its tally hears again once the newcomers have ended too.
  const three = (await tasks.create(ada, params({ title: 'three', batch: 'nightly' }))).task;
  await tasks.cancel(ada, three.id, undefined);
  const grown = eventsOf(published, { kind: 'task.batch_done' });
  assert.equal(grown.length, 3);
  assert.deepEqual([grown[2]!.data.total, grown[2]!.data.tally], [3, { completed: 1, cancelled: 2 }]);
});

test('a parent shows its subtasks’ counts, and the parent’s creator hears once when the last subtask ends', async (t) => {
  const { tasks, published, ada, builder } = await tasksKit(t);
  // A capability the builder lacks: it takes only the subtasks.
  const parent = (await tasks.create(ada, params({ title: 'epic', capabilities: ['plan'] }))).task;
  const children = [];
  for (const title of ['a', 'b', 'c'])
    children.push((await tasks.create(ada, params({ title, parent: parent.id, capabilities: ['build'] }))).task);
  const claim = (await tasks.claim(builder, undefined))!;
  assert.deepEqual((await tasks.get(ada, parent.id)).subtasks, { pending: 2, assigned: 1 });
  await tasks.report(builder, claim.task.id, claim.lease.token, { summary: 'ok', files_changed: [] });
  for (const child of children) if (child.id !== claim.task.id) await tasks.cancel(ada, child.id, undefined);
  const listed = (await tasks.list(ada, { limit: 50 })).tasks.find((task) => task.id === parent.id);
  assert.deepEqual(listed?.subtasks, { completed: 1, cancelled: 2 });
  const done = eventsOf(published, { kind: 'task.batch_done' });
  assert.deepEqual(
    done.map((event) => [event.room, event.data.parent, event.data.total]),
    [[parent.room, parent.id, 3]],
  );
  await tasks.cancel(ada, parent.id, undefined);
  assert.equal(eventsOf(published, { kind: 'task.batch_done' }).length, 1, 'the parent itself is no batch');
});

test('the workers list shows registered workers with what they hold and their last heartbeat, and other instances’ too', async (t) => {
  const { ctx, tasks, bus, clock, ada, bob, builder } = await tasksKit(t);
  const { task } = await tasks.create(ada, params({ title: 'held', capabilities: ['build'] }));
  const claim = (await tasks.claim(builder, undefined))!;
  // Registered after the claim: with nothing pending, no push tries the test's session, which has no socket.
  tasks.workers.register('session-1', builder, undefined, 2);
  await tasks.heartbeat(builder, task.id, claim.lease.token);
  const seen = await tasks.roster.list(ada);
  assert.deepEqual(
    seen.map((worker) => [
      worker.member,
      worker.capabilities,
      worker.concurrency,
      worker.held,
      worker.last_heartbeat_at,
    ]),
    [['builder', ['build'], 2, [task.id], new Date(clock.now()).toISOString()]],
  );
  assert.deepEqual((await tasks.roster.list(bob))[0]!.held, [], 'tasks bob may not see are not named to him');
  bus.publish({
    kind: 'control',
    action: 'workers',
    instance: 'i_other',
    workers: [
      {
        sessionId: 's2',
        memberId: builder.id,
        member: 'builder',
        capabilities: [],
        concurrency: 1,
        connectedAt: clock.now().toString(),
      },
    ],
  });
  assert.deepEqual(
    (await tasks.roster.list(ada)).map((worker) => worker.instance).sort(),
    [ctx.instanceId, 'i_other'].sort(),
  );
  clock.advance(31_000);
  assert.equal((await tasks.roster.list(ada)).length, 1, 'an instance not heard from in three snapshots is forgotten');
  tasks.workers.unregister('session-1');
  assert.deepEqual(await tasks.roster.list(ada), []);
});
