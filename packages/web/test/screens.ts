/** A screen checked the way a person would meet it: at a desktop and a phone width, in light and dark, with axe-core. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';
import { screenshot } from './browser.js';

interface AxeViolation {
  id: string;
  impact: string | null;
  nodes: Array<{ target: string[] }>;
}

/** Serious and critical axe-core findings on the page as it is now, or in the part `within` selects. */
export async function axeFindings(page: Page, within?: string): Promise<string[]> {
  // Evaluated rather than added as a script tag: the hub's Content-Security-Policy refuses inline scripts.
  await page.evaluate(readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8'));
  const violations = await page.evaluate(async (selector) => {
    const axe = (window as unknown as { axe: { run: (context?: unknown) => Promise<{ violations: AxeViolation[] }> } })
      .axe;
    return (await axe.run(selector ? { include: [selector] } : document)).violations;
  }, within);
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`);
}

export const SIZES = [
  { width: 1280, height: 800 },
  { width: 375, height: 812 },
] as const;

/**
 * Screenshots `<name>-<width>-<light|dark>.png` and asserts no serious or critical axe finding, at
 * each size and scheme. `prepare` brings the screen back after a resize (a phone hides the sidebar);
 * `within` limits axe to the part of the page the test is about.
 */
export async function checkScreens(
  page: Page,
  name: string,
  prepare: (width: number) => Promise<void> = async () => {},
  within?: string,
): Promise<void> {
  const findings: Record<string, string[]> = {};
  for (const size of SIZES) {
    await page.setViewportSize(size);
    for (const colorScheme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme });
      await prepare(size.width);
      const shot = `${name}-${size.width}-${colorScheme}`;
      await screenshot(page, shot);
      const found = await axeFindings(page, within);
      if (found.length > 0) findings[shot] = found;
    }
  }
  await page.setViewportSize(SIZES[0]);
  await page.emulateMedia({ colorScheme: 'light' });
  assert.deepEqual(findings, {}, 'no serious or critical axe findings');
}
