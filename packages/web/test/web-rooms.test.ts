/** Rooms and notifications in a real browser: create, browse, join, leave, direct messages, mute, the switcher, a phone-sized screen. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startHub } from '@roundtable/testkit';
import {
  browserSkip,
  launch,
  openPage,
  roomMessages,
  screenshot,
  setNotify,
  signInWithToken,
  unnamedControls,
} from './browser.js';

test('a muted room raises no notification while a direct message does', { skip: browserSkip() }, async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const bob = await hub.member('bob');
  const browser = await launch(t);
  const tab = await openPage(browser, hub.url);
  await signInWithToken(tab.page, hub.url, ada.token);
  await setNotify(tab.page, 'Muted');
  await eventually(async () => {
    const rooms = await hub.api(ada.token, 'GET', '/api/v1/rooms');
    const general = rooms.body.rooms.find((room: { name: string }) => room.name === 'general');
    assert.equal(general.notify, 'muted', 'the level is stored on the hub');
  });

  await tab.setHidden(true);
  await hub.api(bob.token, 'POST', '/api/v1/rooms/general/messages', { content: '@ada in the muted room' });
  const direct = await hub.api(bob.token, 'POST', '/api/v1/rooms/direct', { members: ['ada'] });
  assert.equal(direct.status, 200, JSON.stringify(direct.body));
  await hub.api(bob.token, 'POST', `/api/v1/rooms/${direct.body.room.id}/messages`, { content: 'a direct word' });
  await eventually(async () =>
    assert.deepEqual(
      await tab.notifications(),
      [{ title: 'bob (direct message)', body: 'a direct word' }],
      'only the direct message notified: the mention in the muted room, sent first, did not',
    ),
  );
  const rooms = tab.page.getByRole('navigation', { name: 'Rooms' });
  await rooms.getByRole('button', { name: '@bob 1 unread' }).waitFor();
  await rooms.getByRole('button', { name: '#general 1 mention' }).waitFor();
  await tab.setHidden(false);
  await rooms.getByRole('button', { name: '#general', exact: true }).waitFor();
  assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
});

test(
  'create, browse, join and leave rooms, open a direct room, and jump with Ctrl+K',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const bob = await hub.member('bob');
    await hub.api(bob.token, 'POST', '/api/v1/rooms', { name: 'design', topic: 'Pixels and words' });
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    await signInWithToken(page, hub.url, ada.token);

    await page.getByRole('button', { name: 'Create a room' }).click();
    const create = page.getByRole('dialog', { name: 'Create a room' });
    await create.getByLabel('Name').fill('release');
    await create.getByLabel('Topic').fill('Shipping 1.0');
    await create.getByRole('button', { name: 'Create' }).click();
    await page.getByRole('heading', { name: '#release' }).waitFor();
    await page.getByText('Shipping 1.0').waitFor();

    await page.getByRole('button', { name: 'Browse rooms' }).click();
    const browse = page.getByRole('dialog', { name: 'Browse rooms' });
    await browse.getByText('Pixels and words').waitFor();
    await screenshot(page, 'web-browse');
    assert.deepEqual(await unnamedControls(page), [], 'every control in the room browser has an accessible name');
    await browse.getByRole('button', { name: 'Join #design' }).click();
    await page.getByRole('heading', { name: '#design' }).waitFor();
    await page.getByRole('navigation', { name: 'Rooms' }).getByRole('button', { name: '#design' }).waitFor();

    await page.getByRole('button', { name: 'More room actions' }).click();
    await page.getByRole('menuitem', { name: 'Leave room' }).click();
    await page.getByRole('dialog', { name: 'Leave #design' }).getByRole('button', { name: 'Leave' }).click();
    await page
      .getByRole('navigation', { name: 'Rooms' })
      .getByRole('button', { name: '#design' })
      .waitFor({ state: 'detached' });
    const members = await hub.api(ada.token, 'GET', '/api/v1/rooms/design/members');
    assert.ok(
      !members.body.members.some((member: { member: string }) => member.member === 'ada'),
      'leaving in the UI left the room on the hub',
    );

    await page.getByRole('button', { name: 'New direct message' }).click();
    await page
      .getByRole('dialog', { name: 'New direct message' })
      .getByRole('button', { name: 'Message @bob' })
      .click();
    await page.getByRole('heading', { name: '@bob' }).waitFor();
    const composer = page.getByLabel('Message', { exact: true });
    await composer.fill('just between us');
    await composer.press('Enter');
    await roomMessages(page).getByText('just between us').waitFor();

    await page.keyboard.press('Control+k');
    const switcher = page.getByRole('dialog', { name: 'Jump to a room' });
    await switcher.getByLabel('Room name').fill('rel');
    await switcher.getByLabel('Room name').press('Enter');
    await page.getByRole('heading', { name: '#release' }).waitFor();
    await page.keyboard.press('Control+k');
    await switcher.waitFor();
    await page.keyboard.press('Escape');
    await switcher.waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();
    await page.reload();
    await page.getByRole('tab', { name: 'Sign in' }).waitFor();
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);

test(
  'at 375 px wide the rooms open from a menu, panels cover the screen, and Esc closes them',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'mobile' });
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url, { viewport: { width: 375, height: 740 } });
    const page = tab.page;
    await page.goto(hub.url);
    await page.getByRole('tab', { name: 'Paste a token' }).click();
    await page.getByLabel('Token').fill(ada.token);
    await page.getByRole('button', { name: 'Use token' }).click();
    await page.getByRole('heading', { name: '#general' }).waitFor();
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 375, `nothing overflows sideways (${width}px)`);
    const composer = page.getByLabel('Message', { exact: true });
    assert.ok(await composer.isVisible(), 'the composer is on screen');
    await composer.fill('hello from a phone');
    await composer.press('Enter');
    await roomMessages(page).getByText('hello from a phone').waitFor();
    await screenshot(page, 'web-mobile');

    const rooms = page.getByRole('navigation', { name: 'Rooms' });
    const roomButton = rooms.getByRole('button', { name: '#mobile' });
    assert.equal(
      (await roomButton.isVisible()) && (await roomButton.boundingBox())!.x >= 0,
      false,
      'rooms start hidden',
    );
    await page.getByRole('button', { name: 'Show rooms' }).click();
    await eventually(async () => assert.ok((await roomButton.boundingBox())!.x >= 0, 'the room list slid in'));
    await screenshot(page, 'web-mobile-rooms');
    assert.deepEqual(await unnamedControls(page), [], 'every control on the phone layout has an accessible name');
    await roomButton.click();
    await page.getByRole('heading', { name: '#mobile' }).waitFor();
    await eventually(async () => assert.ok((await roomButton.boundingBox())!.x < 0, 'choosing a room closes the list'));

    await page.getByRole('button', { name: 'Members', pressed: false }).click();
    const panel = page.getByRole('complementary', { name: 'Members' });
    await panel.waitFor();
    const box = (await panel.boundingBox())!;
    assert.ok(box.width >= 370, `the members panel covers the screen (${box.width}px)`);
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);
