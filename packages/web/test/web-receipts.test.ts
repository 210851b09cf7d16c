/** Delivery receipts in a real browser: under the person's own message, live as the agent gets, reads and answers it. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, startHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, roomMessages, shootAndCheck, signInWithToken } from './browser.js';

test(
  'the sender sees "Delivered to @codex · read · replied" grow live, and is told at once of an offline agent',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const [ada, codex] = await Promise.all([
      hub.member('ada'),
      hub.member('codex', 'agent'),
      hub.member('sleepy', 'agent'),
    ]);
    const agent = await RawClient.ready(t, hub.url, codex.token);
    const browser = await launch(t);
    const { page } = await openPage(browser, hub.url);
    await signInWithToken(page, hub.url, ada.token);

    const composer = page.getByRole('combobox', { name: 'Message' });
    await composer.fill('@codex @sleepy can you check the failing deploy?');
    await composer.press('Enter');
    const arrived = await agent.waitFor(
      (frame) => frame.type === 'event' && frame.data?.content?.startsWith('@codex @sleepy'),
    );
    const message = roomMessages(page).locator(`li.message[data-id="${arrived.data.id}"]`);
    const delivery = message.getByRole('list', { name: 'Delivery' });
    await message
      .getByRole('status')
      .filter({ hasText: '@sleepy is offline; it will get this when it connects.' })
      .waitFor();
    await delivery.getByText('Delivered to @codex', { exact: true }).waitFor();
    await delivery.getByText('Not yet delivered to @sleepy').waitFor();

    await agent.request('read', { room: arrived.room, seq: arrived.seq });
    await delivery.getByText('Delivered to @codex · read', { exact: true }).waitFor();
    await agent.request('send', { room: arrived.room, content: 'Looking at it now.', thread_id: arrived.data.id });
    await delivery.getByText('Delivered to @codex · read · replied').waitFor();
    const title = await delivery.locator('li.receipt.acted').getAttribute('title');
    assert.match(title ?? '', /^Delivered .+ · Read .+ · Replied .+$/, 'the times of each step are on hover');

    assert.deepEqual(
      await shootAndCheck(page, 'receipts', {
        // A phone shows one column: the members panel would cover the room.
        phone: () => page.getByRole('button', { name: 'Close members' }).click(),
      }),
      {},
    );

    // After a reload the states come from the hub, not from the frames this page saw.
    await page.reload();
    await roomMessages(page)
      .locator(`li.message[data-id="${arrived.data.id}"]`)
      .getByText('Delivered to @codex · read · replied')
      .waitFor();
  },
);
