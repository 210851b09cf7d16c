/** Tasks under leases, end to end over real sockets: workers on the SDK, a coordinator, people answering. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { RoundtableClient, RoundtableError, TaskWorker, type Task } from '@roundtable/client';
import { eventually, SkewClock, startHub, type TestHub } from '@roundtable/testkit';

const RESULT_SCHEMA = {
  type: 'object',
  required: ['answer'],
  properties: { answer: { type: 'integer' } },
  additionalProperties: false,
};

async function connect(t: TestContext, hub: TestHub, token: string): Promise<RoundtableClient> {
  const client = new RoundtableClient({ url: hub.url, token, logger: { warn: () => {} } });
  t.after(() => client.close());
  await client.connect();
  return client;
}

async function agent(t: TestContext, hub: TestHub, handle: string, capabilities: string[] = []) {
  const created = await hub.member(handle, 'agent', { capabilities });
  return { ...created, client: await connect(t, hub, created.token) };
}

/** Every `task.updated` transition of one task, as logged in its room. */
async function transitions(hub: TestHub, token: string, task: Task): Promise<string[]> {
  const events = await hub.api(token, 'GET', `/api/v1/rooms/${task.room}/events?after=0&limit=1000`);
  assert.equal(events.status, 200, JSON.stringify(events.body));
  return (events.body.events as Array<{ kind: string; data: { task: Task; action: string; to: string } }>)
    .filter((event) => event.kind.startsWith('task.') && event.data.task.id === task.id)
    .map((event) => `${event.data.action}>${event.data.to}`);
}

test('a coordinator hands out tasks, three pushed workers complete them, and each result is validated', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const coordinator = await connect(t, hub, ada.token);
  const done: string[] = [];
  for (const name of ['w1', 'w2', 'w3']) {
    const worker = await agent(t, hub, name, ['math']);
    const runner = new TaskWorker(worker.client, {
      capabilities: ['math'],
      handler: async (task) => {
        done.push(`${name}:${task.title}`);
        return {
          summary: `did ${task.title}`,
          data: { answer: (task.context.a as number) + (task.context.b as number) },
        };
      },
    });
    await runner.start();
    t.after(() => runner.stop());
  }
  const tasks: Task[] = [];
  for (let index = 0; index < 6; index += 1) {
    tasks.push(
      await coordinator.createTask({
        title: `sum ${index}`,
        context: { a: index, b: 10 },
        capabilities: ['math'],
        acceptance: { text: 'the sum as an integer', schema: RESULT_SCHEMA },
      }),
    );
  }
  await eventually(async () => {
    const page = await coordinator.listTasks({ status: ['completed'] });
    assert.equal(page.tasks.length, 6, `all six completed (${page.tasks.length})`);
  }, 10_000);
  for (const created of tasks) {
    const task = await coordinator.getTask(created.id);
    assert.equal(task.status, 'completed');
    assert.deepEqual(task.result?.data, { answer: (created.context.a as number) + 10 }, 'the result is the worker’s');
    assert.equal(task.verdict?.valid, true, 'the hub validated the result against the schema');
    assert.deepEqual(await transitions(hub, ada.token, task), [
      'create>pending',
      'claim>assigned',
      'start>running',
      'report>completed',
    ]);
  }
  assert.equal(done.length, 6, 'each task ran once');
  const workersUsed = new Set(done.map((entry) => entry.split(':')[0]));
  assert.ok(workersUsed.size >= 2, `the work was spread across workers (${[...workersUsed].join(', ')})`);
});

