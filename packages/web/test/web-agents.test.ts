/**
 * The Agents page in a real browser: an admin connects an external agent and its token, copied from
 * the page, lets it speak in #general; an AI agent added through the form against a fake
 * OpenAI-compatible model answers a mention, after Test connection showed the model's error word for
 * word; the usage report shows what each agent spent per room and day. Each screen is checked with
 * axe and photographed at 1280 and 375 px, light and dark.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { RoundtableClient } from '@roundtable/client';
import { startFakeModel, startHub } from '@roundtable/testkit';
import {
  browserSkip,
  launch,
  openPage,
  roomMessages,
  screenshot,
  shootAndCheck,
  signInWithToken,
  unnamedControls,
} from './browser.js';

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: Array<{ target: string[] }>;
}

/** Serious and critical axe-core findings on the page as it is now. */
async function axeFindings(page: Page): Promise<string[]> {
  // Evaluated rather than added as a script tag: the hub's Content-Security-Policy refuses inline scripts.
  await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: () => Promise<{ violations: AxeViolation[] }> } }).axe;
    return (await axe.run()).violations;
  });
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

/**
 * The screen as it is, in light and dark at 1280 and 375 px: a screenshot of each, and the axe
 * findings of each, named by where they were found. The page is left light at 1280 px.
 */
async function inEveryLook(page: Page, name: string): Promise<string[]> {
  const findings: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    for (const [width, height] of [
      [1280, 800],
      [375, 812],
    ] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height });
      // The screen as it opens, not scrolled to the field filled last.
      await page.evaluate(() => {
        (document.activeElement as HTMLElement | null)?.blur();
        document.querySelector('.page-body')?.scrollTo(0, 0);
      });
      await screenshot(page, `${name}-${width}-${scheme}`);
      findings.push(...(await axeFindings(page)).map((finding) => `${name} ${width} ${scheme}: ${finding}`));
    }
  }
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setViewportSize({ width: 1280, height: 800 });
  return findings;
}

test(
  'an admin connects an external agent, copies its token from the snippet, and the agent’s first message appears in #general',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    await hub.member('scout', 'agent', { capabilities: ['search'] });
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    await tab.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: hub.url });
    const page = tab.page;
    await signInWithToken(page, hub.url, hub.adminToken);

    await page.getByRole('button', { name: 'Agents', exact: true }).click();
    const table = page.getByRole('table', { name: 'Agents' });
    await table.getByRole('row', { name: '@scout' }).waitFor();
    const findings = await inEveryLook(page, 'web-agents-list');

    await page.getByRole('button', { name: 'Connect an external agent' }).click();
    const form = page.getByRole('form', { name: 'Connect an external agent' });
    await form.getByLabel('Handle').fill('coder');
    await form.getByLabel('Display name').fill('Coder');
    await form.getByLabel('Description').fill('Writes code from the terminal');
    await form.getByLabel('Capabilities').fill('typescript, review');
    await form.getByRole('button', { name: 'Create agent and token' }).click();
    await page.getByRole('heading', { name: 'Token for @coder' }).waitFor();
    findings.push(...(await inEveryLook(page, 'web-agents-token')));

    await page.getByRole('button', { name: 'Copy SDK code' }).click();
    await page.getByText('TypeScript SDK copied').waitFor();
    const copied = await page.evaluate(() => navigator.clipboard.readText());
    const token = /token: "([^"]+)"/.exec(copied)?.[1];
    assert.ok(token, `the SDK snippet carries the token: ${copied}`);
    assert.ok(copied.includes(`url: ${JSON.stringify(hub.url)}`), 'the snippet points at the page’s own hub');
    const mcp = await page.locator('pre[data-snippet="mcp-json"]').textContent();
    assert.ok(mcp?.includes(`"url": "${hub.url}/mcp"`) && mcp.includes(`Bearer ${token}`), mcp ?? '');
    const claude = await page.locator('pre[data-snippet="claude"]').textContent();
    assert.match(claude ?? '', /^claude mcp add --transport http roundtable /);

    const agent = new RoundtableClient({ url: hub.url, token });
    t.after(() => agent.close());
    await agent.connect();
    await agent.send('general', 'Hello from @coder, connected from the Agents page.');

    await page.getByRole('button', { name: 'Done' }).click();
    const row = table.getByRole('row', { name: '@coder' });
    await row.getByText('Online').waitFor();
    await row.getByText('@admin').waitFor();
    await row.getByText('External').waitFor();
    await row.getByText('typescript').waitFor();

    await page.getByRole('button', { name: '#general' }).click();
    await roomMessages(page).getByText('Hello from @coder, connected from the Agents page.').waitFor();

    assert.deepEqual(findings, [], 'no serious or critical accessibility findings on the list or the token screen');
    assert.deepEqual(await unnamedControls(page), [], 'every control has an accessible name');
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
    await agent.close();
  },
);

