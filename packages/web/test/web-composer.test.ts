/** The message box in a real browser: slash commands with their completion, and agents shown at work above it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundtableClient } from '@roundtable/client';
import { eventually, startHub } from '@roundtable/testkit';
import {
  browserSkip,
  launch,
  openPage,
  roomMessages,
  shootAndCheck,
  signInWithToken,
  unnamedControls,
} from './browser.js';

test(
  'slash commands invite, set the topic, mute, create a task, act with /me and leave; completion works by keyboard',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    await hub.member('bob', 'person', { display_name: 'Bob Marsh' });
    await hub.member('bea');
    const created = await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'launch' });
    assert.equal(created.status, 201);
    const roomId = created.body.room.id as string;
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    await signInWithToken(page, hub.url, ada.token);
    await page.getByRole('button', { name: '#launch' }).click();
    const box = page.getByRole('combobox', { name: 'Message' });
    const list = roomMessages(page);
    const commands = page.getByRole('listbox', { name: 'Commands' });

    // A phone shows one column: the members panel would cover the room.
    await page.getByRole('button', { name: 'Members 1', pressed: true }).click();
    await box.fill('/');
    await commands.waitFor();
    assert.equal(await commands.getByRole('option').count(), 8, 'every command');
    await commands.getByRole('option', { name: '/invite @handle Add someone to this room' }).waitFor();
    assert.deepEqual(await unnamedControls(page), [], 'every option and control has a name');
    assert.deepEqual(
      await shootAndCheck(page, 'web-composer-commands', { phone: () => box.focus() }),
      {},
      'no serious or critical axe findings',
    );

    await box.press('Escape');
    await commands.waitFor({ state: 'detached' });
    assert.equal(await box.inputValue(), '/', 'Escape closes the list and keeps the text');

    // Filtering, arrows and Enter: /m offers /mute and /me; the second is picked.
    await box.fill('/m');
    assert.deepEqual(await commands.getByRole('option').allTextContents(), [
      '/mute Mute this room: no notifications or unread badges',
      '/me action Say what you are doing, shown as “* you waves”',
    ]);
    await box.press('ArrowDown');
    assert.equal(await commands.getByRole('option').nth(1).getAttribute('aria-selected'), 'true');
    await box.press('Enter');
    assert.equal(await box.inputValue(), '/me ');
    await box.pressSequentially('waves');
    await box.press('Enter');
    const action = list.locator('.action-text em');
    await action.waitFor();
    assert.equal((await action.textContent())?.trim(), '* ada waves');
    assert.equal(await box.inputValue(), '');
    const stored = await hub.api(ada.token, 'GET', `/api/v1/rooms/${roomId}/messages`);
    const last = stored.body.messages.at(-1);
    assert.deepEqual([last.content, last.metadata.action], ['waves', true], 'an action is marked in its metadata');

    // Tab completes the command, then the handle list offers members not in the room.
    await box.fill('/inv');
    await box.press('Tab');
    assert.equal(await box.inputValue(), '/invite ');
    await box.pressSequentially('@b');
    const invitees = page.getByRole('listbox', { name: 'Members to invite' });
    const offered = await invitees.getByRole('option').allTextContents();
    assert.deepEqual(
      offered.map((option) => option.trim()),
      ['@bea', '@bob Bob Marsh'],
      'members not in the room, with a name only when it says more than the handle',
    );
    await box.press('ArrowDown');
    await box.press('Enter');
    assert.equal(await box.inputValue(), '/invite @bob');
    // The pick puts the caret after the handle on the next frame; Enter then runs the command.
    await invitees.waitFor({ state: 'hidden' });
    await box.press('Enter');
    await eventually(async () => {
      const members = await hub.api(ada.token, 'GET', `/api/v1/rooms/${roomId}/members`);
      assert.ok(members.body.members.some((member: { member: string }) => member.member === 'bob'));
    });
    await eventually(async () => assert.equal(await box.inputValue(), ''));

    await box.fill('/topic Ship it on Friday');
    await box.press('Enter');
    await page.locator('.room-header .topic').getByText('Ship it on Friday').waitFor();

    const notify = async () => {
      const rooms = await hub.api(ada.token, 'GET', '/api/v1/rooms');
      return rooms.body.rooms.find((room: { id: string }) => room.id === roomId).notify;
    };
    await box.fill('/mute');
    await box.press('Enter');
    await page.locator('.room-tools').getByText('Muted').waitFor();
    assert.equal(await notify(), 'muted');
    await box.fill('/unmute');
    await box.press('Enter');
    await page.locator('.room-tools').getByText('All messages').waitFor();
    assert.equal(await notify(), 'all');

    await box.fill('/task Write the release notes');
    await box.press('Enter');
    await eventually(async () => {
      const tasks = await hub.api(ada.token, 'GET', `/api/v1/tasks?room=${roomId}`);
      assert.deepEqual(
        tasks.body.tasks.map((task: { title: string }) => task.title),
        ['Write the release notes'],
      );
    });

    // A title the hub would refuse is pointed out under the box, and the line stays to be fixed.
    const tooLong = `/task ${'x'.repeat(500)}`;
    await box.fill(tooLong);
    await box.press('Enter');
    await page.locator('.composer-hint').getByText('A task title is at most 200 characters.').waitFor();
    assert.equal(await box.inputValue(), tooLong);

    await box.fill('/shrug');
    await box.press('Enter');
    await page.getByText('/shrug is not a command.', { exact: false }).waitFor();
    assert.equal(await box.inputValue(), '/shrug', 'an unknown command stays in the box');
    assert.equal((await box.getAttribute('aria-describedby')) !== null, true, 'the hint describes the box');

    await box.fill('//usr/bin is a path');
    await box.press('Enter');
    await list.getByText('/usr/bin is a path', { exact: true }).waitFor();
    assert.equal(
      await page.getByText('/shrug is not a command.', { exact: false }).count(),
      0,
      'typing clears the hint',
    );

    await box.fill('/leave');
    await box.press('Enter');
    await page.getByRole('button', { name: '#launch' }).waitFor({ state: 'detached' });
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);

test(
  'an agent at work shows "is thinking…", then "is running <tool>", until its reply text starts or the stream ends',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const helper = await hub.member('helper', 'agent');
    const agent = new RoundtableClient({ url: hub.url, token: helper.token });
    t.after(() => agent.close());
    await agent.connect();
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    await signInWithToken(page, hub.url, ada.token);
    const activity = page.locator('.agent-activity');
    assert.equal(await activity.getAttribute('role'), 'status', 'a polite live region');

    const stream = await agent.startStream('general');
    await activity.getByText('@helper is thinking…').waitFor();
    const call = { type: 'tool_call', id: 'call-1', name: 'search_docs', arguments: { q: 'deploy' } } as const;
    stream.part({ ...call, status: 'running' });
    await activity.getByText('@helper is running search_docs').waitFor();
    await page.getByRole('button', { name: /^Members \d/, pressed: true }).click();
    assert.deepEqual(
      await shootAndCheck(page, 'web-agent-activity', { phone: async () => {} }),
      {},
      'no serious or critical axe findings',
    );
    stream.part({ ...call, status: 'ok', result: { hits: 2 } });
    await activity.getByText('@helper is thinking…').waitFor();
    stream.append('Deploys run from main.');
    await roomMessages(page).getByText('Deploys run from main.').waitFor();
    await eventually(async () => assert.equal(await activity.textContent(), '', 'the reply replaces the line'));
    await stream.done();

    const cancelled = await agent.startStream('general');
    await activity.getByText('@helper is thinking…').waitFor();
    await cancelled.cancel();
    await eventually(async () => assert.equal(await activity.textContent(), ''));
    const failed = await agent.startStream('general');
    await activity.getByText('@helper is thinking…').waitFor();
    await failed.error('the model is down');
    await eventually(async () => assert.equal(await activity.textContent(), ''));
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);
