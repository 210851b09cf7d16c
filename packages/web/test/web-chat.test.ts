/** Two people in two browsers and an agent on the SDK chat in one room, against a real hub. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundtableClient } from '@roundtable/client';
import { eventually, startHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, roomMessages, screenshot, setNotify, signInWithToken } from './browser.js';

test(
  'two people and an SDK agent chat; a mention notifies the right person; reload keeps identity, rooms and history',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const bob = await hub.member('bob');
    const bot = await hub.member('bot', 'agent');
    const agent = new RoundtableClient({ url: hub.url, token: bot.token });
    t.after(() => agent.close());
    const toBot: string[] = [];
    agent.on('message', (message) => void toBot.push(message.content));
    await agent.connect();
    const browser = await launch(t);

    const ada = await openPage(browser, hub.url);
    await ada.page.goto(hub.url);
    await ada.page.getByRole('tab', { name: 'Register' }).click();
    await ada.page.getByLabel('Handle').fill('ada');
    await ada.page.getByLabel('Password').fill('correct horse battery');
    await ada.page.getByRole('button', { name: 'Create account' }).click();
    await ada.page.getByRole('button', { name: '#general' }).waitFor();

    const bobs = await openPage(browser, hub.url);
    await signInWithToken(bobs.page, hub.url, bob.token);
    await setNotify(bobs.page, 'Mentions only');

    await agent.send('general', 'hello from the bot');
    await roomMessages(ada.page).getByText('hello from the bot').waitFor();
    await roomMessages(bobs.page).getByText('hello from the bot').waitFor();

    await ada.setHidden(true);
    await bobs.setHidden(true);
    const bobComposer = bobs.page.getByLabel('Message', { exact: true });
    await bobComposer.fill('@ada can you look at the build?');
    await bobComposer.press('Enter');
    await eventually(async () => {
      const raised = await ada.notifications();
      assert.deepEqual(
        raised,
        [{ title: 'bob (#general)', body: '@ada can you look at the build?' }],
        'ada, mentioned while her tab was hidden, got exactly one notification',
      );
    });
    await ada.setHidden(false);
    await roomMessages(ada.page).getByText('@ada can you look at the build?').waitFor();

    const adaComposer = ada.page.getByLabel('Message', { exact: true });
    await adaComposer.fill('@bot please check the build');
    await adaComposer.press('Enter');
    await eventually(() => assert.ok(toBot.includes('@bot please check the build'), 'the mention reached the agent'));
    assert.equal(await adaComposer.inputValue(), '', 'Enter sent and cleared the composer');
    await roomMessages(bobs.page).getByText('@bot please check the build').waitFor();
    assert.deepEqual(
      toBot,
      ['@bot please check the build'],
      'the agent got only what was addressed to it: not the hello between people',
    );
    assert.deepEqual(
      await bobs.notifications(),
      [],
      'bob, at "mentions only" and not mentioned, got no notification while hidden',
    );
    await bobs.setHidden(false);
    await screenshot(ada.page, 'web-chat');

    await ada.page.reload();
    await roomMessages(ada.page).getByText('@bot please check the build').waitFor();
    await roomMessages(ada.page).getByText('hello from the bot').waitFor();
    await ada.page.getByText('@ada', { exact: true }).first().waitFor();
    await ada.page.getByRole('button', { name: '#general' }).waitFor();
    assert.deepEqual(ada.consoleErrors, [], 'no errors in the first browser console');
    assert.deepEqual(bobs.consoleErrors, [], 'no errors in the second browser console');
    await agent.close();
  },
);
