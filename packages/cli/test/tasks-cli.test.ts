/** `roundtable task …` and `roundtable worker` as real processes against a real hub, a hub restart included. */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { eventually, startHub, tempDir, type TestHub, Cli, ok, type RunOptions } from '@roundtable/testkit';

function as(hub: { url: string }, token: string): RunOptions {
  return { env: { ROUNDTABLE_URL: hub.url, ROUNDTABLE_TOKEN: token } };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

async function taskStatus(hub: TestHub, token: string, id: string): Promise<string> {
  const reply = await hub.api(token, 'GET', `/api/v1/tasks/${id}`);
  return reply.body.task.status as string;
}

function stopWorker(t: TestContext, worker: Cli): void {
  t.after(() => worker.child.kill('SIGINT'));
}

test('task create, list, show, reject and accept, with a worker running a shell command per task', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const bot = await hub.member('bot', 'agent', { capabilities: ['math'] });
  const id = (
    await ok(
      t,
      [
        'task',
        'create',
        'add two numbers',
        '--capability',
        'math',
        '--context',
        '{"a":1,"b":2}',
        '--review',
        '--schema',
        '{"type":"object","required":["sum"]}',
      ],
      as(hub, ada.token),
    )
  ).stdout.trim();
  assert.match(id, /^task_/);
  assert.match(
    (await ok(t, ['task', 'list'], as(hub, ada.token))).stdout,
    new RegExp(`^${id}\\s+pending\\s+0/3\\s+add two numbers$`, 'm'),
  );

  const script =
    'node -e \'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const t=JSON.parse(s);' +
    'console.log(JSON.stringify({summary:"added",data:{sum:t.context.a+t.context.b}}))})\'';
  const worker = new Cli(t, ['worker', '--capability', 'math', '--exec', script], as(hub, bot.token));
  stopWorker(t, worker);
  await worker.waitFor('stderr', /Waiting for tasks/);
  await eventually(
    async () => assert.equal(await taskStatus(hub, ada.token, id), 'review', 'the worker reported'),
    10_000,
  );
  const shown = (await ok(t, ['task', 'show', id], as(hub, ada.token))).stdout;
  assert.match(shown, /review\s+add two numbers/);
  assert.match(shown, /assignee\s+@bot/);
  assert.match(shown, /verdict\s+valid/);

  await ok(t, ['task', 'reject', id, 'show', 'your', 'working'], as(hub, ada.token));
  await eventually(
    async () => assert.equal(await taskStatus(hub, ada.token, id), 'review', 'worked again after the rejection'),
    10_000,
  );
  assert.match((await ok(t, ['task', 'accept', id], as(hub, ada.token))).stderr, /is now completed/);
  const task = (await hub.api(ada.token, 'GET', `/api/v1/tasks/${id}`)).body.task;
  assert.deepEqual(task.result.data, { sum: 3 });
  assert.equal(task.feedback, 'show your working', 'the rejection reached the second attempt');
});

test('a worker survives a hub restart in the middle of a task and reports it once', async (t) => {
  const dir = tempDir(t);
  const port = await freePort();
  const env = { PORT: String(port) };
  const first = await startHub(t, { dir, env });
  const ada = await first.member('ada');
  const bot = await first.member('bot', 'agent');
  const gate = join(dir, 'go');
  const started = join(dir, 'started');
  const id = (await ok(t, ['task', 'create', 'slow job'], as(first, ada.token))).stdout.trim();
  const worker = new Cli(
    t,
    [
      'worker',
      '--exec',
      `touch ${started}; while [ ! -f ${gate} ]; do sleep 0.05; done; echo '{"summary":"survived"}'`,
    ],
    as(first, bot.token),
  );
  stopWorker(t, worker);
  await eventually(() => assert.ok(existsSync(started), 'the command started'), 10_000);

  await first.close();
  const second = await startHub(t, { dir, env, adminToken: first.adminToken });
  writeFileSync(gate, '');
  await eventually(async () => assert.equal(await taskStatus(second, ada.token, id), 'completed'), 20_000);
  const events = await second.api(
    ada.token,
    'GET',
    `/api/v1/rooms/${(await second.api(ada.token, 'GET', `/api/v1/tasks/${id}`)).body.task.room}/events?after=0&limit=100`,
  );
  const moves = (events.body.events as Array<{ kind: string; data: { action: string } }>)
    .filter((event) => event.kind.startsWith('task.'))
    .map((event) => event.data.action);
  assert.deepEqual(moves, ['create', 'claim', 'start', 'report'], 'one claim, one report: nothing done twice');
});

test('progress lines a command writes on stderr reach the task, and `roundtable workers` lists the worker with what it holds', async (t) => {
  const hub = await startHub(t);
  const dir = tempDir(t);
  const ada = await hub.member('ada');
  const bot = await hub.member('bot', 'agent');
  const id = (
    await ok(t, ['task', 'create', 'long job', '--lease-ms', '1000', '--batch', 'night-1'], as(hub, ada.token))
  ).stdout.trim();
  const gate = join(dir, 'go');
  const worker = new Cli(
    t,
    [
      'worker',
      '--exec',
      `echo "progress 0.5 halfway" >&2; while [ ! -f ${gate} ]; do sleep 0.05; done; echo '{"summary":"done"}'`,
    ],
    as(hub, bot.token),
  );
  stopWorker(t, worker);
  await eventually(async () => {
    const { task } = (await hub.api(ada.token, 'GET', `/api/v1/tasks/${id}`)).body;
    assert.deepEqual([task.progress, task.progress_note], [0.5, 'halfway'], 'the progress line became the task’s');
  }, 10_000);
  assert.match((await ok(t, ['task', 'show', id], as(hub, ada.token))).stdout, /progress\s+50% halfway/);
  assert.match(
    (await ok(t, ['workers'], as(hub, ada.token))).stdout,
    new RegExp(`^@bot\\s+\\(all granted\\)\\s+1/1\\s+\\S+\\s+${id}$`, 'm'),
  );
  writeFileSync(gate, '');
  await eventually(async () => assert.equal(await taskStatus(hub, ada.token, id), 'completed'), 10_000);
  assert.match((await ok(t, ['task', 'list', '--batch', 'night-1'], as(hub, ada.token))).stdout, new RegExp(id));
});

test('a worker kills a command that runs past --timeout, and what it started, and hands the task back', async (t) => {
  const hub = await startHub(t);
  const dir = tempDir(t);
  const ada = await hub.member('ada');
  const bot = await hub.member('bot', 'agent');
  const id = (await ok(t, ['task', 'create', 'hangs', '--max-attempts', '1'], as(hub, ada.token))).stdout.trim();
  const pidFile = join(dir, 'pid');
  const worker = new Cli(
    t,
    ['worker', '--timeout', '1000', '--exec', `sleep 600 & echo $! > ${pidFile}; wait`],
    as(hub, bot.token),
  );
  stopWorker(t, worker);
  await eventually(async () => assert.equal(await taskStatus(hub, ada.token, id), 'failed'), 10_000);
  const { task } = (await hub.api(ada.token, 'GET', `/api/v1/tasks/${id}`)).body;
  assert.match(task.question, /last by @bot: the task ran past its time limit of 1000 ms/);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  await eventually(() => assert.throws(() => process.kill(pid, 0), 'the command’s own child is gone too'), 10_000);
});
