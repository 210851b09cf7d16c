/** The web UI in a real browser (Debian's chromium driven by playwright-core) against a real hub. */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { chromium, type Page } from 'playwright-core';
import { RawClient, startHub } from '../../server/test/helpers.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ARTIFACTS = join(import.meta.dirname, '../../../.test-artifacts');

function browserSkip(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI === 'true')
    throw new Error(`chromium is not at ${CHROMIUM}, and CI=true: apt-get install -y chromium`);
  const line = `!!! SKIPPED: the browser tests did not run: no chromium at ${CHROMIUM}. Run: apt-get install -y chromium`;
  process.stderr.write(`\n${line}\n`);
  return line;
}

async function openPage(t: TestContext): Promise<{ page: Page; consoleErrors: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  t.after(() => browser.close());
  const context = await browser.newContext();
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  return { page, consoleErrors };
}

test(
  'a person registers in the browser, chats with an agent live, and keeps identity and history across a reload',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const bot = await hub.member('bot', 'agent');
    const agent = await RawClient.ready(t, hub.url, bot.token);
    const { page, consoleErrors } = await openPage(t);

    await page.goto(hub.url);
    await page.getByRole('tab', { name: 'Register' }).click();
    await page.getByLabel('Handle').fill('ada');
    await page.getByLabel('Password').fill('correct horse battery');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('button', { name: '#general' }).waitFor();

    await agent.request('send', { room: 'general', content: 'hello from the bot' });
    await page.getByText('hello from the bot').waitFor();

    const composer = page.getByLabel('Message', { exact: true });
    await composer.fill('@bot hi there');
    await composer.press('Enter');
    const delivered = await agent.waitFor((frame) => frame.type === 'event' && frame.data?.content === '@bot hi there');
    assert.equal(delivered.data.sender, 'ada', 'the mention reached the agent, sent by the person');
    assert.equal(await composer.inputValue(), '', 'Enter sent and cleared the composer');

    await page.reload();
    await page.getByText('@bot hi there').waitFor();
    assert.equal(await page.getByText('@ada').first().isVisible(), true, 'still signed in as @ada after a reload');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'web-chat.png') });
    assert.deepEqual(consoleErrors, [], 'no errors in the browser console');
  },
);
