/** Agents' activity statuses in a real browser: shown live, given to a page that opens later, and gone when they lapse. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundtableClient } from '@roundtable/client';
import { eventually, startHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, shootAndCheck, signInWithToken } from './browser.js';

test(
  'an agent’s status shows above the message box, reaches a page opened later, and lapses when not set again',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t, { env: { ACTIVITY_TTL_MS: '10000' } });
    const ada = await hub.member('ada');
    const codex = await hub.member('codex', 'agent');
    const agent = new RoundtableClient({ url: hub.url, token: codex.token });
    t.after(() => agent.close());
    await agent.connect();
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    // Set before the page connects: it learns of it from the snapshot it asks for.
    await agent.setActivity({ room: 'general', state: 'thinking' });
    await signInWithToken(page, hub.url, ada.token);
    const activity = page.locator('.agent-activity');
    assert.equal(await activity.getAttribute('role'), 'status', 'a polite live region');
    await activity.getByText('@codex is thinking…').waitFor();

    await agent.setActivity({ room: 'general', state: 'tool', tool: 'search_files' });
    await activity.getByText('@codex is running search_files…').waitFor();
    await page.getByRole('button', { name: /^Members \d/, pressed: true }).click();
    assert.deepEqual(
      await shootAndCheck(page, 'web-activity-status', { phone: async () => {} }),
      {},
      'no serious or critical axe findings',
    );
    await agent.setActivity({ room: 'general', state: 'waiting_approval', tool: 'deploy' });
    await activity.getByText('@codex is waiting for approval to run deploy…').waitFor();
    await agent.setActivity({ room: 'general', state: 'idle' });
    await eventually(async () => assert.equal(await activity.textContent(), '', 'idle clears the line'));

    await agent.setActivity({ room: 'general', state: 'thinking' });
    await activity.getByText('@codex is thinking…').waitFor();
    await agent.close();
    await eventually(
      async () => assert.equal(await activity.textContent(), '', 'a status not set again lapses'),
      30_000,
    );
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);
