/**
 * The tasks page in a real browser: creating a task from the board (by keyboard too), filters,
 * subtasks under their parent, the worker view kept live by heartbeats, and columns that stay
 * reachable at every width. Axe and screenshots of each screen in both themes, wide and narrow.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { RoundtableClient, RoundtableError, type Task } from '@roundtable/client';
import { startHub, type TestHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, PHONE, shootAndCheck, signInWithToken, unnamedControls } from './browser.js';

const COLUMNS = ['Pending', 'In progress', 'Needs a person', 'Done', 'Failed or cancelled'];

async function connect(t: TestContext, hub: TestHub, token: string): Promise<RoundtableClient> {
  const client = new RoundtableClient({ url: hub.url, token, logger: { warn: () => {} } });
  t.after(() => client.close());
  await client.connect();
  return client;
}

/** A hub with ada (a person) and bot (an agent granted `docs`), ada's board open in a browser. */
async function boardFor(t: TestContext) {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const bot = await hub.member('bot', 'agent', { capabilities: ['docs'] });
  const coordinator = await connect(t, hub, ada.token);
  const worker = await connect(t, hub, bot.token);
  const browser = await launch(t);
  const tab = await openPage(browser, hub.url);
  await signInWithToken(tab.page, hub.url, ada.token);
  await tab.page.getByRole('button', { name: 'Tasks' }).click();
  await tab.page.getByRole('heading', { name: 'Tasks' }).waitFor();
  return { hub, ada, coordinator, worker, tab, page: tab.page };
}

const lane = (page: Page, name: string) => page.getByRole('region', { name, exact: true });
const card = (page: Page, title: string) => page.getByRole('button', { name: new RegExp(`^${title},`) });

