/**
 * Approvals in the browser: an MCP agent's `request_approval` blocks until a person approves the
 * request card in the room; the card shows the agent, the action, its arguments as inert text and
 * the reason, offers Approve and Deny only to those who may decide, and follows the decision live.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { startHub } from '@roundtable/testkit';
import { browserSkip, launch, openPage, shootAndCheck, signInWithToken } from './browser.js';

const ACTION = 'git push --force origin main';
/** The agents package's small stdio MCP server, with a `lookup` tool. */
const MCP_FIXTURE = join(import.meta.dirname, '../../agents/test/fixtures/mcp-server.ts');

/** One `tools/call` on /mcp, outside any session, answered when the tool returns. */
async function callTool(url: string, token: string, name: string, args: Record<string, unknown>): Promise<any> {
  const response = await fetch(`${url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/json, text/event-stream',
      'content-type': 'application/json',
    },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } }),
  });
  const text = await response.text();
  const json = text.startsWith('{') ? text : /^data: (.*)$/m.exec(text)?.[1];
  const reply = JSON.parse(json ?? 'null');
  return JSON.parse(reply.result.content[0].text);
}

test(
  'an MCP agent’s request_approval waits until a person approves the card in the browser',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const [ada, bob, coder] = await Promise.all([hub.member('ada'), hub.member('bob'), hub.member('coder', 'agent')]);
    const created = await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'deploys', members: ['bob', 'coder'] });
    assert.equal(created.status, 201);

    const browser = await launch(t);
    const tab = await openPage(browser, hub.url);
    const { page } = tab;
    await signInWithToken(page, hub.url, ada.token);
    await page.getByRole('button', { name: '#deploys' }).click();

    let answered = false;
    const call = callTool(hub.url, coder.token, 'request_approval', {
      room: 'deploys',
      action: ACTION,
      details: { branch: 'main', commits: 12, note: '<img src=x onerror="window.__xss = 1">' },
      reason: 'The rebase rewrote history; the remote must follow.',
      timeout_ms: 120_000,
    }).finally(() => {
      answered = true;
    });

    const card = page.getByRole('region', { name: `Approval request from coder: ${ACTION}` });
    await card.waitFor();
    await card.getByText('Waiting for a decision').waitFor();
    await card.getByText('The rebase rewrote history; the remote must follow.').waitFor();
    await card.getByText('Arguments').click();
    await card.getByText('"commits": 12').waitFor();
    const approve = card.getByRole('button', { name: 'Approve' });
    await approve.waitFor();
    assert.equal(answered, false, 'the agent is still waiting');
    assert.equal(await page.evaluate(() => (window as unknown as { __xss?: number }).__xss), undefined);

    const findings = await shootAndCheck(page, 'approvals-pending', {
      phone: async () => {
        // On a phone the members panel covers the room: closed, the card is what shows.
        const close = page.getByRole('button', { name: 'Close members' });
        if (await close.isVisible()) await close.click();
        await card.scrollIntoViewIfNeeded();
        await card.getByRole('button', { name: 'Deny' }).waitFor();
      },
    });
    assert.deepEqual(findings, {}, 'axe finds nothing serious on the card, in either theme, wide or phone');

    // Bob is a member of the room but may not decide: he sees the card, without the buttons.
    const other = await openPage(browser, hub.url);
    await signInWithToken(other.page, hub.url, bob.token);
    await other.page.getByRole('button', { name: '#deploys' }).click();
    const seen = other.page.getByRole('region', { name: `Approval request from coder: ${ACTION}` });
    await seen.getByText('Waiting for a decision').waitFor();
    assert.equal(await seen.getByRole('button', { name: 'Approve' }).count(), 0);

    await card.getByLabel('Note for the agent (optional)').fill('go, the backup is done');
    await approve.click();
    const outcome = await call;
    assert.equal(outcome.approval.status, 'approved');
    assert.equal(outcome.approval.decided_by, 'ada');
    assert.equal(outcome.approval.note, 'go, the backup is done');

    await card.getByText('Approved').waitFor();
    await card.getByText('by @ada').waitFor();
    assert.equal(await card.getByRole('button', { name: 'Approve' }).count(), 0, 'a decided card offers no buttons');
    await seen.getByText('by @ada').waitFor();
    Object.assign(findings, await shootAndCheck(page, 'approvals-approved'));
    assert.deepEqual(findings, {});
    assert.deepEqual(tab.consoleErrors, []);
  },
);

test(
  'the Agents page’s form sets which tools ask first and which never run, and the hub runs the agent so',
  { skip: browserSkip() },
  async (t) => {
    const hub = await startHub(t);
    const browser = await launch(t);
    const { page } = await openPage(browser, hub.url);
    await signInWithToken(page, hub.url, hub.adminToken);
    await page.getByRole('button', { name: 'Agents', exact: true }).click();
    await page.getByRole('button', { name: 'Add an AI agent' }).click();
    const form = page.getByRole('form', { name: 'Add an AI agent' });
    await form.getByLabel('Handle').fill('careful');
    await form.getByLabel('Base URL').fill('http://127.0.0.1:9/v1');
    await form.getByLabel('Model').fill('m');
    await form.getByRole('button', { name: 'Add a tool server' }).click();
    const server = form.getByRole('group', { name: 'Tool server 1' });
    await server.getByLabel('Name').fill('tools');
    const command = `${process.execPath} --conditions=development --import tsx ${MCP_FIXTURE}`;
    await server.getByLabel('URL or command').fill(command);
    await server.getByLabel('Allowed tools').fill('*');
    await server.getByLabel('Ask first').fill('lookup, slow');
    await server.getByLabel('Never run').fill('forbidden');
    await server.scrollIntoViewIfNeeded();
    const findings = await shootAndCheck(page, 'approvals-agent-form', {
      phone: () => server.getByLabel('Never run').scrollIntoViewIfNeeded(),
    });
    assert.deepEqual(findings, {});

    await form.getByRole('button', { name: 'Save and start' }).click();
    await page.getByRole('table').getByRole('row', { name: '@careful' }).getByText('Online').waitFor();
    const stored = await hub.api(hub.adminToken, 'GET', '/api/v1/agents/definitions');
    const careful = stored.body.agents.find((agent: { handle: string }) => agent.handle === 'careful');
    assert.deepEqual(careful.definition.tools.mcp[0].policy, { lookup: 'ask', slow: 'ask', forbidden: 'deny' });
  },
);
