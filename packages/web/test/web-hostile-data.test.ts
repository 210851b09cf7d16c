/**
 * Malformed stored data in a real browser against a real hub: messages, tool calls, reactions, names,
 * topics, titles, tasks and room-log events of the wrong shape (some through the API, the rest written
 * straight into the hub's SQLite file) are shown defensively, and the room stays usable around them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import type { Locator, Page } from 'playwright-core';
import { startHub, type TestHub } from '@roundtable/testkit';
import { axeFindings, browserSkip, launch, openPage, roomMessages, screenshot, signInWithToken } from './browser.js';

const HTML = '<img src=x onerror=alert(1)>';
/** A right-to-left override never closed: it must not reverse anything outside its own text. */
const RTL = '\u202Eexe.txt';
const ZERO_WIDTH = 'zero\u200Bwidth\u200Djoin\uFEFF';
/** Names, topics and titles: markup, a bidi override, zero-width characters and one long unbroken word. */
const HOSTILE = `${HTML} ${RTL} ${ZERO_WIDTH} ${'W'.repeat(3_000)}`;
/** Failed WebSocket and fetch attempts while the hub restarts: the browser reports them, the app is fine. */
const OUTAGE = /WebSocket connection to .* failed|Failed to load resource: net::ERR_CONNECTION_REFUSED/;

/** A memory item as an agent stores it, before its excerpt turns into an object. */
const ISSUE_MEMORY = { ref: 'm1', kind: 'message', sender: 'bob', at: '2026-11-01T10:00:00Z', excerpt: 'text' };

function nested(depth: number): unknown {
  let value: unknown = 'the bottom';
  for (let level = depth - 1; level >= 0; level -= 1) value = { level, inner: value };
  return value;
}

/**
 * What the API accepts: metadata keys the hub gives no meaning to, tool calls' arguments and results
 * of any shape, odd emoji, markup in topics, titles and display names. Messages the SQLite step
 * corrupts are posted here well-formed, as carriers.
 */
async function storeThroughApi(hub: TestHub, tokens: { ada: string; eve: string; bot: string }) {
  const post = async (token: string, body: Record<string, unknown>): Promise<string> => {
    const sent = await hub.api(token, 'POST', '/api/v1/rooms/hostile/messages', body);
    assert.equal(sent.status, 201, JSON.stringify(sent.body).slice(0, 300));
    return sent.body.message.id;
  };
  await post(tokens.eve, { content: 'A good message before the hostile ones' });
  const notAList = await post(tokens.bot, {
    content: 'Memory that is not a list',
    metadata: { stream_deltas: 'many', own: nested(40) },
  });
  const everyShape = await post(tokens.bot, { content: 'Memory items of every shape' });
  const objectExcerpt = await post(tokens.bot, {
    content: 'Memory with an object excerpt',
    metadata: { memory: [ISSUE_MEMORY] },
  });
  await post(tokens.bot, {
    content: 'A tool call nested fifty deep with a huge result',
    parts: [
      {
        type: 'tool_call',
        id: 'deep',
        name: 'nest',
        status: 'ok',
        arguments: nested(50),
        result: 'y'.repeat(95_000),
        duration_ms: 12,
      },
    ],
  });
  const partsCarrier = await post(tokens.eve, { content: 'Parts of every shape' });
  const fieldsCarrier = await post(tokens.eve, { content: 'Fields of the wrong type' });
  const contentCarrier = await post(tokens.eve, { content: 'This text is replaced by bytes' });
  await post(tokens.eve, { content: 'A good message after the hostile ones' });
  for (const emoji of [HTML, RTL, ZERO_WIDTH, 'L'.repeat(64)]) {
    const reacted = await hub.api(
      tokens.eve,
      'PUT',
      `/api/v1/messages/${notAList}/reactions/${encodeURIComponent(emoji)}`,
    );
    assert.equal(reacted.status, 200, `the hub takes ${JSON.stringify(emoji)} as an emoji`);
  }
  const topic = await hub.api(tokens.ada, 'PATCH', '/api/v1/rooms/hostile', { topic: HOSTILE.slice(0, 1_000) });
  assert.equal(topic.status, 200, JSON.stringify(topic.body));
  const conversation = await hub.api(tokens.ada, 'POST', '/api/v1/conversations', {
    agent: 'bot',
    content: `${HTML} ${RTL} a conversation`,
  });
  assert.equal(conversation.status, 201, JSON.stringify(conversation.body));
  const task = async (title: string) => {
    const created = await hub.api(tokens.ada, 'POST', '/api/v1/tasks', { title, room: 'hostile' });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.task.id as string;
  };
  await task('A well-formed task');
  const oddTask = await task('A task whose fields are about to go wrong');
  return { notAList, everyShape, objectExcerpt, partsCarrier, fieldsCarrier, contentCarrier, oddTask };
}