test(
  'a person creates a task from the board with the keyboard alone; a JSON typo and a refusal are shown',
  { skip: browserSkip() },
  async (t) => {
    const { coordinator, tab, page } = await boardFor(t);

    // Keyboard only: Tab to "New task", fill the dialog, and submit.
    for (let presses = 0; presses < 40; presses += 1) {
      const focused = await page.evaluate(() => document.activeElement?.textContent?.trim());
      if (focused === 'New task') break;
      await page.keyboard.press('Tab');
    }
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New task' });
    await dialog.waitFor();
    assert.equal(await page.evaluate(() => document.activeElement?.closest('label')?.textContent), 'Title');
    await page.keyboard.type('Document the setup link');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Where it is printed, and how long it lasts.');
    await page.keyboard.press('Tab');
    await page.keyboard.press('ArrowDown'); // Room: the first room after "A room of its own"
    await page.keyboard.press('Tab'); // Parent task: none
    await page.keyboard.press('Tab');
    await page.keyboard.type('docs, writing');
    await page.keyboard.press('Tab');
    await page.keyboard.type('docs/operations.md');
    await page.keyboard.press('Tab');
    await page.keyboard.type('The steps work on a fresh clone');
    await page.keyboard.press('Tab');
    await page.keyboard.type('{"type": "object",');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Space'); // review
    await page.keyboard.press('Tab'); // Cancel
    await page.keyboard.press('Tab'); // Create task
    await page.keyboard.press('Enter');
    await dialog.getByText('Not JSON:', { exact: false }).waitFor();
    assert.equal(await dialog.getByLabel('Result schema (JSON Schema, optional)').getAttribute('aria-invalid'), 'true');
    assert.deepEqual((await coordinator.listTasks()).tasks, [], 'nothing is sent while the schema is not JSON');

    const findings = await shootAndCheck(page, 'web-task-create', { phone: async () => {} });
    assert.deepEqual(findings, {}, 'no serious or critical accessibility findings in the create dialog');
    assert.deepEqual(await unnamedControls(page), [], 'every control in the dialog has an accessible name');

    // JSON, but not a schema the hub takes: its own words are shown.
    const schema = dialog.getByLabel('Result schema (JSON Schema, optional)');
    await schema.fill('["not", "an object"]');
    await page.keyboard.press('Tab'); // review
    await page.keyboard.press('Tab'); // Cancel
    await page.keyboard.press('Tab'); // Create task
    await page.keyboard.press('Enter');
    const refusal = await coordinator
      .createTask({ title: 'x', acceptance: { schema: ['not', 'an object'] as unknown as Record<string, unknown> } })
      .then(
        () => assert.fail('the hub takes an array as a schema'),
        (error: unknown) => (error as RoundtableError).message,
      );
    await dialog.getByRole('alert').filter({ hasText: refusal }).waitFor();
    assert.equal((await dialog.getByRole('alert').textContent())?.trim(), refusal);

    await schema.fill('');
    await dialog.getByRole('button', { name: 'Create task' }).focus();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
    await lane(page, 'Pending').getByRole('button', { name: 'Document the setup link, pending' }).waitFor();

    const [stored] = (await coordinator.listTasks()).tasks as Task[];
    assert.equal(stored?.title, 'Document the setup link');
    assert.equal(stored.description, 'Where it is printed, and how long it lasts.');
    assert.deepEqual(stored.capabilities, ['docs', 'writing']);
    assert.deepEqual(stored.files, ['docs/operations.md']);
    assert.deepEqual(stored.acceptance, { text: 'The steps work on a fresh clone', schema: null, review: true });
    assert.equal(stored.creator, 'ada');
    assert.ok(stored.thread_id, 'a task created in a room is logged in a thread there');
    const general = (await coordinator.rooms()).find((room) => room.name === 'general');
    assert.equal(stored.room, general?.id);
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);

test(
  'filters narrow the board and outlast a visit to a room; a parent shows its subtasks done, folded or not',
  { skip: browserSkip() },
  async (t) => {
    const { coordinator, worker, tab, page } = await boardFor(t);
    const parent = await coordinator.createTask({ title: 'Ship the manual', room: 'general', capabilities: ['plan'] });
    const parts = [];
    for (const [index, title] of ['Write the install chapter', 'Write the agents chapter', 'Proofread'].entries()) {
      parts.push(
        await coordinator.createTask({ title, parent: parent.id, capabilities: ['docs'], priority: 10 - index }),
      );
    }
    await coordinator.createTask({ title: 'Fix the login form', capabilities: ['code'] });
    const rollup = page.getByRole('button', { name: 'Subtasks of Ship the manual: 0/3 done' });
    await rollup.waitFor();
    assert.equal(await rollup.getAttribute('aria-expanded'), 'true');
    const pending = lane(page, 'Pending');
    const subtasks = pending.getByRole('list', { name: 'Subtasks of Ship the manual' });
    assert.equal(await subtasks.getByRole('button', { name: /, pending$/ }).count(), 3, 'the subtasks hang under it');
    assert.equal(
      (await pending.getByRole('heading').textContent())?.replace(/\s+/g, ' ').trim(),
      'Pending 2',
      'subtasks are not counted again as tasks of their own',
    );

    // The worker finishes the first part: the roll-up follows live.
    const claim = (await worker.claimTask())!;
    assert.equal(claim.task.id, parts[0]!.id);
    await worker.reportTask(claim.task.id, claim.lease.token, { summary: 'done' });
    await page.getByRole('button', { name: 'Subtasks of Ship the manual: 1/3 done' }).click();
    await subtasks.waitFor({ state: 'detached' });
    assert.equal(
      await page.getByRole('button', { name: 'Subtasks of Ship the manual: 1/3 done' }).getAttribute('aria-expanded'),
      'false',
    );
    const next = (await worker.claimTask())!;
    await worker.heartbeatTask(next.task.id, next.lease.token);
    await page.getByRole('button', { name: 'Subtasks of Ship the manual: 1/3 done' }).click();
    await subtasks.getByRole('button', { name: 'Write the agents chapter, running @bot' }).waitFor();

    const shown = () => page.locator('.task-lanes button.task-item').allTextContents();
    const filters = page.getByRole('search', { name: 'Filter tasks' });
    await filters.getByLabel('Capability').selectOption('code');
    await page.getByText('1 of 5 tasks').waitFor();
    assert.deepEqual(
      (await shown()).map((name) => name.split(' ')[0]),
      ['Fix'],
    );
    await filters.getByLabel('Capability').selectOption('');
    await filters.getByLabel('Assignee').selectOption('bot');
    await card(page, 'Write the agents chapter').waitFor();
    assert.equal(await card(page, 'Fix the login form').count(), 0, 'a task nobody holds is filtered out');
    await filters.getByLabel('Assignee').selectOption('');
    await filters.getByLabel('Status').selectOption('completed');
    await card(page, 'Write the install chapter').waitFor();
    assert.equal(await card(page, 'Proofread').count(), 0);
    await filters.getByLabel('Status').selectOption('');
    await filters.getByLabel('Search').fill('login form');
    await page.getByText('1 of 5 tasks').waitFor();
    assert.equal(await card(page, 'Ship the manual').count(), 0);
    assert.equal(await card(page, 'Fix the login form').count(), 1);

    // A visit to a room and back keeps the filters.
    await page.getByRole('button', { name: '#general' }).click();
    await page.getByRole('button', { name: 'Tasks' }).click();
    assert.equal(await filters.getByLabel('Search').inputValue(), 'login form');
    await page.getByText('1 of 5 tasks').waitFor();
    await filters.getByLabel('Search').fill('');
    await filters.getByLabel('Room').selectOption({ label: '#general' });
    await page.getByText('1 of 5 tasks').waitFor();
    assert.equal(await card(page, 'Fix the login form').count(), 0, 'a task in a room of its own is filtered out');
    assert.equal(await card(page, 'Ship the manual').count(), 1);
    await filters.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByText('5 tasks', { exact: true }).waitFor();
    assert.equal(await card(page, 'Fix the login form').count(), 1);
    assert.equal(await filters.getByRole('button', { name: 'Clear filters' }).count(), 0);

    const findings = await shootAndCheck(page, 'web-task-board-subtasks', { phone: async () => {} });
    assert.deepEqual(findings, {}, 'no serious or critical accessibility findings on the board');
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);

test(
  'the worker view shows what each worker holds, since when, and its heartbeats as they come',
  { skip: browserSkip() },
  async (t) => {
    const { coordinator, worker, tab, page } = await boardFor(t);
    await page.getByRole('button', { name: 'Workers' }).click();
    await page.getByText('No worker holds a task right now.', { exact: false }).waitFor();
    const task = await coordinator.createTask({ title: 'Index the wiki', room: 'general', lease_ms: 120_000 });
    const claim = (await worker.claimTask())!;
    const bot = page.getByRole('region', { name: '@bot' });
    const row = bot.getByRole('listitem', { name: 'Index the wiki' });
    await row.waitFor();
    const times = async () =>
      Object.fromEntries(
        await row
          .locator('dl > div')
          .evaluateAll((items) =>
            items.map((item) => [
              item.querySelector('dt')?.textContent ?? '',
              item.querySelector('time')?.getAttribute('datetime') ?? item.querySelector('dd')?.textContent ?? '',
            ]),
          ),
      );
    assert.deepEqual(await times(), {
      'Held since': claim.task.assigned_at,
      'Last heartbeat': 'none yet',
      'Lease expires': claim.lease.expires_at,
    });

    const first = await worker.heartbeatTask(task.id, claim.lease.token);
    const beat = (lease: string) => new Date(Date.parse(lease) - 120_000).toISOString();
    await row.locator(`time[datetime="${beat(first.lease.expires_at)}"]`).waitFor();
    await row.getByText('running').waitFor();
    const second = await worker.heartbeatTask(task.id, claim.lease.token);
    assert.notEqual(second.lease.expires_at, first.lease.expires_at);
    // A renewal is no logged event: only the live lease frame can move these times.
    await row.locator(`time[datetime="${beat(second.lease.expires_at)}"]`).waitFor();
    assert.deepEqual(await times(), {
      'Held since': claim.task.assigned_at,
      'Last heartbeat': beat(second.lease.expires_at),
      'Lease expires': second.lease.expires_at,
    });

    const findings = await shootAndCheck(page, 'web-task-workers', { phone: async () => {} });
    assert.deepEqual(findings, {}, 'no serious or critical accessibility findings in the worker view');

    await row.getByRole('button', { name: 'Index the wiki' }).click();
    await page.getByRole('complementary', { name: 'Task' }).getByRole('heading', { name: 'Index the wiki' }).waitFor();
    await worker.releaseTask(task.id, claim.lease.token);
    await page.getByText('No worker holds a task right now.', { exact: false }).waitFor();
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);

test(
  'a worker’s progress and note show on its card and in the worker view as its heartbeats bring them',
  { skip: browserSkip() },
  async (t) => {
    const { coordinator, worker, tab, page } = await boardFor(t);
    const task = await coordinator.createTask({ title: 'Migrate the wiki', room: 'general', lease_ms: 120_000 });
    const claim = (await worker.claimTask())!;
    await worker.heartbeatTask(task.id, claim.lease.token, { progress: 0.25, note: 'copying pages' });
    await card(page, 'Migrate the wiki')
      .and(page.getByRole('button', { name: /25% copying pages$/ }))
      .waitFor();
    // The next one is no logged event: only the live lease frame brings it.
    await worker.heartbeatTask(task.id, claim.lease.token, { progress: 0.6, note: 'rewriting links' });
    await page.getByRole('button', { name: /^Migrate the wiki, .* 60% rewriting links$/ }).waitFor();
    await page.getByRole('button', { name: 'Workers' }).click();
    const row = page.getByRole('region', { name: '@bot' }).getByRole('listitem', { name: 'Migrate the wiki' });
    await row.getByText('60% rewriting links').waitFor();
    const findings = await shootAndCheck(page, 'web-task-progress', { phone: async () => {} });
    assert.deepEqual(findings, {}, 'no serious or critical accessibility findings with progress shown');
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);

/** Where a column is, and where the box that scrolls the columns is, on screen. */
async function placement(page: Page, name: string) {
  // No named functions inside: tsx would wrap them in a helper the page does not have.
  return page.evaluate((column) => {
    const lanes = document.querySelector('.task-lanes')!;
    return {
      lane: lanes.querySelector(`section[aria-label="${column}"]`)!.getBoundingClientRect().toJSON() as DOMRect,
      lanes: lanes.getBoundingClientRect().toJSON() as DOMRect,
      pageWidth: document.documentElement.scrollWidth,
    };
  }, name);
}

test(
  'every column is on screen or a scroll away at 1280 px, and a switch away on a phone',
  { skip: browserSkip() },
  async (t) => {
    const { coordinator, page } = await boardFor(t);
    for (const title of ['Draft the plan', 'Review the plan', 'Run the benchmarks']) {
      await coordinator.createTask({
        title,
        description: 'Long enough to wrap onto a second line in a narrow column.',
      });
    }
    const cancelled = await coordinator.createTask({ title: 'An abandoned idea' });
    await coordinator.cancelTask(cancelled.id);
    await lane(page, 'Failed or cancelled').getByRole('button', { name: 'An abandoned idea, cancelled' }).waitFor();

    for (const name of COLUMNS) {
      await lane(page, name).scrollIntoViewIfNeeded();
      const { lane: box, lanes, pageWidth } = await placement(page, name);
      assert.ok(pageWidth <= 1280, `the page is no wider than the window (${pageWidth})`);
      assert.ok(lanes.right <= 1280, `the columns' box ends inside the window (${lanes.right})`);
      assert.ok(box.width >= 180, `${name} is wide enough to read (${box.width})`);
      assert.ok(box.left >= lanes.left - 0.5 && box.right <= lanes.right + 0.5, `${name} can be brought into view`);
    }

    await page.setViewportSize(PHONE);
    const switcher = page.getByRole('navigation', { name: 'Columns' });
    for (const name of COLUMNS) {
      await switcher.getByRole('button', { name: new RegExp(`^${name} \\d+$`) }).click();
      await lane(page, name).waitFor();
      const { lane: box, pageWidth } = await placement(page, name);
      assert.ok(pageWidth <= PHONE.width, `the page is no wider than the phone (${pageWidth})`);
      assert.ok(box.left >= 0 && box.right <= PHONE.width, `${name} fits the phone (${box.left}–${box.right})`);
      for (const other of COLUMNS.filter((candidate) => candidate !== name)) {
        assert.equal(await lane(page, other).isVisible(), false, `only ${name} is shown`);
      }
    }
    await switcher.getByRole('button', { name: /^Failed or cancelled/ }).click();
    await lane(page, 'Failed or cancelled').getByRole('button', { name: 'An abandoned idea, cancelled' }).waitFor();
  },
);
