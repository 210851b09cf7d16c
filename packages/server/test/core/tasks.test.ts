import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CreateTaskParams } from '@roundtable/protocol';
import { Rooms } from '../../src/core/rooms.js';
import {
  addMember,
  addRoom,
  coreContext,
  eventsOf,
  type KitOptions,
  messaging,
  noReceipts,
  refusal,
  taskBoard,
} from './kit.js';

async function tasksKit(t: TestContext, options: KitOptions = {}) {
  const kit = await coreContext(t, options);
  const { messages } = messaging(kit.ctx);
  const rooms = new Rooms(kit.ctx, () => 'offline', noReceipts);
  const tasks = taskBoard(kit.ctx, rooms, messages);
  // The acceptance schemas run in a worker thread, ended here.
  t.after(() => tasks.close());
  const ada = await addMember(kit.ctx, 'ada');
  const builder = await addMember(kit.ctx, 'builder', 'agent', 'member', { capabilities: ['build'] });
  const idler = await addMember(kit.ctx, 'idler', 'agent');
  return { ...kit, messages, rooms, tasks, ada, builder, idler };
}

const params = (input: CreateTaskParams) => CreateTaskParams.parse(input);

test('a task is claimed only with a capability an admin granted, and a heartbeat starts it and renews its lease', async (t) => {
  const { ctx, tasks, clock, published, ada, builder, idler } = await tasksKit(t);
  const { task } = await tasks.create(ada, params({ title: 'build it', capabilities: ['build'], lease_ms: 30_000 }));
  assert.deepEqual([task.status, task.thread_id, task.version], ['pending', null, 1]);
  assert.ok((await ctx.roomMembers(task.room)).has(ada.id), 'the task has a room of its own, its creator in it');
  assert.deepEqual(
    eventsOf(published, { kind: 'task.created', room: task.room }).map((e) => e.data.to),
    ['pending'],
  );

  const asked = await refusal(tasks.claim(idler, ['build']));
  assert.deepEqual([asked.code, asked.details], ['forbidden', { missing: ['build'] }]);
  assert.equal(await tasks.claim(idler, undefined), null, 'nothing it may take');
  assert.equal((await refusal(tasks.claim(ada, undefined))).code, 'forbidden', 'people do not take tasks');

  const claim = await tasks.claim(builder, ['build']);
  assert.equal(claim?.task.id, task.id);
  assert.deepEqual([claim!.task.status, claim!.task.assignee], ['assigned', 'builder']);
  assert.equal(claim!.lease.expires_at, new Date(clock.now() + 30_000).toISOString());
  assert.ok((await ctx.roomMembers(task.room)).has(builder.id), 'the worker joins the task’s room');
  assert.equal(await tasks.claim(builder, undefined), null, 'a task is claimed once');

  clock.advance(20_000);
  const started = await tasks.heartbeat(builder, task.id, claim!.lease.token);
  assert.equal(started.task.status, 'running');
  assert.equal(started.lease.expires_at, new Date(clock.now() + 30_000).toISOString());
  clock.advance(20_000);
  const renewed = await tasks.heartbeat(builder, task.id, claim!.lease.token);
  assert.equal((await tasks.get(ada, task.id)).lease_expires_at, renewed.lease.expires_at);
  assert.equal((await refusal(tasks.heartbeat(builder, task.id, 'lease_forged'))).code, 'lease_invalid');
  assert.equal((await refusal(tasks.get(idler, task.id))).code, 'task_not_found', 'unseen by outsiders');
});