/** What the API refuses, written into the stopped hub's database; the events come after the browser's cursor. */
function storeInSqlite(dbPath: string, ids: Awaited<ReturnType<typeof storeThroughApi>>): void {
  const db = new Database(dbPath);
  const rows = Array.from({ length: 800 }, (_, row) => ({ row, text: 'r'.repeat(200) }));
  const setMetadata = db.prepare('UPDATE messages SET metadata = ? WHERE id = ?');
  setMetadata.run(JSON.stringify({ memory: [{ ...ISSUE_MEMORY, excerpt: { not: 'text' } }] }), ids.objectExcerpt);
  setMetadata.run(JSON.stringify({ memory: { ref: 'm1', excerpt: 'x' }, error: { code: 'not text' } }), ids.notAList);
  db.prepare("UPDATE messages SET status = 'error' WHERE id = ?").run(ids.notAList);
  setMetadata.run(
    JSON.stringify({
      memory: [
        null,
        7,
        'loose text',
        { ref: { deep: true }, kind: 'note', at: 1_700_000_000_000, excerpt: 42 },
        { ref: 'dup', at: 'not a date', sender: { who: 1 }, excerpt: HTML },
        { ref: 'dup', at: ['2026'], sender: RTL, excerpt: 'E'.repeat(1_500) },
      ],
    }),
    ids.everyShape,
  );
  db.prepare('UPDATE messages SET parts = ?, metadata = ? WHERE id = ?').run(
    JSON.stringify([
      5,
      null,
      'text',
      { type: 'image', url: 'x' },
      { type: 'tool_call', id: { o: 1 }, name: { object: 'name' }, arguments: nested(50) },
      { type: 'tool_call', id: 'dup', name: HTML, status: 'weird status', duration_ms: 'slow' },
      { type: 'tool_call', id: 'dup', name: 'N'.repeat(2_000), status: 'ok', result: { rows } },
    ]),
    JSON.stringify('a string'),
    ids.partsCarrier,
  );
  db.prepare(
    `UPDATE messages SET parts = ?, metadata = 'null', mentions = '{"a":1}', sender = ?, sender_kind = 'robot',
     created_at = 'not a date', edited_at = 'garbage', reply_count = 'many' WHERE id = ?`,
  ).run(JSON.stringify({ not: 'a list' }), HOSTILE, ids.fieldsCarrier);
  db.prepare('UPDATE messages SET content = ? WHERE id = ?').run(Buffer.from([0, 255]), ids.contentCarrier);
  const react = db.prepare('INSERT INTO reactions (message_id, emoji, member, created_at) VALUES (?, ?, ?, ?)');
  react.run(ids.fieldsCarrier, 'R'.repeat(2_000), HTML, '2026-01-01T00:00:00.000Z');
  react.run(ids.fieldsCarrier, RTL, 'zed', 'not a date');
  db.prepare("UPDATE members SET display_name = ? WHERE handle = 'eve'").run(HOSTILE);
  db.prepare("UPDATE rooms SET topic = ? WHERE name = 'hostile'").run(HOSTILE);
  db.prepare("UPDATE rooms SET title = ? WHERE kind = 'conversation'").run(HOSTILE);
  db.prepare("UPDATE rooms SET name = ? WHERE name = 'weird'").run(`${RTL}${'n'.repeat(300)}`);
  const { doc } = db.prepare('SELECT doc FROM tasks WHERE id = ?').get(ids.oddTask) as { doc: string };
  db.prepare("UPDATE tasks SET status = 'review', doc = ? WHERE id = ?").run(
    JSON.stringify({
      ...JSON.parse(doc),
      status: 'review',
      title: HOSTILE,
      description: { not: 'text' },
      context: 'not an object',
      acceptance: 42,
      result: { summary: { not: 'text' }, data: nested(50) },
      verdict: { valid: false, errors: ['schema', { path: '/x' }, 3], by: { who: 1 } },
      feedback: 12,
      question: ['not', 'text'],
      files: 'src/**',
      capabilities: { not: 'a list' },
      attempts: 'three',
      priority: 'high',
      created_at: { not: 'a date' },
    }),
    ids.oddTask,
  );

  const room = db.prepare("SELECT id, last_seq FROM rooms WHERE name = 'hostile'").get() as {
    id: string;
    last_seq: number;
  };
  const events: Array<[kind: string, data: unknown]> = [
    ['message.created', {}],
    [
      'message.created',
      {
        id: 'msg_junk',
        room: room.id,
        seq: room.last_seq + 2,
        sender: { who: 1 },
        content: { not: 'text' },
        parts: 'nope',
        reactions: 5,
        metadata: { memory: [{ ...ISSUE_MEMORY, excerpt: { not: 'text' }, at: 5 }] },
        created_at: {},
        reply_count: 'x',
        thread_id: null,
      },
    ],
    ['message.updated', 'not an object'],
    ['message.deleted', { id: { not: 'an id' } }],
    ['reaction.added', { message_id: ids.notAList, emoji: { not: 'text' }, member: 5 }],
    ['reaction.removed', 'not an object'],
    ['task.created', { task: null }],
    ['task.updated', {}],
    ['task.updated', { task: { id: ids.oddTask } }],
    ['task.deleted', { id: { not: 'an id' } }],
    ['member.joined', { member: { not: 'a handle' } }],
    ['room.updated', { room: 5 }],
    ['room.updated', { room: { id: room.id, topic: { not: 'text' }, member_count: 'many' } }],
    ['reaction.added', { message_id: ids.notAList, emoji: '🎉', member: 'zed' }],
  ];
  const insert = db.prepare(
    'INSERT INTO events (room_id, seq, kind, at, actor, data, agents, quiet) VALUES (?, ?, ?, ?, ?, ?, NULL, 0)',
  );
  events.forEach(([kind, data], index) =>
    insert.run(room.id, room.last_seq + 1 + index, kind, new Date().toISOString(), 'eve', JSON.stringify(data)),
  );
  db.prepare('UPDATE rooms SET last_seq = ? WHERE id = ?').run(room.last_seq + events.length, room.id);
  db.close();
}

