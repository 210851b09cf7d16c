/**
 * Accounts in a real browser: the first start's setup link, invite links made on the People page,
 * and the Account page (password, tokens, notification default), each screen axe-checked and shot
 * in both themes at 1280 and 375 px.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { eventually, startHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, shootAndCheck, signInWithToken, unnamedControls, WIDE } from './browser.js';

/** A refused request is logged by the browser as a console error; those the test provokes on purpose are left out. */
function unexpected(errors: string[]): string[] {
  return errors.filter((error) => !/Failed to load resource: the server responded with a status of 410/.test(error));
}

async function signInWithPassword(page: Page, url: string, handle: string, password: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('tab', { name: 'Sign in' }).click();
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: '#general' }).waitFor();
}

async function choosePassword(page: Page, password: string, submit: string): Promise<void> {
  await page.getByLabel('New password').fill(password);
  await page.getByLabel('Repeat the password').fill(password);
  await page.getByRole('button', { name: submit }).click();
}

test(
  'the setup link signs the admin in with a new password, and cannot be used twice',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url, { viewport: WIDE });
    const { page } = tab;
    const link = `${hub.url}/setup#${hub.setupCode}`;

    await page.goto(link);
    await page.getByRole('heading', { name: 'Set your password' }).waitFor();
    await page.getByText('@admin').waitFor();
    const findings = await shootAndCheck(page, 'accounts-setup', {
      phone: () => page.getByRole('heading', { name: 'Set your password' }).waitFor(),
    });
    await choosePassword(page, 'the admin’s password', 'Set password and sign in');
    await page.getByRole('button', { name: '#general' }).waitFor();
    assert.equal(page.url(), `${hub.url}/`, 'the code is gone from the address bar');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInWithPassword(page, hub.url, 'admin', 'the admin’s password');

    await page.goto(link);
    const refused = page.getByRole('alert');
    await refused.getByText('This setup link was used or has expired.').waitFor();
    await refused.getByText('npx roundtable setup-link').waitFor();
    Object.assign(findings, await shootAndCheck(page, 'accounts-setup-used', { phone: () => refused.waitFor() }));
    await page.getByRole('button', { name: 'Go to sign in' }).click();
    await page.getByRole('tab', { name: 'Paste a token' }).waitFor();

    assert.deepEqual(findings, {}, 'no serious or critical axe findings');
    assert.deepEqual(unexpected(tab.consoleErrors), []);
  },
);

test(
  'an admin invites a person from the People page, who sets a password through the link and lands in #general',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    await hub.member('cy', 'person', { display_name: 'Cy Young' });
    await hub.api(hub.adminToken, 'PUT', '/api/v1/denylist/spammer', { reason: 'posted links all day' });
    const browser = await launch(t);
    const admin = await openPage(browser, hub.url, { viewport: WIDE });
    const page = admin.page;
    await signInWithToken(page, hub.url, hub.adminToken);

    await page.getByRole('button', { name: 'People' }).click();
    const people = page.getByRole('table', { name: 'People' });
    await people.getByText('Cy Young').waitFor();
    const findings = await shootAndCheck(page, 'accounts-people', {
      phone: () => page.getByRole('heading', { name: 'People', exact: true }).waitFor(),
    });

    await page.getByRole('button', { name: 'Add a person' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a person' });
    await dialog.getByLabel('Handle').fill('bea');
    await dialog.getByLabel('Display name').fill('Bea Smith');
    Object.assign(findings, await shootAndCheck(page, 'accounts-add-person'));
    await dialog.getByRole('button', { name: 'Create invite link' }).click();
    const shown = page.getByRole('dialog', { name: 'Invite link' });
    const link = (await shown.locator('code').textContent()) ?? '';
    assert.match(link, new RegExp(`^${hub.url}/invite#[A-Za-z0-9_-]{43}$`));
    await shown.getByRole('button', { name: 'Copy' }).waitFor();
    await shown.getByRole('button', { name: 'Done' }).click();
    await people.getByText('Bea Smith').waitFor();

    await page.getByRole('combobox', { name: 'Role of @cy' }).selectOption('admin');
    await eventually(async () =>
      assert.equal((await hub.api(hub.adminToken, 'GET', '/api/v1/members/cy')).body.member.role, 'admin'),
    );
    assert.deepEqual(await unnamedControls(page), [], 'every control has an accessible name');

    const invited = await openPage(browser, hub.url, { viewport: WIDE });
    await invited.page.goto(link);
    await invited.page.getByRole('heading', { name: 'Welcome to Roundtable' }).waitFor();
    await invited.page.getByText('Bea Smith').waitFor();
    await choosePassword(invited.page, 'bea’s own password', 'Set password and join');
    await invited.page
      .getByRole('button', { name: '#general' })
      .and(invited.page.locator('[aria-current="page"]'))
      .waitFor();
    const login = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'bea', password: 'bea’s own password' });
    assert.equal(login.status, 200, 'the password she chose signs her in');

    assert.deepEqual(findings, {}, 'no serious or critical axe findings');
    assert.deepEqual(unexpected(admin.consoleErrors), []);
    assert.deepEqual(unexpected(invited.consoleErrors), []);
  },
);

