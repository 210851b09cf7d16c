/** Conversations with an agent in a real browser: start one, see the agent's reply and the list's preview, rename, delete. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAgents, AgentDefinition } from '@roundtable/agents';
import { eventually, startHub, startFakeModel } from '@roundtable/testkit';
import {
  browserSkip,
  launch,
  openPage,
  roomMessages,
  screenshot,
  signInWithToken,
  unnamedControls,
} from './browser.js';

test(
  'a person starts a conversation with an agent, reads its streamed reply, renames and deletes it',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const bob = await hub.member('bob');
    const helper = await hub.member('helper', 'agent', { description: 'Plans launches' });
    const model = await startFakeModel(t, () => ({ chunks: ['Week 1: ', 'freeze. ', 'Week 2: ship.'], delayMs: 30 }));
    const agents = await startAgents(
      [AgentDefinition.parse({ handle: 'helper', model: { base_url: model.baseUrl, name: 'm' } })],
      {
        url: hub.url,
        tokenFor: () => helper.token,
      },
    );
    t.after(() => agents.stop());
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    await signInWithToken(page, hub.url, ada.token);
    const sidebar = page.getByRole('navigation', { name: 'Rooms' });

    await sidebar.getByRole('button', { name: 'New conversation' }).click();
    const dialog = page.getByRole('dialog', { name: 'New conversation' });
    await dialog.getByLabel('Agent').selectOption('helper');
    await dialog.getByLabel('First message').fill('Plan the Q3 launch\nin two weeks');
    await dialog.getByRole('button', { name: 'Start' }).click();
    const list = roomMessages(page);
    await list.getByText('Week 1: freeze. Week 2: ship.').waitFor();
    const conversations = sidebar.getByRole('region', { name: 'Conversations' });
    await conversations.getByText('@helper: Week 1: freeze. Week 2: ship. · 2 messages').waitFor();
    await conversations.getByText('Plan the Q3 launch', { exact: true }).waitFor();
    assert.equal(
      await sidebar.getByRole('region', { name: 'Channels' }).getByText('Plan the Q3 launch').count(),
      0,
      'a conversation is not a channel',
    );
    await screenshot(page, 'web-conversation');
    assert.equal(
      await page.getByRole('button', { name: 'More room actions' }).count(),
      0,
      'a conversation is deleted, not left',
    );

    await conversations.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('dialog', { name: 'Rename conversation' }).getByLabel('Title').fill('Q3 launch');
    await page.getByRole('dialog', { name: 'Rename conversation' }).getByRole('button', { name: 'Rename' }).click();
    await conversations.getByText('Q3 launch', { exact: true }).waitFor();
    const listed = await hub.api(ada.token, 'GET', '/api/v1/conversations');
    assert.equal(listed.body.conversations[0].title, 'Q3 launch');
    assert.deepEqual((await hub.api(bob.token, 'GET', '/api/v1/conversations')).body.conversations, []);
    assert.deepEqual(await unnamedControls(page), [], 'every control has an accessible name');

    await conversations.getByRole('button', { name: 'Delete' }).click();
    await page.getByRole('dialog', { name: 'Delete conversation' }).getByRole('button', { name: 'Delete' }).click();
    await eventually(async () => assert.equal(await conversations.getByText('Q3 launch').count(), 0));
    assert.deepEqual((await hub.api(ada.token, 'GET', '/api/v1/conversations')).body.conversations, []);
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);
