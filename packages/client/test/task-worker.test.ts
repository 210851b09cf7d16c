/** The SDK's TaskWorker against a real hub: its own time limit, the handler's signal, the hand-back, progress and the workers list. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startHub } from '@roundtable/testkit';
import { RoundtableClient, TaskTimeoutError, TaskWorker } from '../src/index.js';

test('a handler running past the worker’s timeoutMs has its signal aborted and its task handed back, though it never returns', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const bot = await hub.member('bot', 'agent');
  const coordinator = new RoundtableClient({ url: hub.url, token: ada.token, logger: { warn: () => {} } });
  const client = new RoundtableClient({ url: hub.url, token: bot.token, logger: { warn: () => {} } });
  t.after(() => Promise.all([coordinator.close(), client.close()]));
  await Promise.all([coordinator.connect(), client.connect()]);
  const reasons: unknown[] = [];
  const runner = new TaskWorker(client, {
    timeoutMs: 300,
    onError: () => {},
    handler: (_task, { signal }) => {
      signal.addEventListener('abort', () => reasons.push(signal.reason), { once: true });
      return new Promise(() => {});
    },
  });
  await runner.start();
  t.after(() => runner.stop());
  const task = await coordinator.createTask({ title: 'never ends', max_attempts: 1 });
  await eventually(async () => assert.equal((await coordinator.getTask(task.id)).status, 'failed'), 10_000);
  assert.equal(reasons.length, 1);
  assert.ok(reasons[0] instanceof TaskTimeoutError);
  assert.equal((reasons[0] as TaskTimeoutError).limitMs, 300);
  assert.deepEqual(runner.active, [], 'the hung run gave its place back, though its handler never returned');
  assert.match(String((await coordinator.getTask(task.id)).question), /ran past its time limit of 300 ms/);
  assert.deepEqual(await coordinator.listWorkers().then((workers) => workers.map((w) => [w.member, w.held])), [
    ['bot', []],
  ]);
});
