/**
 * The look of the main screens: each one in light and dark, at 1280 px and at 375 px, written as
 * screenshots and checked by axe (no serious or critical findings), with the design system's
 * promises checked on the live page: distinct avatars, a real dark theme, nothing clipped.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { RoundtableClient } from '@roundtable/client';
import { startHub } from '@roundtable/testkit';
import {
  browserSkip,
  launch,
  openPage,
  roomMessages,
  screenshot,
  shootAndCheck,
  signInWithToken,
  unnamedControls,
  useTheme,
  WIDE,
} from './browser.js';

/** Elements wider than the window or cut off at its right edge: what "fills the window" must never show. */
function offScreen(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    return [...document.querySelectorAll<HTMLElement>('button, h2, .message, .room-header, .composer')]
      .filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.right > width + 1 && !el.closest('.task-lanes, .sidebar, .side-panel');
      })
      .map((el) => el.outerHTML.slice(0, 100));
  });
}

test(
  'the main screens in light and dark, wide and on a phone: axe-clean, distinct avatars, a real dark theme',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada', 'person', { display_name: 'Ada Lovelace' });
    const ada558 = await hub.member('ada558');
    const helper = await hub.member('helper', 'agent', { description: 'Answers questions about the docs' });
    const agent = new RoundtableClient({ url: hub.url, token: helper.token });
    const other = new RoundtableClient({ url: hub.url, token: ada558.token });
    t.after(() => Promise.all([agent.close(), other.close()]));
    await Promise.all([agent.connect(), other.connect()]);

    await hub.api(hub.adminToken, 'POST', '/api/v1/rooms/general/messages', {
      content: 'Welcome to **Roundtable**. Ask `@helper` anything about the docs.',
    });
    const question = await other.send('general', '@helper how do I rotate a token?');
    await agent.send(
      'general',
      'Run `roundtable token create`, then revoke the old one:\n\n```sh\nroundtable token revoke <id>\n```',
      {
        thread_id: question.message.id,
      },
    );
    await other.send('general', 'Thanks! That worked.');
    await other.react(question.message.id, '🎉');
    await hub.api(ada.token, 'POST', '/api/v1/tasks', { title: 'Write the release notes', room: 'general' });

    const browser = await launch(t);
    const tab = await openPage(browser, hub.url, { viewport: WIDE });
    const page = tab.page;
    await page.goto(hub.url);
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();
    const findings: Record<string, string[]> = {
      ...(await shootAndCheck(page, 'design-sign-in', { phone: async () => {} })),
    };

    await signInWithToken(page, hub.url, ada.token);
    await roomMessages(page).getByText('Thanks! That worked.').waitFor();

    const avatars = await page.evaluate(() =>
      Object.fromEntries(
        [...document.querySelectorAll<HTMLElement>('li.message:not(.compact)')].map((item) => {
          const avatar = item.querySelector<HTMLElement>('.avatar')!;
          return [item.getAttribute('aria-label'), `${avatar.textContent} ${getComputedStyle(avatar).backgroundColor}`];
        }),
      ),
    );
    assert.notEqual(avatars['Message from admin'], avatars['Message from ada558'], 'admin and ada558 look different');
    assert.match(avatars['Message from admin'] ?? '', /^AN /, 'admin is lettered AN');
    assert.match(avatars['Message from ada558'] ?? '', /^A8 /, 'ada558 is lettered A8');

    await useTheme(page, 'dark');
    const dark = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    await useTheme(page, 'light');
    const light = await page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);
    assert.notEqual(dark, light, 'the dark theme really changes the page');

    Object.assign(
      findings,
      await shootAndCheck(page, 'design-room', {
        phone: async () => {
          await roomMessages(page).getByText('Thanks! That worked.').waitFor();
        },
      }),
    );
    assert.deepEqual(await offScreen(page), [], 'nothing is cut off at 1280 px');
    for (const width of [375, 768, 1920]) {
      await page.setViewportSize({ width, height: 900 });
      await roomMessages(page).getByText('Thanks! That worked.').waitFor();
      assert.deepEqual(await offScreen(page), [], `nothing is cut off at ${width} px`);
      const filled = await page.evaluate(() => document.querySelector('.chat')!.getBoundingClientRect().width);
      assert.equal(filled, width, `the app fills the window at ${width} px`);
    }
    await screenshot(page, 'design-room-1920-light');
    await page.setViewportSize(WIDE);

    await page.getByRole('button', { name: 'Theme' }).click();
    await page.getByRole('menuitemradio', { name: 'Dark' }).click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'the theme menu switches');
    await page.reload();
    await roomMessages(page).getByText('Thanks! That worked.').waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark', 'and the choice is kept');
    await useTheme(page, 'light');

    const asked = roomMessages(page).getByRole('listitem', { name: 'Message from ada558' }).first();
    await asked.hover();
    await asked.getByRole('button', { name: 'React to message' }).click();
    await asked.getByRole('button', { name: 'More…' }).click();
    await page.getByRole('searchbox', { name: 'Search emoji' }).fill('party');
    await page.getByRole('button', { name: 'party popper' }).waitFor();
    Object.assign(findings, await shootAndCheck(page, 'design-emoji-picker'));
    await page.getByRole('button', { name: 'party popper' }).click();
    await asked.getByRole('button', { name: /^🎉 2/ }).waitFor();

    await page.getByRole('button', { name: 'Notifications' }).click();
    await page.getByRole('menuitemradio', { name: 'Mentions only' }).waitFor();
    Object.assign(findings, await shootAndCheck(page, 'design-notify-menu'));
    await page.keyboard.press('Escape');

    await asked.getByRole('button', { name: '1 reply' }).click();
    const thread = page.getByRole('complementary', { name: 'Thread' });
    await thread.getByText('roundtable token revoke').waitFor();
    Object.assign(
      findings,
      await shootAndCheck(page, 'design-thread', {
        phone: async () => {
          await thread.getByText('roundtable token revoke').waitFor();
        },
      }),
    );
    await thread.getByRole('button', { name: 'Close' }).click();

    // Open by default on a wide window.
    await page.getByRole('complementary', { name: 'Members' }).getByText('@helper').waitFor();
    Object.assign(findings, await shootAndCheck(page, 'design-members'));

    await page.getByRole('button', { name: 'Tasks' }).click();
    await page.getByRole('button', { name: 'Write the release notes, pending' }).waitFor();
    Object.assign(
      findings,
      await shootAndCheck(page, 'design-tasks', {
        phone: async () => {
          await page.getByRole('heading', { name: 'Tasks' }).waitFor();
        },
      }),
    );

    assert.deepEqual(findings, {}, 'no serious or critical axe findings on any screen, in either theme');
    assert.deepEqual(await unnamedControls(page), [], 'every control has an accessible name');
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);