test('a report is checked against the acceptance schema: invalid counts an attempt, valid completes the task', async (t) => {
  const { tasks, ada, builder } = await tasksKit(t);
  const schema = {
    type: 'object',
    required: ['artifact'],
    properties: { artifact: { type: 'string', pattern: '^dist/' } },
  };
  const { task } = await tasks.create(ada, params({ title: 'package', acceptance: { schema }, max_attempts: 3 }));
  const claim = await tasks.claim(builder, undefined);
  assert.equal(claim?.task.id, task.id);

  const wrong = await tasks.report(builder, task.id, claim!.lease.token, {
    summary: 'done?',
    files_changed: [],
    data: { artifact: 'build/app.js' },
  });
  assert.equal(wrong.verdict.valid, false);
  assert.match(wrong.verdict.errors.join(' '), /artifact must match pattern/);
  assert.deepEqual([wrong.task.status, wrong.task.attempts], ['running', 1], 'the worker may try again');

  const right = await tasks.report(builder, task.id, claim!.lease.token, {
    summary: 'done',
    files_changed: [],
    data: { artifact: 'dist/app.js' },
  });
  assert.deepEqual([right.verdict.valid, right.verdict.by], [true, 'hub']);
  assert.deepEqual([right.task.status, right.task.result?.summary], ['completed', 'done']);
  assert.equal((await refusal(tasks.heartbeat(builder, task.id, claim!.lease.token))).code, 'lease_invalid');
  assert.equal(
    (await refusal(tasks.create(ada, params({ title: 'broken', acceptance: { schema: { type: 'nonsense' } } })))).code,
    'invalid_schema',
  );
});

test('an expired lease is taken back by the reaper: pending again with one more attempt, the old lease dead', async (t) => {
  const { tasks, clock, ada, builder } = await tasksKit(t);
  const { task } = await tasks.create(ada, params({ title: 'flaky', lease_ms: 10_000, max_attempts: 2 }));
  const first = await tasks.claim(builder, undefined);
  clock.advance(9_999);
  await tasks.reap();
  assert.equal((await tasks.get(ada, task.id)).status, 'assigned', 'not yet expired');
  clock.advance(1);
  await tasks.reap();
  const requeued = await tasks.get(ada, task.id);
  assert.deepEqual([requeued.status, requeued.attempts, requeued.assignee], ['pending', 1, null]);
  assert.equal((await refusal(tasks.heartbeat(builder, task.id, first!.lease.token))).code, 'lease_invalid');

  const second = await tasks.claim(builder, undefined);
  assert.notEqual(second?.lease.token, first?.lease.token);
  clock.advance(10_000);
  await tasks.reap();
  const failed = await tasks.get(ada, task.id);
  assert.deepEqual([failed.status, failed.attempts], ['failed', 2], 'out of attempts');
  assert.match(String(failed.question), /expired 2 times/);
});

test('a pending task nobody takes is escalated to people, and a task in a private room goes only to its members', async (t) => {
  const { ctx, tasks, clock, published, ada, builder } = await tasksKit(t, { taskEscalateAfterMs: 60_000 });
  const other = await addMember(ctx, 'other', 'agent', 'member', { capabilities: ['build'] });
  const room = await addRoom(ctx, 'ops', 'private', [ada, other]);
  const { task } = await tasks.create(ada, params({ title: 'deploy', room: 'ops', capabilities: ['build'] }));
  assert.ok(task.thread_id, 'logged in a thread of the chosen room');
  assert.equal(await tasks.claim(builder, undefined), null, 'not a member of the private room');

  clock.advance(60_001);
  await tasks.reap();
  const escalated = await tasks.get(ada, task.id);
  assert.equal(escalated.status, 'input_required');
  const notice = eventsOf(published, { kind: 'message.created', room: room.id }).at(-1);
  assert.equal(notice?.actor, 'system');
  assert.deepEqual(notice?.data.mentions, ['ada']);
  assert.equal(notice?.data.thread_id, task.thread_id, 'told in the task’s thread');
});

test('two claims by one worker at once: the claim that lost the race leaves the files of the task it won held', async (t) => {
  const { ctx, tasks, ada, builder } = await tasksKit(t);
  const { task } = await tasks.create(ada, params({ title: 'refactor', files: ['src/**'] }));
  const claims = await Promise.all([tasks.claim(builder, undefined), tasks.claim(builder, undefined)]);
  assert.deepEqual(
    claims.map((claim) => claim?.task.id ?? null).sort(),
    [null, task.id].sort(),
    'one claim took it, the other found nothing',
  );
  const held = await ctx.store.listReservations(ctx.now(), builder.id);
  assert.deepEqual(
    held.map((reservation) => [reservation.pattern, reservation.task]),
    [['src/**', task.id]],
  );
});