test(
  'Test connection shows the model’s error word for word; saved, the AI agent answers a mention in #general',
  { skip: browserSkip() },
  async (t) => {
    let failing = true;
    const model = await startFakeModel(t, (request) => {
      if (failing) return { status: 503 };
      const asked = request.body.messages.some((message) => String(message.content).includes('ready'));
      return { chunks: asked ? ['Ready.'] : ['Hello ', 'from the form.'] };
    });
    const hub = await startHub(t);
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    await signInWithToken(page, hub.url, hub.adminToken);

    await page.getByRole('button', { name: 'Agents', exact: true }).click();
    await page.getByRole('button', { name: 'Add an AI agent' }).click();
    const form = page.getByRole('form', { name: 'Add an AI agent' });
    await form.getByLabel('Handle').fill('helper');
    await form.getByLabel('Display name').fill('Helper');
    await form.getByLabel('Description').fill('Answers questions');
    const baseUrl = form.getByLabel('Base URL');
    assert.equal(await baseUrl.getAttribute('placeholder'), 'http://127.0.0.1:11434/v1', 'Ollama is the example');
    await baseUrl.fill(model.baseUrl);
    await form.getByLabel('Model').fill('fake-model');
    await form.getByLabel('API key').fill('sk-test-key');
    await form.getByRole('button', { name: 'Add a tool server' }).click();
    const server = form.getByRole('group', { name: 'Tool server 1' });
    await server.getByLabel('Name').fill('docs');
    await server.getByLabel('URL or command').fill('http://127.0.0.1:9/mcp');
    await server.getByLabel('Allowed tools').fill('search_docs');
    assert.deepEqual(await inEveryLook(page, 'web-agents-form'), [], 'no serious or critical findings on the form');

    await form.getByRole('button', { name: 'Test connection' }).click();
    const result = form.getByRole('status');
    await result.getByText('The model failed:').waitFor();
    const shown = await result.locator('pre').textContent();
    assert.match(shown ?? '', /HTTP 503/);
    assert.match(shown ?? '', /the model is overloaded/, 'the model’s own words');
    await screenshot(page, 'web-agents-form-error');

    failing = false;
    await form.getByRole('button', { name: 'Test connection' }).click();
    await result.getByText('The model answered:').waitFor();
    await result.getByText('Ready.').waitFor();

    // A tool server the agent cannot reach would keep it from starting: this one is only for the form.
    await form.getByRole('button', { name: 'Remove tool server docs' }).click();
    await form.getByRole('button', { name: 'Save and start' }).click();
    const row = page.getByRole('table', { name: 'Agents' }).getByRole('row', { name: '@helper' });
    await row.getByText('Hosted').waitFor();
    await row.getByText('Online').waitFor();

    await page.getByRole('button', { name: '#general' }).click();
    await page.getByLabel('Message', { exact: true }).fill('@helper what do you say?');
    await page.getByLabel('Message', { exact: true }).press('Enter');
    await roomMessages(page).getByText('Hello from the form.').waitFor();
    const last = model.requests.at(-1)!;
    assert.equal(last.body.model, 'fake-model');

    const stored = await hub.api(hub.adminToken, 'GET', '/api/v1/agents/definitions');
    assert.ok(!JSON.stringify(stored.body).includes('sk-test-key'), 'the key is never shown again');
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');
  },
);

test(
  'admins see each agent’s tokens per room and day under the list; others see no report',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const [scout, echo, ada] = await Promise.all([
      hub.member('scout', 'agent'),
      hub.member('echo', 'agent'),
      hub.member('ada'),
    ]);
    const spoken: RoundtableClient[] = [];
    t.after(() => Promise.all(spoken.map((client) => client.close())));
    const say = async (token: string, room: string, input: number, output: number) => {
      const client = new RoundtableClient({ url: hub.url, token });
      spoken.push(client);
      await client.connect();
      await client.send(room, 'An answer.', { metadata: { usage: { input_tokens: input, output_tokens: output } } });
    };
    await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'deploys', members: ['scout', 'echo'] });
    await say(scout.token, 'general', 1200, 340);
    await say(scout.token, 'deploys', 50_000, 2_500);
    await say(echo.token, 'deploys', 800, 90);

    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const page = tab.page;
    await signInWithToken(page, hub.url, hub.adminToken);
    await page.getByRole('button', { name: 'Agents', exact: true }).click();
    const report = page.getByRole('region', { name: /Tokens per room and day/ });
    const scoutTable = report.getByRole('table', { name: 'Tokens of @scout' });
    await scoutTable
      .getByRole('row', { name: /#deploys/ })
      .getByText('52,500')
      .waitFor();
    await scoutTable
      .getByRole('row', { name: /#general/ })
      .getByText('1,200 in · 340 out')
      .waitFor();
    await scoutTable.getByText('54,040 tokens').waitFor();
    await report.getByRole('table', { name: 'Tokens of @echo' }).getByText('890 tokens').waitFor();

    const findings = await shootAndCheck(page, 'web-agents-usage', {
      phone: () => report.scrollIntoViewIfNeeded(),
    });
    assert.deepEqual(findings, {}, 'no serious or critical accessibility findings on the usage report');
    assert.deepEqual(await unnamedControls(page), [], 'every control has an accessible name');
    assert.deepEqual(tab.consoleErrors, [], 'no errors in the browser console');

    const own = await openPage(browser, hub.url);
    await signInWithToken(own.page, hub.url, ada.token);
    await own.page.getByRole('button', { name: 'Agents', exact: true }).click();
    await own.page.getByText('You own no agents.').waitFor();
    assert.equal(await own.page.getByRole('region', { name: /Tokens per room and day/ }).count(), 0);
    assert.deepEqual(own.consoleErrors, [], 'a person is never refused the report: it is not asked for');
  },
);
