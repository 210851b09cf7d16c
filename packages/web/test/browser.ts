/** Real-browser test support: Debian's chromium through playwright-core, pages that record console errors and notifications. */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

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

/** Skips loudly outside CI when chromium is missing; in CI a missing browser is a failure. */
export function browserSkip(): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  if (process.env.CI === 'true') {
    throw new Error(`chromium is not at ${CHROMIUM}, and CI=true: apt-get install -y chromium`);
  }
  const line = `!!! SKIPPED: the browser tests did not run: no chromium at ${CHROMIUM}. Run: apt-get install -y chromium`;
  process.stderr.write(`\n${line}\n`);
  return line;
}

export async function launch(t: TestContext): Promise<Browser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  t.after(() => browser.close());
  return browser;
}

/**
 * Headless tabs are always visible, so a test hides one by flipping `__rtHidden` and firing
 * `visibilitychange`; notifications the page raises are recorded (and still shown) so the test
 * can read them. A string, not a function: tsx would wrap a function in helpers the page lacks.
 */
const PAGE_HOOKS = `
  window.__rtHidden = false;
  window.__notifications = [];
  Object.defineProperty(document, 'visibilityState', { get: () => (window.__rtHidden ? 'hidden' : 'visible') });
  Object.defineProperty(document, 'hidden', { get: () => window.__rtHidden });
  const Real = window.Notification;
  class Recorded extends Real {
    constructor(title, options) {
      super(title, options);
      window.__notifications.push({ title, body: (options && options.body) || '' });
    }
  }
  Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true, writable: true });
`;

export interface TestPage {
  page: Page;
  context: BrowserContext;
  consoleErrors: string[];
  setHidden(hidden: boolean): Promise<void>;
  notifications(): Promise<Array<{ title: string; body: string }>>;
}

export async function openPage(
  browser: Browser,
  origin: string,
  options: { viewport?: { width: number; height: number } } = {},
): Promise<TestPage> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  await context.grantPermissions(['notifications'], { origin });
  await context.addInitScript({ content: PAGE_HOOKS });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  return {
    page,
    context,
    consoleErrors,
    async setHidden(hidden) {
      await page.evaluate((value) => {
        (window as unknown as { __rtHidden: boolean }).__rtHidden = value;
        document.dispatchEvent(new Event('visibilitychange'));
      }, hidden);
    },
    notifications: () =>
      page.evaluate(
        () => (window as unknown as { __notifications: Array<{ title: string; body: string }> }).__notifications,
      ),
  };
}

/** Signs in by pasting a token, and waits for the room list. */
export async function signInWithToken(page: Page, url: string, token: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('tab', { name: 'Paste a token' }).click();
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Use token' }).click();
  await page.getByRole('button', { name: '#general' }).waitFor();
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  // Transitions are finished first: a panel caught mid-slide is not what the screen looks like.
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), animations: 'disabled' });
}

/** The message list of the open room (not the thread panel's). */
export function roomMessages(page: Page) {
  return page.getByRole('list', { name: 'Messages', exact: true });
}

/** Controls a screen reader could not name: no aria-label, no text, no label element. */
export function unnamedControls(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, textarea, select, input, a[href], [role="option"]')]
      .filter((el) => {
        const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.textContent?.trim();
        const labels = (el as HTMLInputElement).labels;
        return !labelled && !(labels && labels.length > 0);
      })
      .map((el) => el.outerHTML.slice(0, 120)),
  );
}

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: Array<{ target: string[] }>;
}

/** Serious and critical axe-core findings on the page as it is now. */
export async function axeFindings(page: Page): Promise<string[]> {
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

export type Theme = 'light' | 'dark';
export const WIDE = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 812 };

/** Switches the page's theme the way the person's choice does, and waits for it to apply. */
export async function useTheme(page: Page, theme: Theme): Promise<void> {
  await page.evaluate((value) => {
    localStorage.setItem('roundtable.theme', value);
    document.documentElement.dataset.theme = value;
  }, theme);
}

/**
 * Screenshots of the screen as it is now in both themes (and, with `phone`, at 375 px too), each
 * checked by axe first: returns the findings per shot, empty when every one is clean.
 */
export async function shootAndCheck(
  page: Page,
  name: string,
  options: { phone?: () => Promise<void> } = {},
): Promise<Record<string, string[]>> {
  const findings: Record<string, string[]> = {};
  const size = page.viewportSize() ?? WIDE;
  for (const theme of ['light', 'dark'] as const) {
    await useTheme(page, theme);
    findings[`${name}-${theme}`] = await axeFindings(page);
    await screenshot(page, `${name}-${size.width}-${theme}`);
  }
  if (options.phone) {
    await page.setViewportSize(PHONE);
    await options.phone();
    for (const theme of ['light', 'dark'] as const) {
      await useTheme(page, theme);
      findings[`${name}-phone-${theme}`] = await axeFindings(page);
      await screenshot(page, `${name}-375-${theme}`);
    }
    await page.setViewportSize(size);
  }
  await useTheme(page, 'light');
  return Object.fromEntries(Object.entries(findings).filter(([, found]) => found.length > 0));
}

/** Sets how loudly the open room notifies, through the room header's menu. */
export async function setNotify(page: Page, level: 'All messages' | 'Mentions only' | 'Muted'): Promise<void> {
  await page.getByRole('button', { name: /^Notifications/ }).click();
  await page.getByRole('menuitemradio', { name: level }).click();
}
