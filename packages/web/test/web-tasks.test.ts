/** The task board in a real browser: live columns as an SDK worker takes a task, and a person's review. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundtableClient } from '@roundtable/client';
import { startHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, screenshot, signInWithToken, unnamedControls } from './browser.js';

test(
  'the task board follows a task live from pending to review, and a person accepts it',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const bot = await hub.member('bot', 'agent');
    const worker = new RoundtableClient({ url: hub.url, token: bot.token });
    t.after(() => worker.close());
    await worker.connect();
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    await signInWithToken(page, hub.url, ada.token);
    await page.getByRole('button', { name: 'Tasks' }).click();
    await page.getByRole('heading', { name: 'Tasks' }).waitFor();

    const created = await hub.api(ada.token, 'POST', '/api/v1/tasks', {
      title: 'Write the release notes',
      description: 'For 1.0, from the merged pull requests.',
      room: 'general',
      acceptance: { review: true },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const column = (name: string) => page.getByRole('region', { name });
    const card = (status: string) => page.getByRole('button', { name: `Write the release notes, ${status}` });
    await column('Pending').getByRole('button', { name: 'Write the release notes, pending' }).waitFor();

    const claim = (await worker.claimTask())!;
    await worker.heartbeatTask(claim.task.id, claim.lease.token);
    await column('In progress').getByRole('button', { name: 'Write the release notes, running' }).waitFor();
    await worker.reportTask(claim.task.id, claim.lease.token, { summary: 'Notes drafted', data: { words: 420 } });
    await column('Needs a person').getByRole('button', { name: 'Write the release notes, review' }).waitFor();
    await page.getByRole('button', { name: 'Tasks 1 waiting for a person' }).waitFor();

    await card('review').click();
    const detail = page.getByRole('complementary', { name: 'Task' });
    await detail.getByText('Notes drafted').waitFor();
    const history = detail.getByRole('list', { name: 'Task history' });
    await history.getByText('@bot report', { exact: false }).waitFor();
    await screenshot(page, 'web-task-board');
    assert.deepEqual(await unnamedControls(page), [], 'every control on the board has an accessible name');
    await detail.getByRole('button', { name: 'Accept' }).click();
    await column('Done').getByRole('button', { name: 'Write the release notes, completed' }).waitFor();
    await history.getByText('@ada accept', { exact: false }).waitFor();
    const stored = await hub.api(ada.token, 'GET', `/api/v1/tasks/${claim.task.id}`);
    assert.equal(stored.body.task.status, 'completed');
    assert.equal(stored.body.task.verdict.by, 'ada', 'the acceptance is recorded as hers');
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
    await worker.close();
  },
);
