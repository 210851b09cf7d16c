/** History paging, scroll and draft memory, and sending through a dropped connection, in a real browser. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { tcpBalancer, eventually, startHub, storeRows } from '@roundtable/testkit';
import { browserSkip, launch, openPage, roomMessages, screenshot, signInWithToken } from './browser.js';

const TOTAL = 320;

/** The first message at least partly visible in the list, and its distance from the list's top edge. */
function firstVisible(page: Page) {
  return page.evaluate(() => {
    const list = document.querySelector<HTMLElement>('ol.messages')!;
    const top = list.getBoundingClientRect().top;
    for (const item of list.querySelectorAll<HTMLElement>('li.message[data-id]')) {
      const rect = item.getBoundingClientRect();
      if (rect.bottom > top) return { id: item.dataset.id!, offset: rect.top - top };
    }
    throw new Error('no message is visible');
  });
}

function offsetOf(page: Page, id: string) {
  return page.evaluate((messageId) => {
    const list = document.querySelector<HTMLElement>('ol.messages')!;
    const item = list.querySelector<HTMLElement>(`li.message[data-id="${messageId}"]`)!;
    return item.getBoundingClientRect().top - list.getBoundingClientRect().top;
  }, id);
}

function scrollTo(page: Page, position: 'top' | number) {
  return page.evaluate((where) => {
    const list = document.querySelector<HTMLElement>('ol.messages')!;
    list.scrollTop = where === 'top' ? 0 : where;
  }, position);
}

test(
  `in a room of ${TOTAL} messages, loading older pages keeps the reader's place`,
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const bob = await hub.member('bob');
    for (let index = 1; index <= TOTAL; index += 1) {
      await hub.api(bob.token, 'POST', '/api/v1/rooms/general/messages', { content: `message number ${index}` });
    }
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    await signInWithToken(tab.page, hub.url, ada.token);
    const list = roomMessages(tab.page);
    const items = list.locator('li.message');
    await list.getByText(`message number ${TOTAL}`).waitFor();
    const firstPage = await items.count();
    assert.ok(firstPage < TOTAL, `only the newest page is loaded at first (${firstPage})`);

    let loads = 0;
    while (!(await list.getByText('The beginning of this room.').isVisible())) {
      const before = await items.count();
      await scrollTo(tab.page, 'top');
      const anchor = await firstVisible(tab.page);
      await eventually(async () => assert.ok((await items.count()) > before, 'an older page arrived'));
      const after = await offsetOf(tab.page, anchor.id);
      assert.ok(
        Math.abs(after - anchor.offset) <= 1,
        `the first visible message stayed in place: ${anchor.offset}px before, ${after}px after`,
      );
      loads += 1;
      if (loads === 1) await screenshot(tab.page, 'web-load-more');
    }
    assert.ok(loads >= 2, `several pages were loaded (${loads})`);
    const texts = await list.locator('li.message .markdown').allTextContents();
    assert.deepEqual(
      texts,
      Array.from({ length: TOTAL }, (_, index) => `message number ${index + 1}`),
      'every message, once, in order',
    );

    await tab.page.getByRole('button', { name: 'Jump to latest' }).click();
    await eventually(async () =>
      assert.ok(await list.getByText(`message number ${TOTAL}`).isVisible(), 'jumped back to the newest message'),
    );
    assert.equal(
      await tab.page.getByRole('button', { name: 'Jump to latest' }).count(),
      0,
      'the jump button hides at the bottom',
    );
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);

test(
  'each room keeps its scroll position and unsent draft; new messages show an unread divider',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const bob = await hub.member('bob');
    const created = await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'random', members: ['bob'] });
    assert.equal(created.status, 201);
    for (let index = 1; index <= 120; index += 1) {
      await hub.api(bob.token, 'POST', '/api/v1/rooms/general/messages', { content: `general ${index}` });
    }
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    await signInWithToken(tab.page, hub.url, ada.token);
    const composer = tab.page.getByLabel('Message', { exact: true });
    await roomMessages(tab.page).getByText('general 120').waitFor();

    await scrollTo(tab.page, 400);
    const anchor = await firstVisible(tab.page);
    await composer.fill('half-written thought');
    await tab.page.getByRole('button', { name: '#random' }).click();
    await tab.page.getByRole('heading', { name: '#random' }).waitFor();
    assert.equal(await composer.inputValue(), '', 'another room has its own draft');
    await hub.api(bob.token, 'POST', '/api/v1/rooms/general/messages', { content: 'arrived while away' });
    await tab.page.getByRole('button', { name: '#general' }).getByLabel('1 unread').waitFor();
    assert.equal(await tab.page.title(), '(1) #random · Roundtable', 'the page title counts unread messages');

    await tab.page.getByRole('button', { name: '#general' }).click();
    await roomMessages(tab.page).locator(`li[data-id="${anchor.id}"]`).waitFor();
    assert.equal(await composer.inputValue(), 'half-written thought', 'the draft came back with its room');
    const back = await offsetOf(tab.page, anchor.id);
    assert.ok(
      Math.abs(back - anchor.offset) <= 1,
      `the room reopened where it was left (${anchor.offset}px, now ${back}px)`,
    );
    await scrollTo(tab.page, 1e9);
    const divider = roomMessages(tab.page).getByRole('separator', { name: 'New messages' });
    await divider.waitFor();
    const next = divider.locator('xpath=../following-sibling::li[1]');
    assert.match(
      (await next.textContent()) ?? '',
      /arrived while away/,
      'the divider sits before the first unread message',
    );
    await eventually(async () =>
      assert.equal(await tab.page.title(), '#general · Roundtable', 'read: no count in the title'),
    );
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);

test(
  'messages typed while the connection is down are sent exactly once when it is back',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const port = Number(new URL(hub.url).port);
    const proxy = await tcpBalancer(t, () => [port]);
    const browser = await launch(t);
    const tab = await openPage(browser, proxy.url);
    await signInWithToken(tab.page, proxy.url, ada.token);
    const composer = tab.page.getByLabel('Message', { exact: true });

    proxy.cut();
    await tab.page.getByRole('status').getByText('Reconnecting…', { exact: false }).waitFor();
    await composer.fill('typed while offline');
    await composer.press('Enter');
    await composer.fill('and a second one');
    await composer.press('Enter');
    const list = roomMessages(tab.page);
    await list.getByText('Waiting for the connection…').first().waitFor();
    await screenshot(tab.page, 'web-offline');
    const offline = (await storeRows(hub, 'messages')) as Array<{ content: string }>;
    assert.equal(offline.filter((row) => row.content.includes('offline')).length, 0, 'nothing reached the hub yet');

    proxy.restore();
    await tab.page.getByRole('status').waitFor({ state: 'detached', timeout: 20_000 });
    await eventually(
      async () => assert.equal(await list.locator('li.pending').count(), 0, 'the outbox emptied'),
      20_000,
    );
    const rows = (await storeRows(hub, 'messages')) as Array<{ content: string }>;
    assert.deepEqual(
      rows
        .map((row) => row.content)
        .filter((content) => content === 'typed while offline' || content === 'and a second one'),
      ['typed while offline', 'and a second one'],
      'each message was stored once, in the order typed',
    );
    assert.equal(await list.getByText('typed while offline').count(), 1, 'shown once');
    assert.equal(await list.getByText('and a second one').count(), 1, 'shown once');
    const errors = tab.consoleErrors.filter((line) => !line.includes('WebSocket connection'));
    assert.deepEqual(errors, [], 'no errors in the browser console beyond the refused reconnects');
  },
);