test(
  'the Account page changes the password, the notification default, and creates and revokes a token',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    await hub.member('ada', 'person', { password: 'ada’s first password', display_name: 'Ada Lovelace' });
    const browser = await launch(t);
    const tab = await openPage(browser, hub.url, { viewport: WIDE });
    const { page } = tab;
    await signInWithPassword(page, hub.url, 'ada', 'ada’s first password');

    await page.getByRole('button', { name: /^Account: @ada/ }).click();
    await page.getByRole('heading', { name: 'Account', exact: true }).waitFor();
    await page.getByLabel('Display name').waitFor();
    const findings = await shootAndCheck(page, 'accounts-account', {
      phone: () => page.getByRole('heading', { name: 'Account', exact: true }).waitFor(),
    });

    await page.getByLabel('Current password').fill('ada’s first password');
    await page.getByLabel('New password', { exact: true }).fill('ada’s second password');
    await page.getByLabel('Repeat the new password').fill('ada’s second password');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByText('Password changed').waitFor();
    const login = await hub.api('', 'POST', '/api/v1/auth/login', { handle: 'ada', password: 'ada’s second password' });
    assert.equal(login.status, 200, 'the new password signs in');

    await page.getByLabel('Channels you join').selectOption('all');
    await eventually(async () =>
      assert.equal((await hub.api(login.body.token, 'GET', '/api/v1/me')).body.notify_default, 'all'),
    );

    await page.getByLabel('Token name').fill('laptop');
    await page.getByRole('button', { name: 'Create token' }).click();
    const token = (await page.locator('.shown-once code').textContent()) ?? '';
    assert.match(token, /^rt_[A-Za-z0-9_-]+$/);
    await page.locator('.shown-once').getByRole('button', { name: 'Copy' }).waitFor();
    assert.equal((await hub.api(token, 'GET', '/api/v1/me')).status, 200, 'the token shown works');
    await page.getByRole('table', { name: 'Your API tokens' }).getByText('laptop').waitFor();
    Object.assign(findings, await shootAndCheck(page, 'accounts-token-created'));

    await page.getByRole('button', { name: 'Revoke laptop' }).click();
    await page.getByRole('dialog', { name: 'Revoke this token?' }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('table', { name: 'Your API tokens' }).getByText('laptop').waitFor({ state: 'detached' });
    assert.equal((await hub.api(token, 'GET', '/api/v1/me')).status, 401, 'the revoked token no longer works');

    assert.deepEqual(await unnamedControls(page), [], 'every control has an accessible name');
    assert.deepEqual(findings, {}, 'no serious or critical axe findings');
    assert.deepEqual(unexpected(tab.consoleErrors), []);
  },
);
