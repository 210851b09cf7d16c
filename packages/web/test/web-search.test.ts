/** Search and permalinks in a real browser: finding old messages, filters, and opening a room at a message. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually, startHub, type TestHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, roomMessages, screenshot, shootAndCheck, signInWithToken } from './browser.js';

const BEFORE = 10;
const AFTER = 310;

/** Posts messages in order, a few at a time (their seq order is their text's order within each batch's wait). */
async function post(hub: TestHub, token: string, room: string, contents: string[]): Promise<any[]> {
  const sent: any[] = [];
  for (const content of contents) {
    sent.push((await hub.api(token, 'POST', `/api/v1/rooms/${room}/messages`, { content })).body.message);
  }
  return sent;
}

/** The texts of the loaded messages of the open room, top to bottom. */
function loadedTexts(page: Page): Promise<string[]> {
  return roomMessages(page).locator('li.message .markdown').allTextContents();
}

/** Whether the message is inside the visible part of the message list. */
function inView(page: Page, id: string): Promise<boolean> {
  return page.evaluate((messageId) => {
    const list = document.querySelector<HTMLElement>('ol.messages')!.getBoundingClientRect();
    const item = document.querySelector<HTMLElement>(`ol.messages li.message[data-id="${messageId}"]`);
    if (!item) return false;
    const box = item.getBoundingClientRect();
    return box.top >= list.top && box.bottom <= list.bottom;
  }, id);
}

test(
  'a search finds a message 300 messages back and opens its room there, neighbours loaded and the message highlighted',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
    const early = Array.from({ length: BEFORE }, (_, index) => `early ${index + 1}`);
    const late = Array.from({ length: AFTER }, (_, index) => `later ${index + 1}`);
    await post(hub, bob.token, 'general', early);
    const [target] = await post(hub, bob.token, 'general', ['the zeppelin lands at dawn']);
    await post(hub, bob.token, 'general', late);
    const all = [...early, 'the zeppelin lands at dawn', ...late];

    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    await signInWithToken(page, hub.url, ada.token);
    await roomMessages(page).getByText(`later ${AFTER}`).waitFor();

    await page.keyboard.press('Control+f');
    const box = page.getByRole('searchbox', { name: 'Search messages' });
    await eventually(async () => assert.ok(await box.evaluate((input) => input === document.activeElement)));
    await box.fill('Zeppelin');
    const results = page.getByRole('list', { name: 'Search results' });
    await results.getByRole('button').first().waitFor();
    assert.equal(await results.getByRole('button').count(), 1);
    assert.equal(await results.locator('mark').first().textContent(), 'zeppelin');

    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    const focused = roomMessages(page).locator(`li.message[data-focused][data-id="${target.id}"]`);
    await focused.waitFor();
    await eventually(async () => assert.ok(await inView(page, target.id), 'the message is scrolled into view'));
    const loaded = await loadedTexts(page);
    assert.ok(loaded.includes(`early ${BEFORE}`) && loaded.includes('later 1'), 'its neighbours on both sides');
    assert.ok(!loaded.includes(`later ${AFTER}`), 'the newest messages are not loaded: the room is opened there');
    assert.deepEqual(loaded, all.slice(all.indexOf(loaded[0]!), all.indexOf(loaded[0]!) + loaded.length));
    await screenshot(page, 'web-search-landed');

    // Paging down reaches the live end; a message arriving meanwhile shows once, after the others.
    await post(hub, bob.token, 'general', ['live while reading']);
    all.push('live while reading');
    const list = roomMessages(page);
    while (await list.getByRole('button', { name: 'Load newer messages' }).isVisible()) {
      const count = await list.locator('li.message').count();
      await list.evaluate((element) => (element.scrollTop = element.scrollHeight));
      await eventually(async () => assert.ok((await list.locator('li.message').count()) > count, 'a newer page'));
    }
    await list.getByText('live while reading').waitFor();
    while (!(await list.getByText('The beginning of this room.').isVisible())) {
      const count = await list.locator('li.message').count();
      await list.evaluate((element) => (element.scrollTop = 0));
      await eventually(async () => assert.ok((await list.locator('li.message').count()) > count, 'an older page'));
    }
    assert.deepEqual(await loadedTexts(page), all, 'every message once, in order, from the beginning to the live end');
    assert.deepEqual(tab.consoleErrors, []);
  },
);

