/**
 * Review requests in the browser: an agent asks a person for a review over REST; the room shows the
 * review card (subject, summary, who asks whom) with Approve and Request changes for the reviewer
 * only, and the card follows the answer live, which comes back to the agent's inbox.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, startHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, shootAndCheck, signInWithToken } from './browser.js';

const SUBJECT = 'https://git.example/mesh/pull/42';

test(
  'a review card reaches its reviewer, offers the answer to them alone, and follows it live',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const [ada, bob, coder] = await Promise.all([hub.member('ada'), hub.member('bob'), hub.member('coder', 'agent')]);
    const created = await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'mesh', members: ['bob', 'coder'] });
    assert.equal(created.status, 201);
    const asked = await hub.api(coder.token, 'POST', '/api/v1/tasks', {
      kind: 'review',
      reviewer: 'ada',
      subject: SUBJECT,
      summary: 'Inbox cursors of their own. <img src=x onerror="window.__xss = 1">',
      room: 'mesh',
    });
    assert.equal(asked.status, 201, JSON.stringify(asked.body));

    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const { page } = tab;
    await signInWithToken(page, hub.url, ada.token);
    await page.getByRole('button', { name: '#mesh' }).click();
    const card = page.getByRole('region', { name: `Review request from coder to ada: ${SUBJECT}` });
    await card.getByText('Waiting for @ada').waitFor();
    await card.getByText('Inbox cursors of their own.', { exact: false }).waitFor();
    await card.getByRole('button', { name: 'Request changes' }).waitFor();
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);

    const findings = await shootAndCheck(page, 'reviews-pending', {
      phone: async () => {
        const close = page.getByRole('button', { name: 'Close members' });
        if (await close.isVisible()) await close.click();
        await card.scrollIntoViewIfNeeded();
        await card.getByRole('button', { name: 'Approve' }).waitFor();
      },
    });
    assert.deepEqual(findings, {}, 'axe finds nothing serious on the card, in either theme, wide or phone');

    // Bob sees the card in the room, without the buttons: the request is not his.
    const other = await openPage(browser, hub.url);
    await signInWithToken(other.page, hub.url, bob.token);
    await other.page.getByRole('button', { name: '#mesh' }).click();
    const seen = other.page.getByRole('region', { name: `Review request from coder to ada: ${SUBJECT}` });
    await seen.getByText('Waiting for @ada').waitFor();
    assert.equal(await seen.getByRole('button', { name: 'Approve' }).count(), 0);

    await card.getByLabel('Note for the requester').fill('split the migration out');
    await card.getByRole('button', { name: 'Request changes' }).click();
    await card.getByText('Changes requested').waitFor();
    await seen.getByText('Changes requested').waitFor();
    assert.equal(await card.getByRole('button', { name: 'Approve' }).count(), 0, 'an answered card offers no buttons');
    await eventually(async () => {
      const inbox = await hub.api(coder.token, 'GET', '/api/v1/inbox');
      const answer = inbox.body.messages.find((message: any) => message.metadata.review_answer);
      assert.equal(answer?.metadata.review_answer, 'request_changes');
    });
    Object.assign(findings, await shootAndCheck(page, 'reviews-answered'));
    assert.deepEqual(findings, {});
    assert.deepEqual(tab.consoleErrors, []);
  },
);