function reactionLabels(message: Locator): Promise<Array<string | null>> {
  return message
    .locator('.reaction')
    .evaluateAll((buttons) => buttons.map((button) => button.getAttribute('aria-label')));
}

/** Nothing is wider than the screen: long unbroken strings wrap or scroll inside their own box. */
async function overflow(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [document.documentElement, ...document.querySelectorAll<HTMLElement>('ol.messages, .sidebar, .room-header')]
      .filter((element) => element.scrollWidth > element.clientWidth + 1)
      .map((element) => `${element.tagName}.${element.className}: ${element.scrollWidth} > ${element.clientWidth}`),
  );
}

/** The screen at a desktop and a phone width, light and dark, after checking nothing overflows it. */
async function shoot(page: Page, name: string): Promise<void> {
  for (const [width, height] of [
    [1280, 800],
    [375, 812],
  ] as const) {
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme });
      assert.deepEqual(await overflow(page), [], `nothing overflows ${name} at ${width}px`);
      await screenshot(page, `${name}-${width}-${colorScheme}`);
    }
  }
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.emulateMedia({ colorScheme: 'light' });
}

test(
  'a room full of malformed messages, names, reactions, tasks and events still shows its good messages and stays usable',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const ada = await hub.member('ada');
    const eve = await hub.member('eve', 'person', { display_name: `${HTML}${RTL}` });
    const bot = await hub.member('bot', 'agent');
    for (const name of ['hostile', 'weird']) {
      const created = await hub.api(ada.token, 'POST', '/api/v1/rooms', { name, members: ['eve', 'bot'] });
      assert.equal(created.status, 201, JSON.stringify(created.body));
    }
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await signInWithToken(page, hub.url, ada.token);
    await page.getByRole('button', { name: '#hostile' }).click();
    const list = roomMessages(page);

    // Through the API while the room is open: the live path must survive what once blanked the app.
    const ids = await storeThroughApi(hub, { ada: ada.token, eve: eve.token, bot: bot.token });
    await list.getByText('A good message after the hostile ones').waitFor();
    await list.getByLabel('Tool call nest, ok').waitFor();

    // Rows the API would refuse, and malformed room-log events replayed to the open page on reconnect.
    await hub.close();
    storeInSqlite(hub.dbPath, ids);
    const port = new URL(hub.url).port;
    const restarted = await startHub(t, { dir: hub.dir, adminToken: hub.adminToken, env: { PORT: port } });
    await list.getByRole('button', { name: '🎉 1: zed' }).waitFor();
    const junk = list.locator('li[data-id="msg_junk"]');
    await junk.getByLabel('Context used: 1 item').click();
    await junk.getByText('"not": "text"', { exact: false }).waitFor();
    assert.equal(await page.locator('.room-header .topic').count(), 0, 'a topic that is not text is left out');
    const late = await restarted.api(eve.token, 'POST', '/api/v1/rooms/hostile/messages', {
      content: 'A good message after the malformed events',
    });
    assert.equal(late.status, 201);
    await list.getByText('A good message after the malformed events').waitFor();
    const outage = tab.consoleErrors.splice(0);
    assert.deepEqual(
      outage.filter((line) => !OUTAGE.test(line)),
      [],
      'the malformed events raised no error in the page: only the restart was noticed',
    );

    // A reload reads everything back from the database: the room that once blanked the app opens again.
    await page.reload();
    await list.getByText('A good message before the hostile ones').waitFor();
    await list.getByText('A good message after the malformed events').waitFor();
    await page.getByRole('navigation', { name: 'Rooms' }).waitFor();
    assert.equal(await page.getByRole('heading', { level: 2 }).first().textContent(), '#hostile');
    assert.ok((await page.locator('.room-header .topic').textContent())?.startsWith(HTML), 'the topic is text');
    for (const good of [
      'A good message before the hostile ones',
      'Memory that is not a list',
      'Memory items of every shape',
      'A tool call nested fifty deep with a huge result',
      'Parts of every shape',
      'Fields of the wrong type',
      'A good message after the hostile ones',
      'Memory with an object excerpt',
    ]) {
      assert.equal(await list.getByText(good, { exact: true }).count(), 1, `"${good}" is shown`);
    }
    assert.equal(
      await list.getByText('This message could not be shown.').count(),
      0,
      'every item rendered defensively',
    );

    const message = (content: string) => list.getByRole('listitem').filter({ hasText: content });
    const issue = message('Memory with an object excerpt');
    await issue.getByLabel('Context used: 1 item').click();
    await issue.getByText('@bob, ', { exact: false }).waitFor();
    await issue.getByText('"not": "text"', { exact: false }).waitFor();
    await message('Memory that is not a list').getByText('Failed.').waitFor();
    await list.getByLabel('Context used: 3 items').click();
    await list.locator('.context-excerpt', { hasText: HTML }).waitFor();
    await list.getByText('a note of its own', { exact: false }).waitFor();
    const deepCard = message('A tool call nested fifty deep').locator('details.tool-call');
    await deepCard.getByLabel('Tool call nest, ok').click();
    await deepCard.getByText('"level": 49', { exact: false }).waitFor();
    await deepCard.getByText('12 ms').waitFor();
    const odd = message('Parts of every shape');
    assert.deepEqual(
      await odd.locator('summary').evaluateAll((summaries) => summaries.map((item) => item.getAttribute('aria-label'))),
      ['Tool call unnamed tool, unknown', `Tool call ${HTML}, weird status`, `Tool call ${'N'.repeat(2_000)}, ok`],
      'only the tool calls show, each field as what it is',
    );
    for (const summary of await odd.locator('summary').all()) await summary.click();
    await odd.getByText('"row": 799', { exact: false }).waitFor();
    const wrong = message('Fields of the wrong type');
    assert.equal(await wrong.getAttribute('aria-label'), `Message from ${HOSTILE}`, 'a sender is shown as text');
    assert.equal(await wrong.locator('time').count(), 0, 'a date that is not a date is left out');
    assert.deepEqual(await reactionLabels(wrong), [`${'R'.repeat(2_000)} 1: ${HTML}`, `${RTL} 1: zed`]);
    assert.deepEqual(
      await reactionLabels(message('Memory that is not a list')),
      [HTML, RTL, ZERO_WIDTH, 'L'.repeat(64)].map((emoji) => `${emoji} 1: eve`),
      'odd emoji are reactions like any other',
    );
    assert.equal(await message('This text is replaced by bytes').count(), 0, 'content that is not text is left out');
    assert.equal(
      await list.locator('li.message:has(.markdown:empty)').count(),
      1,
      'the message whose content is not text is still there, with its sender and time',
    );

    const sidebar = page.getByRole('navigation', { name: 'Rooms' });
    await sidebar.getByRole('region', { name: 'Conversations' }).locator('.room-name', { hasText: HTML }).waitFor();
    await sidebar.locator('.room-name', { hasText: 'n'.repeat(300) }).waitFor();
    const composer = page.getByLabel('Message', { exact: true });
    await composer.pressSequentially('@ev');
    const hint = page.getByRole('listbox', { name: 'Members to mention' }).getByRole('option', { name: /@eve/ });
    assert.ok((await hint.textContent())?.includes(HTML), 'a display name shows as text');
    await composer.fill('Still usable after all of it');
    await composer.press('Enter');
    await list.getByText('Still usable after all of it').waitFor();
    await page.locator('li.pending').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Members', pressed: true }).click();
    await message('Memory items of every shape').evaluate((item) => item.scrollIntoView({ block: 'start' }));
    await shoot(page, 'web-hostile-room');
    assert.deepEqual(await axeFindings(page), [], 'no serious or critical accessibility findings in the room');

    await page.getByRole('button', { name: 'Tasks' }).click();
    await page
      .getByRole('region', { name: 'Pending' })
      .getByRole('button', { name: 'A well-formed task, pending' })
      .waitFor();
    await page
      .getByRole('region', { name: 'Needs a person' })
      .getByRole('button', { name: /, review$/ })
      .click();
    const detail = page.getByRole('complementary', { name: 'Task' });
    await detail.getByText('"level": 49', { exact: false }).waitFor();
    await detail.getByText('Refused by the hub: schema; {', { exact: false }).waitFor();
    await detail.getByRole('button', { name: 'Accept' }).waitFor();
    await detail.getByRole('heading', { name: 'Result' }).scrollIntoViewIfNeeded();
    await shoot(page, 'web-hostile-tasks');
    assert.deepEqual(await axeFindings(page), [], 'no serious or critical accessibility findings on the board');

    assert.deepEqual(await page.locator('img').count(), 0, 'no markup from the data became an element');
    assert.deepEqual(dialogs, [], 'nothing from the data ran: no alert');
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console after the restart');
  },
);