test('a worker killed mid-task loses its lease; the task is reassigned and completed once', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock, env: { TASK_REAPER_INTERVAL_MS: '3600000' } });
  const ada = await hub.member('ada');
  const coordinator = await connect(t, hub, ada.token);
  const doomed = await agent(t, hub, 'doomed', ['build']);
  const survivor = await agent(t, hub, 'survivor', ['build']);
  const task = await coordinator.createTask({ title: 'build it', capabilities: ['build'], lease_ms: 30_000 });

  const claim = await doomed.client.claimTask();
  assert.equal(claim?.task.id, task.id);
  await doomed.client.heartbeatTask(task.id, claim!.lease.token);
  await doomed.client.close();
  assert.equal(await survivor.client.claimTask(), null, 'a leased task cannot be claimed by another worker');

  clock.advance(31_000);
  await hub.hub.tasks.reap();
  const requeued = await coordinator.getTask(task.id);
  assert.equal(requeued.status, 'pending');
  assert.equal(requeued.attempts, 1, 'the lost lease counts as an attempt');

  const second = await survivor.client.claimTask();
  assert.equal(second?.task.id, task.id, 'the survivor takes it over');
  await assert.rejects(
    doomed.client.connect().then(() => doomed.client.heartbeatTask(task.id, claim!.lease.token)),
    (error: unknown) => error instanceof RoundtableError && error.code === 'lease_invalid',
    'the old lease no longer works',
  );
  const report = await survivor.client.reportTask(task.id, second!.lease.token, { summary: 'built' });
  assert.equal(report.task.status, 'completed');
  assert.deepEqual(await transitions(hub, ada.token, task), [
    'create>pending',
    'claim>assigned',
    'start>running',
    'expire>pending',
    'claim>assigned',
    'report>completed',
  ]);
});

test('20 concurrent claimers and 200 tasks: every task is completed exactly once', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const coordinator = await connect(t, hub, ada.token);
  const room = await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'crunch' });
  assert.equal(room.status, 201);
  for (let index = 0; index < 200; index += 1) {
    await coordinator.createTask({ title: `job ${index}`, room: 'crunch', priority: index % 5 });
  }
  const claimers = await Promise.all(Array.from({ length: 20 }, (_, index) => agent(t, hub, `c${index}`)));
  const completions = new Map<string, string[]>();
  await Promise.all(
    claimers.map(async ({ handle, client }) => {
      for (;;) {
        const claim = await client.claimTask();
        if (!claim) return;
        const report = await client.reportTask(claim.task.id, claim.lease.token, { summary: `by ${handle}` });
        assert.equal(report.task.status, 'completed');
        completions.set(claim.task.id, [...(completions.get(claim.task.id) ?? []), handle]);
      }
    }),
  );
  assert.equal(completions.size, 200, 'every task was completed');
  for (const [id, by] of completions) assert.equal(by.length, 1, `${id} was completed once, not by ${by.join(', ')}`);
  const claimsPerWorker = claimers.map(
    ({ handle }) => [...completions.values()].filter((by) => by[0] === handle).length,
  );
  assert.ok(claimsPerWorker.filter((count) => count > 0).length > 1, 'the claimers really ran side by side');
  let cursor: string | undefined;
  let listed = 0;
  do {
    const page = await coordinator.listTasks({ room: 'crunch', status: ['completed'], limit: 70, cursor });
    listed += page.tasks.length;
    cursor = page.next ?? undefined;
  } while (cursor);
  assert.equal(listed, 200, 'paging the list walks every task once');
});

test('an invalid result is retried, then fails and calls people in; an answer resumes the task', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const coordinator = await connect(t, hub, ada.token);
  const mentions: string[] = [];
  coordinator.on('message', (message) => {
    if (message.sender === 'system' && message.mentions.includes('ada')) mentions.push(message.content);
  });
  const worker = await agent(t, hub, 'sloppy');
  const task = await coordinator.createTask({
    title: 'compute',
    max_attempts: 2,
    acceptance: { schema: RESULT_SCHEMA },
  });
  const claim = (await worker.client.claimTask())!;
  const first = await worker.client.reportTask(task.id, claim.lease.token, { summary: 'oops', data: { answer: 'x' } });
  assert.equal(first.verdict.valid, false);
  assert.match(first.verdict.errors.join(), /answer must be integer/, 'the errors say what is wrong');
  assert.equal(first.task.status, 'running', 'the first refusal is a retry, the lease kept');
  assert.equal(first.task.attempts, 1);

  const second = await worker.client.reportTask(task.id, claim.lease.token, { summary: 'oops', data: {} });
  assert.equal(second.task.status, 'failed', 'max attempts reached');
  await eventually(() => assert.equal(mentions.length, 1, 'one escalation message mentions the creator'));
  assert.match(mentions[0]!, /needs a person/);
  assert.match(mentions[0]!, new RegExp(task.id));

  const resumed = await coordinator.answerTask(task.id, 'answer must be an integer: 42');
  assert.equal(resumed.status, 'pending');
  assert.equal(resumed.feedback, 'answer must be an integer: 42');
  const again = (await worker.client.claimTask())!;
  assert.equal(again.task.feedback, 'answer must be an integer: 42', 'the answer reaches the worker');
  const last = await worker.client.reportTask(task.id, again.lease.token, { summary: 'fixed', data: { answer: 42 } });
  assert.equal(last.task.status, 'completed');
});

