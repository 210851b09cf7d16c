/** What messages look like and what people do with them, in a real browser against a real hub. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RoundtableClient } from '@roundtable/client';
import { eventually, startHub } from '@roundtable/testkit';
import {
  browserSkip,
  launch,
  openPage,
  roomMessages,
  screenshot,
  signInWithToken,
  unnamedControls,
} from './browser.js';

const XSS_PAYLOADS = [
  '<script>window.__xss = "script"</script>',
  '<img src=x onerror="window.__xss = \'onerror\'">',
  '[click me](javascript:window.__xss="link")',
  '[entity](&#106;avascript:window.__xss="entity")',
  '<a href="javascript:window.__xss=\'anchor\'">raw anchor</a>',
  '![pixel](javascript:window.__xss="image")',
  '![tracker](http://127.0.0.1:9/pixel.png)',
  '<iframe src="javascript:window.__xss=\'frame\'"></iframe>',
  '<svg onload="window.__xss=\'svg\'"></svg>',
  '<details open ontoggle="window.__xss=\'toggle\'">x</details>',
];

test('markdown renders, and XSS payloads in messages stay inert text', { skip: browserSkip() }, async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const eve = await hub.member('eve');
  const browser = await launch(t);
  const tab = await openPage(browser, hub.url);
  await signInWithToken(tab.page, hub.url, ada.token);
  const list = roomMessages(tab.page);

  const markdown = [
    '| tool | runs |',
    '| --- | --- |',
    '| lint | 3 |',
    '',
    '- first item',
    '- second item',
    '',
    '```ts',
    'const answer: number = 42;',
    '```',
    '',
    'and a [safe link](https://example.com/docs)',
  ].join('\n');
  await hub.api(eve.token, 'POST', '/api/v1/rooms/general/messages', { content: markdown });
  for (const payload of XSS_PAYLOADS) {
    const posted = await hub.api(eve.token, 'POST', '/api/v1/rooms/general/messages', { content: payload });
    assert.equal(posted.status, 201, `the hub stores ${payload} as text`);
  }
  await list.getByText('raw anchor', { exact: false }).waitFor();

  assert.equal(await list.locator('table td').first().textContent(), 'lint', 'a GFM table renders as a table');
  assert.equal(await list.locator('ul > li').count(), 2, 'a list renders as a list');
  // The highlighter is a chunk of its own, fetched when the first fenced block with a language shows.
  await list.locator('pre code.hljs .hljs-keyword').first().waitFor();
  const safe = list.getByRole('link', { name: 'safe link' });
  assert.equal(await safe.getAttribute('href'), 'https://example.com/docs');
  assert.equal(await safe.getAttribute('rel'), 'noopener noreferrer nofollow', 'links cannot reach back into the app');

  const audit = await tab.page.evaluate(() => {
    const root = document.querySelector('ol.messages')!;
    // What message text became: the app's own icons (svg) around it are not made from any message.
    const all = [...root.querySelectorAll('.markdown *')];
    return {
      xss: (window as unknown as { __xss?: string }).__xss ?? null,
      dangerous: all
        .filter((el) =>
          ['SCRIPT', 'IMG', 'IFRAME', 'SVG', 'DETAILS', 'OBJECT', 'EMBED'].includes(el.tagName.toUpperCase()),
        )
        .map((el) => el.tagName),
      handlers: all.flatMap((el) =>
        [...el.attributes].filter((attr) => attr.name.startsWith('on')).map((attr) => attr.name),
      ),
      hrefs: [...root.querySelectorAll('a')].map((a) => a.getAttribute('href') ?? ''),
      text: root.textContent ?? '',
    };
  });
  assert.equal(audit.xss, null, 'no payload ran');
  assert.deepEqual(audit.dangerous, [], 'no script, image, frame or svg element was created from a message');
  assert.deepEqual(audit.handlers, [], 'no event-handler attribute was created from a message');
  for (const href of audit.hrefs) {
    assert.match(href, /^(https?:|mailto:)/, `only safe link targets remain: ${href}`);
  }
  assert.ok(
    audit.text.includes('<script>window.__xss = "script"</script>'),
    'raw HTML shows as the text that was sent',
  );
  assert.ok(audit.text.includes('<img src=x onerror='), 'an event-handler attribute shows as text');
  await list.getByText('click me').click();
  await list.getByText('pixel').click();
  assert.equal(
    await tab.page.evaluate(() => (window as unknown as { __xss?: string }).__xss ?? null),
    null,
    'clicking neutralised links runs nothing',
  );
  assert.equal(tab.page.url().startsWith(hub.url), true, 'still on the app');
  await screenshot(tab.page, 'web-markdown-xss');
  assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
});

test(
  'a streaming agent reply grows live, shows its tool call, and the stop button cancels it',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const bot = await hub.member('bot', 'agent');
    const agent = new RoundtableClient({ url: hub.url, token: bot.token });
    t.after(() => agent.close());
    await agent.connect();
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    await signInWithToken(tab.page, hub.url, ada.token);
    const list = roomMessages(tab.page);

    const done = await agent.startStream('general');
    done.append('The build ');
    const call = { type: 'tool_call', id: 'call-1', name: 'run_ci', arguments: { branch: 'main' } } as const;
    done.part({ ...call, status: 'running' });
    await list.getByLabel('Tool call run_ci, running').waitFor();
    done.part({ ...call, status: 'ok', result: { passed: 3, failed: 0 }, duration_ms: 1834 });
    await list.getByLabel('Tool call run_ci, ok').waitFor();
    assert.equal(await list.locator('details.tool-call').count(), 1, 'the finished call replaced the running one');
    await done.done({
      content: 'The build passed on all three targets [m1].',
      metadata: {
        memory: [
          {
            ref: 'm1',
            kind: 'message',
            id: 'msg_x',
            sender: 'bob',
            at: '2026-11-01T10:00:00.000Z',
            excerpt: 'CI runs on three targets',
          },
        ],
      },
    });
    await list.getByText('The build passed on all three targets [m1].').waitFor();
    await list.getByLabel('Context used: 1 item').click();
    await list.getByText('CI runs on three targets', { exact: false }).waitFor();
    const card = list.locator('details.tool-call');
    assert.equal(await card.count(), 1, 'the parts sent while streaming were stored with the message');
    assert.equal(await card.getAttribute('open'), null, 'a tool call starts collapsed');
    await card.getByText('run_ci').click();
    await card.getByText('"branch": "main"').waitFor();
    await card.getByText('"passed": 3').waitFor();
    await card.getByText('1834 ms').waitFor();

    const lab = await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'lab', members: ['bot'] });
    assert.equal(lab.status, 201);
    await tab.page.getByRole('button', { name: '#lab' }).waitFor();
    const elsewhere = await agent.startStream('lab');
    elsewhere.append('alpha ');
    elsewhere.append('beta ');
    await tab.page.getByRole('button', { name: '#lab 1 unread' }).waitFor();
    await tab.page.getByRole('button', { name: '#lab 1 unread' }).click();
    await list.getByText('alpha beta', { exact: true }).waitFor();
    elsewhere.append('gamma');
    await list.getByText('alpha beta gamma', { exact: true }).waitFor();
    await elsewhere.done();
    await tab.page.getByRole('button', { name: '#general' }).click();

    const stream = await agent.startStream('general');
    stream.append('Thinking about ');
    await list.getByText('Thinking about').waitFor();
    stream.append('the flaky test in ');
    await list.getByText('Thinking about the flaky test in').waitFor();
    stream.append('the parser');
    await list.getByText('Thinking about the flaky test in the parser').waitFor();
    await screenshot(tab.page, 'web-streaming');
    await list.getByRole('button', { name: 'Stop generating' }).click();
    await eventually(() => assert.equal(stream.signal.aborted, true, 'stop reached the agent and aborted its stream'));
    await list.getByText('Stopped.').waitFor();
    assert.equal(await list.getByRole('button', { name: 'Stop generating' }).count(), 0, 'no stop button once stopped');
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
    await agent.close();
  },
);

test(
  'edit, delete, reactions, threads, mention completion, typing, presence and the length counter',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const bob = await hub.member('bob');
    await hub.member('bot', 'agent');
    const browser = await launch(t);
    const adas = await openPage(browser, hub.url);
    const bobs = await openPage(browser, hub.url);
    await signInWithToken(adas.page, hub.url, ada.token);
    await signInWithToken(bobs.page, hub.url, bob.token);
    const adaList = roomMessages(adas.page);
    const bobList = roomMessages(bobs.page);
    const composer = adas.page.getByLabel('Message', { exact: true });

    await composer.pressSequentially('@b');
    const options = adas.page.getByRole('listbox', { name: 'Members to mention' }).getByRole('option');
    await eventually(async () =>
      assert.deepEqual(
        (await options.allTextContents()).map((option) => option.trim()),
        ['@bob', '@bot agent'],
        'members starting with b; a display name that only repeats the handle is not shown twice',
      ),
    );
    await composer.press('ArrowDown');
    await composer.press('Enter');
    assert.equal(await composer.inputValue(), '@bot ', 'the chosen member completes the mention');
    await composer.fill('');

    await bobs.page.getByLabel('Message', { exact: true }).pressSequentially('hel');
    await adas.page.getByText('bob is typing…').waitFor();
    await adas.page
      .getByRole('complementary', { name: 'Members' })
      .getByRole('button', { name: 'Mention @bob (online)' })
      .click();
    assert.equal(await composer.inputValue(), '@bob ', 'clicking a member mentions them');
    await composer.pressSequentially('first draft');
    await composer.press('Enter');
    const mine = adaList.getByRole('listitem', { name: 'Message from ada' });
    await bobList.getByText('@bob first draft').waitFor();

    await mine.hover();
    await mine.getByRole('button', { name: 'Edit message' }).click();
    const editor = mine.getByLabel('Edit message');
    await editor.fill('@bob final wording');
    await editor.press('Enter');
    await bobList.getByText('@bob final wording').waitFor();
    await bobList.getByText('(edited)').waitFor();

    const bobsMessage = bobList.getByRole('listitem', { name: 'Message from ada' });
    await bobsMessage.hover();
    await bobsMessage.getByRole('button', { name: 'React to message' }).click();
    await bobsMessage.getByRole('button', { name: 'React with 🎉' }).click();
    await adaList.getByRole('button', { name: '🎉 1: bob' }).waitFor();
    await adaList.getByRole('button', { name: '🎉 1: bob' }).click();
    await bobList.getByRole('button', { name: '🎉 2: bob, ada' }).waitFor();

    await bobsMessage.getByRole('button', { name: 'Reply in thread' }).click();
    const thread = bobs.page.getByRole('complementary', { name: 'Thread' });
    await thread.getByLabel('Reply in thread').fill('replying in the thread');
    await thread.getByLabel('Reply in thread').press('Enter');
    await thread.getByText('replying in the thread').waitFor();
    await adaList.getByRole('button', { name: '1 reply' }).click();
    await adas.page.getByRole('complementary', { name: 'Thread' }).getByText('replying in the thread').waitFor();
    assert.equal(await adaList.getByText('replying in the thread').count(), 0, 'replies stay in the thread');
    await screenshot(adas.page, 'web-thread');
    assert.deepEqual(await unnamedControls(adas.page), [], 'every control has an accessible name');
    await adas.page.keyboard.press('Escape');
    await adas.page.getByRole('complementary', { name: 'Thread' }).waitFor({ state: 'detached' });
    await adas.page.reload();
    await adaList.getByText('@bob final wording').waitFor();
    await adas.page
      .getByRole('complementary', { name: 'Members' })
      .getByRole('button', { name: 'Mention @bob (online)' })
      .waitFor();
    assert.equal(
      await adas.page.getByRole('button', { name: '#general', exact: true }).count(),
      1,
      'a reply read in its thread is not unread after a reload',
    );

    await bobs.page.close();
    await adas.page
      .getByRole('complementary', { name: 'Members' })
      .getByRole('button', { name: 'Mention @bob (offline)' })
      .waitFor();

    await mine.hover();
    await mine.getByRole('button', { name: 'Delete message' }).click();
    await adas.page.getByRole('dialog', { name: 'Delete message' }).getByRole('button', { name: 'Delete' }).click();
    await adaList.getByText('This message was deleted.').waitFor();

    await composer.fill('x'.repeat(9_500));
    await adas.page.getByText('9,500 / 10,000').waitFor();
    await composer.fill('x'.repeat(10_001));
    await adas.page.getByText('10,001 / 10,000 — too long to send').waitFor();
    await composer.press('Enter');
    assert.equal((await composer.inputValue()).length, 10_001, 'a message over the limit is kept, not sent');
    assert.deepEqual(adas.consoleErrors, [], 'no errors in the browser console');
  },
);
