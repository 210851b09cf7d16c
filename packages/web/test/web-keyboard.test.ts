/**
 * The app with the keyboard alone: every step below is keys, no clicks, from signing in to
 * reacting, answering in a thread, searching and creating a task.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { startHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, roomMessages } from './browser.js';

/** What a screen reader would call the focused element. */
function focusedName(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el) return '';
    const labels = (el as HTMLInputElement).labels;
    return (
      el.getAttribute('aria-label') ?? (labels && labels[0] ? (labels[0].textContent ?? '') : (el.textContent ?? ''))
    ).trim();
  });
}

/** Presses Tab (or Shift+Tab) until the focused element's name matches; fails after `limit` presses. */
async function tabTo(page: Page, name: RegExp, { back = false, limit = 80 } = {}): Promise<void> {
  const seen: string[] = [];
  for (let i = 0; i < limit; i++) {
    const current = await focusedName(page);
    if (name.test(current)) return;
    seen.push(current);
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  assert.fail(`no focusable element named ${name} within ${limit} presses; passed: ${seen.join(' | ')}`);
}

test(
  'sign in, switch rooms, send, react, reply in a thread, search and create a task with the keyboard only',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    await hub.api(hub.adminToken, 'POST', '/api/v1/members', {
      handle: 'ada',
      kind: 'person',
      password: 'correct horse battery',
    });
    const ada = await hub.api(hub.adminToken, 'POST', '/api/v1/auth/login', {
      handle: 'ada',
      password: 'correct horse battery',
    });
    await hub.api(ada.body.token, 'POST', '/api/v1/rooms', { name: 'design', kind: 'public' });
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    await page.goto(hub.url);
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();

    await tabTo(page, /^Handle$/);
    await page.keyboard.type('ada');
    await page.keyboard.press('Tab');
    await page.keyboard.type('correct horse battery');
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: '#general' }).waitFor();

    await page.keyboard.press('Control+k');
    await page.getByRole('dialog', { name: 'Jump to a room' }).waitFor();
    await page.keyboard.type('design');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '#design' }).waitFor();

    await tabTo(page, /^Message$/);
    await page.keyboard.type('Shipping the keyboard walk today');
    await page.keyboard.press('Enter');
    const mine = roomMessages(page).getByRole('listitem', { name: 'Message from ada' });
    await mine.getByText('Shipping the keyboard walk today').waitFor();

    await tabTo(page, /^Messages$/, { back: true });
    await page.keyboard.press('ArrowUp');
    assert.equal(await focusedName(page), 'Message from ada', 'the arrow key moves onto the newest message');
    await tabTo(page, /^React to message$/);
    await page.keyboard.press('Enter');
    await tabTo(page, /^React with 🎉$/);
    await page.keyboard.press('Enter');
    await mine.getByRole('button', { name: /^🎉 1/ }).waitFor();

    await tabTo(page, /^Reply in thread$/);
    await page.keyboard.press('Enter');
    const thread = page.getByRole('complementary', { name: 'Thread' });
    await thread.waitFor();
    await tabTo(page, /^Reply in thread$/);
    await page.keyboard.type('A reply typed without a mouse');
    await page.keyboard.press('Enter');
    await thread.getByText('A reply typed without a mouse').waitFor();
    await page.keyboard.press('Escape');
    await thread.waitFor({ state: 'detached' });

    await page.keyboard.press('Control+f');
    const box = page.getByRole('searchbox', { name: 'Search messages' });
    await box.waitFor();
    assert.equal(await focusedName(page), 'Search messages', 'Ctrl+F puts the focus in the search box');
    await page.keyboard.type('keyboard walk');
    await page.getByRole('list', { name: 'Search results' }).getByRole('button').first().waitFor();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: '#design' }).waitFor();

    await tabTo(page, /^Tasks/);
    await page.keyboard.press('Enter');
    await tabTo(page, /^New task$/);
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'New task' });
    await dialog.waitFor();
    await page.keyboard.type('Check the keyboard walk');
    await tabTo(page, /^Create task$/);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Check the keyboard walk, pending' }).waitFor();

    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);
