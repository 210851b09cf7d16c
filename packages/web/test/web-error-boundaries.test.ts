/**
 * The web UI's error boundaries in a real browser against a real hub: a message, a thread reply, a
 * task card, a side panel, the room list and a whole room that fail to render each show a notice in
 * their place, and everything around them keeps working. Now that stored data is read defensively,
 * no data makes the app throw, so the failures are injected in the page, as a rendering bug would throw.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, roomMessages, screenshot, signInWithToken } from './browser.js';

const FAULT = 'render-fault';
/**
 * Text holding FAULT throws as it is written into the page. A string, not a function: tsx would wrap
 * a function in helpers the page lacks.
 */
const FAULT_HOOK = `
  const fault = (value) => {
    if (typeof value === 'string' && value.includes('${FAULT}')) throw new Error('injected render fault');
  };
  const createTextNode = Document.prototype.createTextNode;
  Document.prototype.createTextNode = function (data) {
    fault(data);
    return createTextNode.call(this, data);
  };
  for (const name of ['textContent', 'nodeValue']) {
    const property = Object.getOwnPropertyDescriptor(Node.prototype, name);
    Object.defineProperty(Node.prototype, name, {
      ...property,
      set(value) {
        fault(value);
        property.set.call(this, value);
      },
    });
  }
`;

test(
  'a message, a reply, a task card, a panel, the room list or a room that fails to render shows a notice and the rest works',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const eve = await hub.member('eve');
    await hub.member('bot', 'agent');
    const post = async (body: Record<string, unknown>): Promise<string> => {
      const sent = await hub.api(eve.token, 'POST', '/api/v1/rooms/general/messages', body);
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      return sent.body.message.id;
    };
    await post({ content: 'The first good message' });
    const root = await post({ content: 'A thread with a broken reply' });
    await post({ content: `A message that fails: ${FAULT}` });
    await post({ content: 'The last good message' });
    await post({ content: `A reply that fails: ${FAULT}`, thread_id: root });
    await post({ content: 'A reply that renders', thread_id: root });
    for (const task of [
      { title: `A card that fails: ${FAULT}` },
      { title: 'A task whose detail fails', description: FAULT },
      { title: 'A task that renders' },
    ]) {
      const created = await hub.api(ada.token, 'POST', '/api/v1/tasks', { ...task, room: 'general' });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }

    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    const uncaught: string[] = [];
    page.on('pageerror', (error) => uncaught.push(error.message));
    await tab.context.addInitScript({ content: FAULT_HOOK });
    await signInWithToken(page, hub.url, ada.token);
    const list = roomMessages(page);
    await list.getByText('The last good message').waitFor();
    await list.getByText('The first good message').waitFor();
    const notice = list.getByRole('listitem', { name: 'Message from eve' }).filter({
      hasText: 'This message could not be shown.',
    });
    assert.equal(await notice.count(), 1, 'only the failing message is replaced');
    await notice.getByText('@eve').waitFor();
    assert.equal(await notice.locator('time').count(), 1, 'the notice still says who wrote it and when');
    await screenshot(page, 'web-boundary-message');

    await list.getByRole('button', { name: '2 replies' }).click();
    const thread = page.getByRole('complementary', { name: 'Thread' });
    await thread.getByText('A reply that renders').waitFor();
    await thread.getByText('This message could not be shown.').waitFor();
    await thread.getByLabel('Reply in thread').fill('A reply after the broken one');
    await thread.getByLabel('Reply in thread').press('Enter');
    await thread.getByText('A reply after the broken one').waitFor();
    await page.keyboard.press('Escape');
    await thread.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Tasks' }).click();
    const pending = page.getByRole('region', { name: 'Pending' });
    await pending.getByText('This task could not be shown.').waitFor();
    await pending.getByRole('button', { name: 'A task that renders, pending' }).waitFor();
    await pending.getByRole('button', { name: 'A task whose detail fails, pending' }).click();
    const detail = page.getByRole('complementary', { name: 'Task' });
    await detail.getByText('The task panel could not be shown.').waitFor();
    await screenshot(page, 'web-boundary-task');
    await detail.getByRole('button', { name: 'Close task' }).click();
    await detail.waitFor({ state: 'detached' });
    await pending.getByRole('button', { name: 'A task that renders, pending' }).click();
    await detail.getByRole('heading', { name: 'A task that renders' }).waitFor();

    const fragile = await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'fragile', topic: FAULT });
    assert.equal(fragile.status, 201, JSON.stringify(fragile.body));
    await page.getByRole('button', { name: '#fragile' }).click();
    const crashed = page.getByRole('heading', { name: 'Something went wrong' });
    await crashed.waitFor();
    await screenshot(page, 'web-boundary-app');
    await page.reload();
    await crashed.waitFor();
    await page.getByRole('button', { name: 'Back to the room list' }).click();
    await page.getByRole('heading', { name: '#general' }).waitFor();
    await list.getByText('The last good message').waitFor();

    const conversation = await hub.api(ada.token, 'POST', '/api/v1/conversations', {
      agent: 'bot',
      content: `A conversation that fails: ${FAULT}`,
    });
    assert.equal(conversation.status, 201, JSON.stringify(conversation.body));
    await page.getByText('The room list could not be shown.').waitFor();
    const composer = page.getByLabel('Message', { exact: true });
    await composer.fill('Still here without a room list');
    await composer.press('Enter');
    await list.getByText('Still here without a room list').waitFor();

    assert.deepEqual(uncaught, [], 'every failure was caught by a boundary');
    assert.ok(tab.consoleErrors.length > 0, 'React reports the failures it caught');
    assert.deepEqual(
      tab.consoleErrors.filter((line) => !line.includes('injected render fault')),
      [],
      'the console holds the injected failures and nothing else',
    );
  },
);