test('a report touching files outside the task’s files is a conflict: refused and escalated', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const coordinator = await connect(t, hub, ada.token);
  const worker = await agent(t, hub, 'eager');
  const task = await coordinator.createTask({ title: 'fix parser', files: ['src/parser/**', 'README.md'] });
  const claim = (await worker.client.claimTask())!;
  const report = await worker.client.reportTask(task.id, claim.lease.token, {
    summary: 'fixed, and tidied the lexer',
    files_changed: ['src/parser/expr.ts', 'src/lexer/tokens.ts'],
  });
  assert.equal(report.verdict.valid, false);
  assert.match(report.verdict.errors.join(), /outside the task's files: src\/lexer\/tokens\.ts/);
  assert.equal(report.task.status, 'failed');
  const history = await coordinator.history(task.room, { limit: 20 });
  assert.ok(
    history.messages.some((message) => message.sender === 'system' && /reservation/.test(message.content)),
    'people are told in the task room',
  );
});

test('review, questions and answers, cancellation, and wrong lease tokens', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const coordinator = await connect(t, hub, ada.token);
  const worker = await agent(t, hub, 'careful');

  const reviewed = await coordinator.createTask({ title: 'write docs', acceptance: { review: true } });
  let claim = (await worker.client.claimTask())!;
  await assert.rejects(
    worker.client.heartbeatTask(reviewed.id, 'lease_wrong'),
    (error: unknown) => error instanceof RoundtableError && error.code === 'lease_invalid',
  );
  // A heartbeat and a report sent together: the report must not lose to the lease renewal.
  const [, raced] = await Promise.allSettled([
    worker.client.heartbeatTask(reviewed.id, claim.lease.token),
    worker.client.reportTask(reviewed.id, claim.lease.token, { summary: 'v1' }),
  ]);
  assert.equal(raced.status, 'fulfilled', `the report went through: ${JSON.stringify(raced)}`);
  let report = raced.value;
  assert.equal(report.task.status, 'review', 'a valid result waits for review');
  await assert.rejects(
    worker.client.acceptTask(reviewed.id),
    (error: unknown) => error instanceof RoundtableError && error.code === 'forbidden',
    'a worker does not accept its own result',
  );
  const rejected = await coordinator.rejectTask(reviewed.id, 'too short');
  assert.equal(rejected.status, 'pending');
  claim = (await worker.client.claimTask())!;
  assert.equal(claim.task.feedback, 'too short', 'the feedback travels with the next attempt');
  report = await worker.client.reportTask(reviewed.id, claim.lease.token, { summary: 'v2' });
  assert.equal((await coordinator.acceptTask(reviewed.id)).status, 'completed');
  await assert.rejects(
    coordinator.acceptTask(reviewed.id),
    (error: unknown) => error instanceof RoundtableError && error.code === 'invalid_transition',
    'a completed task cannot be accepted twice',
  );

  const asked = await coordinator.createTask({ title: 'pick a name' });
  claim = (await worker.client.claimTask())!;
  const waiting = await worker.client.askTask(asked.id, claim.lease.token, 'snake_case or camelCase?');
  assert.equal(waiting.status, 'input_required');
  const answered = await coordinator.answerTask(asked.id, 'camelCase');
  assert.equal(answered.status, 'running', 'the worker that asked resumes with its lease');
  assert.equal(answered.feedback, 'camelCase');
  assert.equal(
    (await worker.client.reportTask(asked.id, claim.lease.token, { summary: 'named' })).task.status,
    'completed',
  );

  const dropped = await coordinator.createTask({ title: 'never mind' });
  await assert.rejects(
    worker.client.cancelTask(dropped.id),
    (error: unknown) => error instanceof RoundtableError && error.code === 'task_not_found',
    'a worker cannot even see a task it has not taken in a room it is not in, let alone cancel it',
  );
  assert.equal((await coordinator.cancelTask(dropped.id, 'not needed')).status, 'cancelled');
  assert.equal(await worker.client.claimTask(), null, 'a cancelled task is not handed out');
  const direct = await coordinator.openDirect(['careful']);
  await assert.rejects(
    coordinator.createTask({ title: 'secret', room: direct.id }),
    (error: unknown) => error instanceof RoundtableError && error.code === 'invalid_request',
    'a direct room is not opened to workers',
  );
  const flaky = await coordinator.createTask({ title: 'flaky', max_attempts: 2 });
  for (const attempt of [1, 2]) {
    const taken = (await worker.client.claimTask())!;
    assert.equal(taken.task.id, flaky.id);
    const back = await worker.client.releaseTask(flaky.id, taken.lease.token, `crashed (${attempt})`);
    assert.equal(back.attempts, attempt, 'a hand-back counts as an attempt');
    assert.equal(back.status, attempt === 1 ? 'pending' : 'failed', 'and a worker that keeps failing cannot loop');
  }
  await assert.rejects(
    coordinator.createTask({ title: 'bad schema', acceptance: { schema: { type: 'nonsense' } } }),
    (error: unknown) => error instanceof RoundtableError && error.code === 'invalid_schema',
  );
});