test('filters narrow the results, and stored text is shown as text', { skip: browserSkip() }, async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'ops', kind: 'public', members: ['bob'] });
  await post(hub, ada.token, 'general', ['orbit insertion went well', 'the orbit is stable **now**']);
  const [root] = await post(hub, bob.token, 'ops', ['<img src=x onerror="window.__hit=1"> orbit check from ops']);
  await hub.api(ada.token, 'POST', '/api/v1/rooms/ops/messages', {
    content: 'orbit reply in thread',
    thread_id: root.id,
  });
  await post(hub, bob.token, 'general', ['an orbit question from bob']);

  const browser = await launch(t);
  const tab = await openPage(browser, hub.url);
  const page = tab.page;
  await signInWithToken(page, hub.url, ada.token);
  await roomMessages(page).getByText('an orbit question from bob').waitFor();
  // `/search …` in the message box opens search with its words.
  await page.getByRole('combobox', { name: 'Message' }).fill('/search orbit');
  await page.getByRole('combobox', { name: 'Message' }).press('Enter');
  const searchBox = page.getByRole('searchbox', { name: 'Search messages' });
  const results = page.getByRole('list', { name: 'Search results' });
  const hits = results.getByRole('button');
  await eventually(async () => assert.equal(await hits.count(), 5));
  assert.equal(await searchBox.inputValue(), 'orbit');
  // Escape goes back to the room; `/` outside a text field opens search again, as it was left.
  await page.keyboard.press('Escape');
  await roomMessages(page).waitFor();
  await roomMessages(page).focus();
  await page.keyboard.press('/');
  await eventually(async () => assert.equal(await hits.count(), 5));
  assert.equal(await searchBox.inputValue(), 'orbit');
  assert.equal(await results.locator('img').count(), 0, 'markup in a message is never made into elements');
  assert.ok((await results.textContent())?.includes('<img src=x'));

  await page.getByRole('combobox', { name: 'In room' }).selectOption({ label: '#ops' });
  await eventually(async () => assert.equal(await hits.count(), 2));
  await page.getByRole('combobox', { name: 'Threads' }).selectOption({ label: 'Only in threads' });
  await eventually(async () => assert.equal(await hits.count(), 1));
  assert.ok((await hits.first().textContent())?.includes('orbit reply in thread'));
  await page.getByRole('button', { name: 'Clear filters' }).click();
  await eventually(async () => assert.equal(await hits.count(), 5));
  await page.getByRole('combobox', { name: 'From' }).fill('bob');
  await eventually(async () => assert.equal(await hits.count(), 2));
  await page.getByRole('combobox', { name: 'Sort' }).selectOption({ label: 'Newest first' });
  await eventually(async () => assert.ok((await hits.first().textContent())?.includes('an orbit question from bob')));
  await page.getByRole('combobox', { name: 'From' }).fill('');
  await eventually(async () => assert.equal(await hits.count(), 5));

  const findings = await shootAndCheck(page, 'web-search', {
    phone: () => results.getByRole('button').first().waitFor(),
  });
  assert.deepEqual(findings, {}, 'no serious or critical accessibility findings');

  // A thread reply opens its room at the thread's first message, with the thread beside it.
  await page.getByRole('combobox', { name: 'Threads' }).selectOption({ label: 'Only in threads' });
  await eventually(async () => assert.equal(await hits.count(), 1));
  await hits.first().click();
  await roomMessages(page).locator(`li.message[data-focused][data-id="${root.id}"]`).waitFor();
  await page.getByRole('list', { name: 'Thread messages' }).locator('li.message[data-focused]').waitFor();
  assert.equal(await page.evaluate(() => (window as unknown as { __hit?: number }).__hit), undefined);
  assert.deepEqual(tab.consoleErrors, []);
});

test('a permalink opened in a fresh page signs in, then lands at the message', { skip: browserSkip() }, async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const sent = await post(
    hub,
    bob.token,
    'general',
    Array.from({ length: 150 }, (_, index) => `note ${index + 1}`),
  );
  const target = sent[20];
  await hub.api(bob.token, 'POST', '/api/v1/rooms', { name: 'hidden', kind: 'private' });
  const [secret] = await post(hub, bob.token, 'hidden', ['not for ada']);

  const browser = await launch(t);
  const tab = await openPage(browser, hub.url);
  const page = tab.page;
  await page.goto(`${hub.url}/m/${target.id}`);
  await page.getByRole('tab', { name: 'Paste a token' }).click();
  await page.getByLabel('Token').fill(ada.token);
  await page.getByRole('button', { name: 'Use token' }).click();
  const focused = roomMessages(page).locator(`li.message[data-focused][data-id="${target.id}"]`);
  await focused.waitFor();
  await eventually(async () => assert.ok(await inView(page, target.id)));
  const loaded = await loadedTexts(page);
  assert.ok(loaded.includes('note 20') && loaded.includes('note 22') && !loaded.includes('note 150'));
  assert.equal(new URL(page.url()).pathname, '/', 'the address is the app’s again, so a reload opens as usual');

  // Already signed in, in a new tab of the same browser: straight to the message.
  const again = await tab.context.newPage();
  await again.goto(`${hub.url}/m/${sent[100].id}`);
  await roomMessages(again).locator(`li.message[data-focused][data-id="${sent[100].id}"]`).waitFor();

  // A message of a room one cannot read opens nothing, and says so.
  const refused = await tab.context.newPage();
  await refused.goto(`${hub.url}/m/${secret.id}`);
  await refused.getByRole('alert').getByText('No such message').waitFor();
  assert.equal(await refused.getByText('not for ada').count(), 0);
});
