/** Conversations with an agent in a real browser: start one, see the agent's reply and the list's preview, rename, delete. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startAgents, AgentDefinition } from '@roundtable/agents';
import { eventually, startHub, startFakeModel } from '@roundtable/testkit';
import {
  browserSkip,
  shootAndCheck,
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
    await conversations.getByText('@helper: Week 1: freeze. Week 2: ship.').waitFor();
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

test(
  'the conversation list puts the newest activity first, a message or a rename, and pages on scroll past 60',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const helper = await hub.member('helper', 'agent');
    const ids: string[] = [];
    for (let index = 0; index < 65; index += 1) {
      const started = await hub.api(ada.token, 'POST', '/api/v1/conversations', {
        agent: 'helper',
        content: `Topic ${index}`,
      });
      assert.equal(started.status, 201);
      ids.push(started.body.conversation.id);
    }
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    await signInWithToken(page, hub.url, ada.token);
    const conversations = page.getByRole('region', { name: 'Conversations' });
    const items = conversations.getByRole('listitem');
    const titles = () => conversations.locator('.room-name').allTextContents();
    const times = () =>
      conversations.locator('time').evaluateAll((nodes) => nodes.map((node) => node.getAttribute('datetime') ?? ''));

    await eventually(async () => assert.equal(await items.count(), 30, 'the first page'));
    const more = conversations.getByRole('status');
    await more.scrollIntoViewIfNeeded();
    await eventually(async () => assert.equal(await items.count(), 60, 'the second page, loaded on scroll'));
    await more.scrollIntoViewIfNeeded();
    await eventually(async () => assert.equal(await items.count(), 65, 'the last page'));
    assert.equal(await more.count(), 0, 'nothing left to load');
    const shown = await times();
    assert.deepEqual(shown, [...shown].sort().reverse(), 'newest activity first');
    assert.equal(new Set(await titles()).size, 65, 'each conversation once');

    const reply = await hub.api(helper.token, 'POST', `/api/v1/rooms/${ids[3]}/messages`, {
      content: 'Here is what I found about topic three',
    });
    assert.equal(reply.status, 201);
    await eventually(async () => assert.equal((await titles())[0], 'Topic 3', 'a new message moves it to the top'));
    const first = items.first();
    await first.getByText('@helper: Here is what I found about topic three').waitFor();
    assert.equal(await first.locator('time').getAttribute('datetime'), reply.body.message.created_at);

    const renamed = await hub.api(ada.token, 'PATCH', `/api/v1/conversations/${ids[40]}`, { title: 'Renamed plans' });
    assert.equal(renamed.status, 200);
    await eventually(async () => assert.equal((await titles())[0], 'Renamed plans', 'a rename moves it to the top'));
    assert.equal(await items.count(), 65, 'the pages loaded stay loaded');

    await page.getByRole('button', { name: 'Topic 3', exact: false }).first().click();
    await page.getByRole('button', { name: /^Members \d/, pressed: true }).click();
    await conversations.scrollIntoViewIfNeeded();
    const phone = async () => {
      // On a phone the room list is a drawer over the room.
      await page.getByRole('button', { name: 'Show rooms' }).click();
      await conversations.scrollIntoViewIfNeeded();
    };
    assert.deepEqual(
      await shootAndCheck(page, 'web-conversation-list', { phone }),
      {},
      'no serious or critical axe findings',
    );
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);