test('file reservations: exclusive against anything, shared with shared, TTLs, and tasks whose files are held wait', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock, env: { TASK_REAPER_INTERVAL_MS: '3600000' } });
  const ada = await hub.member('ada');
  const coordinator = await connect(t, hub, ada.token);
  const alpha = await agent(t, hub, 'alpha');
  const beta = await agent(t, hub, 'beta');
  const conflictOf = async (work: Promise<unknown>) => {
    const error = await work.then(
      () => assert.fail('the reservation was expected to conflict'),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof RoundtableError && error.code === 'reservation_conflict', String(error));
    return error;
  };

  await alpha.client.reserveFiles(['src/parser/**'], { ttl_ms: 60_000 });
  const refused = await conflictOf(beta.client.reserveFiles(['src/parser/expr.ts']));
  assert.match(refused.message, /held by @alpha/, 'the conflict names the holder');
  assert.deepEqual(
    (refused.details as { conflicts: Array<{ holder: string; pattern: string }> }).conflicts.map((c) => [
      c.holder,
      c.pattern,
    ]),
    [['alpha', 'src/parser/**']],
  );
  await beta.client.reserveFiles(['src/lexer/**', 'docs/*.md']);
  await conflictOf(beta.client.reserveFiles(['src/**/*.ts'], { mode: 'shared' }));

  await alpha.client.reserveFiles(['README.md'], { mode: 'shared' });
  await beta.client.reserveFiles(['README.md'], { mode: 'shared' });
  await conflictOf(coordinator.reserveFiles(['README.md']));

  clock.advance(61_000);
  await beta.client.reserveFiles(['src/parser/expr.ts']);
  assert.deepEqual(
    (await coordinator.listReservations('beta')).map((r) => r.pattern).sort(),
    ['README.md', 'docs/*.md', 'src/lexer/**', 'src/parser/expr.ts'].sort(),
    'alpha’s expired reservation no longer counts; beta’s live ones are listed',
  );
  assert.equal(await beta.client.releaseFiles(), 4);

  const first = await coordinator.createTask({ title: 'refactor lexer', files: ['src/lexer/**'] });
  const second = await coordinator.createTask({ title: 'fix token', files: ['src/lexer/token.ts'] });
  const claim = (await alpha.client.claimTask())!;
  assert.equal(claim.task.id, first.id);
  assert.equal(await alpha.client.claimTask(), null, 'not even the same worker takes a second task on those files');
  await conflictOf(beta.client.reserveFiles(['src/lexer/token.ts']));
  assert.equal(await beta.client.claimTask(), null, 'a task whose files are held waits in the queue');
  assert.equal((await coordinator.getTask(second.id)).status, 'pending');
  await alpha.client.reportTask(first.id, claim.lease.token, {
    summary: 'done',
    files_changed: ['src/lexer/index.ts'],
  });
  const next = await beta.client.claimTask();
  assert.equal(next?.task.id, second.id, 'once the first task ends, its files are free and the waiting task goes out');
});

test('a task no worker takes is escalated to people after the set time; an admin may delete a task', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, {
    clock,
    env: { TASK_REAPER_INTERVAL_MS: '3600000', TASK_ESCALATE_AFTER_MS: '60000' },
  });
  const ada = await hub.member('ada');
  const coordinator = await connect(t, hub, ada.token);
  const calls: string[] = [];
  coordinator.on('message', (message) => {
    if (message.sender === 'system' && message.mentions.includes('ada')) calls.push(message.content);
  });
  const task = await coordinator.createTask({ title: 'needs a GPU', capabilities: ['gpu'] });
  await hub.hub.tasks.reap();
  assert.equal((await coordinator.getTask(task.id)).status, 'pending', 'not yet: the time has not passed');
  clock.advance(61_000);
  await hub.hub.tasks.reap();
  const stuck = await coordinator.getTask(task.id);
  assert.equal(stuck.status, 'input_required');
  assert.match(stuck.question ?? '', /No worker has taken this task/);
  await eventually(() => assert.equal(calls.length, 1, 'the creator was called in'));
  assert.equal((await coordinator.answerTask(task.id, 'a GPU worker joins tomorrow')).status, 'pending');

  const refused = await hub.api(ada.token, 'DELETE', `/api/v1/tasks/${task.id}`);
  assert.equal(refused.status, 403, 'only admins delete');
  const deleted = await hub.api(hub.adminToken, 'DELETE', `/api/v1/tasks/${task.id}`);
  assert.equal(deleted.status, 200, JSON.stringify(deleted.body));
  assert.equal((await hub.api(hub.adminToken, 'GET', `/api/v1/tasks/${task.id}`)).status, 404);
});

test('a task says since when its worker holds it, and a heartbeat tells the people of its room the new lease', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const watcher = await connect(t, hub, ada.token);
  const builder = await agent(t, hub, 'builder');
  const task = await watcher.createTask({ title: 'Build', room: 'general', lease_ms: 60_000 });
  assert.equal(task.assigned_at, null, 'nobody holds a new task');
  const leases: Array<{ task: string; assignee: string; at: string; lease_expires_at: string }> = [];
  watcher.on('task.lease', (frame) => leases.push(frame));
  const agentLeases: unknown[] = [];
  builder.client.on('task.lease', (frame) => agentLeases.push(frame));

  const claim = (await builder.client.claimTask())!;
  assert.ok(claim.task.assigned_at, 'a claim starts the hold');
  assert.equal(claim.task.assigned_at, claim.task.updated_at);
  const started = await builder.client.heartbeatTask(task.id, claim.lease.token);
  assert.equal(started.task.assigned_at, claim.task.assigned_at, 'starting is the same hold');
  const renewed = await builder.client.heartbeatTask(task.id, claim.lease.token);
  await eventually(() => assert.equal(leases.length, 1));
  assert.equal(leases[0]!.task, task.id);
  assert.equal(leases[0]!.assignee, 'builder');
  assert.equal(leases[0]!.lease_expires_at, renewed.lease.expires_at);
  assert.equal(Date.parse(leases[0]!.lease_expires_at) - Date.parse(leases[0]!.at), 60_000);
  const stored = await watcher.getTask(task.id);
  assert.equal(stored.lease_expires_at, renewed.lease.expires_at, 'the renewal is stored: a reload sees it');

  const released = await builder.client.releaseTask(task.id, claim.lease.token);
  assert.equal(released.assignee, null);
  assert.equal(released.assigned_at, null, 'a released task is held by nobody');
  assert.deepEqual(agentLeases, [], 'agents are not told of leases');
});
