/**
 * What the Agents page reads and does: the agent list (admins see all, owners their own), a model
 * check for the add form, a new token for an agent, and deleting one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventually, RawClient, startFakeModel, startHub } from '@roundtable/testkit';

interface Row {
  handle: string;
  presence: string;
  last_seen: string | null;
  owner: string | null;
  kind: string;
  source: string | null;
  running: boolean;
  disabled: boolean;
  tokens_this_hour: number;
  token_budget: number | null;
}

test('admins list every agent with presence, last seen, owner, kind and tokens this hour; others only those they own', async (t) => {
  const model = await startFakeModel(t, () => ({ chunks: ['ok'] }));
  const hub = await startHub(t);
  const boss = await hub.member('boss', 'person', { role: 'admin' });
  const scout = (await hub.api(boss.token, 'POST', '/api/v1/members', { handle: 'scout', kind: 'agent' })).body;
  const [ada, lone] = await Promise.all([hub.member('ada'), hub.member('lone', 'agent')]);
  const defined = await hub.api(hub.adminToken, 'PUT', '/api/v1/agents/definitions/helper', {
    model: { base_url: model.baseUrl, name: 'm' },
    budgets: { tokens_per_room_per_hour: 5000 },
  });
  assert.equal(defined.status, 200);

  const connected = await RawClient.ready(t, hub.url, scout.token);
  const stream = (await connected.request('stream.start', { room: 'general' })).message;
  await connected.request('stream.done', {
    message: stream.id,
    content: 'Counted.',
    metadata: { usage: { input_tokens: 40, output_tokens: 2 } },
  });

  const all = (await hub.api(hub.adminToken, 'GET', '/api/v1/agents')).body.agents as Row[];
  const byHandle = new Map(all.map((row) => [row.handle, row]));
  assert.deepEqual([...byHandle.keys()], ['helper', 'lone', 'scout']);
  const helper = byHandle.get('helper')!;
  assert.equal(helper.kind, 'hosted');
  assert.equal(helper.source, 'api');
  assert.equal(helper.running, true);
  assert.equal(helper.owner, 'admin', 'the admin who defined it owns it');
  assert.equal(helper.token_budget, 5000);
  const scoutRow = byHandle.get('scout')!;
  assert.equal(scoutRow.kind, 'external');
  assert.equal(scoutRow.owner, 'boss');
  assert.equal(scoutRow.presence, 'online');
  assert.ok(scoutRow.last_seen, 'an agent online now was seen now');
  assert.equal(scoutRow.tokens_this_hour, 42);
  assert.equal(byHandle.get('lone')!.last_seen, null, 'never connected since the hub started');

  assert.deepEqual((await hub.api(ada.token, 'GET', '/api/v1/agents')).body.agents, [], 'a person owns no agent');
  assert.deepEqual((await hub.api(lone.token, 'GET', '/api/v1/agents')).body.agents, []);
  await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/boss', { role: 'member' });
  const own = (await hub.api(boss.token, 'GET', '/api/v1/agents')).body.agents as Row[];
  assert.deepEqual(
    own.map((row) => row.handle),
    ['scout'],
    'an owner who is no longer an admin still sees their agent',
  );

  connected.close();
  await eventually(async () => {
    const after = ((await hub.api(hub.adminToken, 'GET', '/api/v1/agents')).body.agents as Row[]).find(
      (row) => row.handle === 'scout',
    )!;
    assert.equal(after.presence, 'offline');
    assert.ok(after.last_seen, 'last seen when it left');
  });
});

test('Test connection answers with the model’s reply, or its error verbatim; admins only', async (t) => {
  let fail = false;
  const model = await startFakeModel(t, () => (fail ? { status: 503 } : { chunks: ['Ready ', 'when you are.'] }));
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const body = { model: { base_url: model.baseUrl, name: 'tiny', api_key: 'sk-test' } };

  const good = await hub.api(hub.adminToken, 'POST', '/api/v1/agents/definitions/test', body);
  assert.equal(good.status, 200);
  assert.deepEqual(good.body.check, { ok: true, answer: 'Ready when you are.', model: 'tiny' });
  assert.equal(model.requests.at(-1)!.body.model, 'tiny');

  fail = true;
  const bad = await hub.api(hub.adminToken, 'POST', '/api/v1/agents/definitions/test', body);
  assert.equal(bad.status, 200);
  assert.equal(bad.body.check.ok, false);
  assert.match(bad.body.check.error, /HTTP 503/);
  assert.match(bad.body.check.error, /the model is overloaded/);

  const refused = await hub.api(ada.token, 'POST', '/api/v1/agents/definitions/test', body);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'admin_only');
  const invalid = await hub.api(hub.adminToken, 'POST', '/api/v1/agents/definitions/test', {
    model: { base_url: 'not a url', name: 'm' },
  });
  assert.equal(invalid.body.code, 'invalid_request');
});

test('an edit that leaves the API key blank keeps the stored key', async (t) => {
  const model = await startFakeModel(t, () => ({ chunks: ['ok'] }));
  const hub = await startHub(t);
  const put = (apiKey: unknown) =>
    hub.api(hub.adminToken, 'PUT', '/api/v1/agents/definitions/keeper', {
      model: { base_url: model.baseUrl, name: 'm', ...(apiKey === undefined ? {} : { api_key: apiKey }) },
      description: 'first',
    });
  assert.deepEqual((await put({ value: 'sk-secret' })).body.agent.definition.model.api_key, { value: '***' });
  assert.deepEqual((await put(undefined)).body.agent.definition.model.api_key, { value: '***' }, 'left out: kept');
  assert.deepEqual((await put({ value: '***' })).body.agent.definition.model.api_key, { value: '***' }, 'echoed: kept');
  const listed = (await hub.api(hub.adminToken, 'GET', '/api/v1/agents/definitions')).body.agents;
  assert.ok(!JSON.stringify(listed).includes('sk-secret'), 'the key is never shown');
});

test('rotating an agent’s token revokes the old ones and shows a new one once; admins only, external agents only', async (t) => {
  const model = await startFakeModel(t, () => ({ chunks: ['ok'] }));
  const hub = await startHub(t);
  const [ada, scout] = await Promise.all([hub.member('ada'), hub.member('scout', 'agent')]);
  await hub.api(hub.adminToken, 'PUT', '/api/v1/agents/definitions/helper', {
    model: { base_url: model.baseUrl, name: 'm' },
  });

  const refused = await hub.api(ada.token, 'POST', '/api/v1/agents/scout/token');
  assert.equal(refused.body.code, 'admin_only');
  const rotated = await hub.api(hub.adminToken, 'POST', '/api/v1/agents/scout/token');
  assert.equal(rotated.status, 201);
  assert.match(rotated.body.token, /^rt_/);
  assert.equal((await hub.api(scout.token, 'GET', '/api/v1/me')).status, 401, 'the old token is revoked');
  assert.equal((await hub.api(rotated.body.token, 'GET', '/api/v1/me')).body.member.handle, 'scout');

  const hosted = await hub.api(hub.adminToken, 'POST', '/api/v1/agents/helper/token');
  assert.equal(hosted.body.code, 'forbidden');
  assert.equal((await hub.api(hub.adminToken, 'POST', '/api/v1/agents/ada/token')).body.code, 'member_not_found');
});

test('deleting an agent stops it, revokes its tokens and disables it; its messages stay', async (t) => {
  const model = await startFakeModel(t, () => ({ chunks: ['ok'] }));
  const hub = await startHub(t);
  const [ada, scout] = await Promise.all([hub.member('ada'), hub.member('scout', 'agent')]);
  await hub.api(hub.adminToken, 'PUT', '/api/v1/agents/definitions/helper', {
    model: { base_url: model.baseUrl, name: 'm' },
  });
  const said = await hub.api(scout.token, 'POST', '/api/v1/rooms/general/messages', { content: 'I was here.' });
  assert.equal(said.status, 201);

  assert.equal((await hub.api(ada.token, 'DELETE', '/api/v1/agents/scout')).body.code, 'admin_only');
  assert.equal((await hub.api(hub.adminToken, 'DELETE', '/api/v1/agents/scout')).status, 204);
  assert.equal((await hub.api(scout.token, 'GET', '/api/v1/me')).status, 401);
  const kept = await hub.api(ada.token, 'GET', `/api/v1/messages/${said.body.message.id}`);
  assert.equal(kept.body.message.content, 'I was here.');

  assert.equal((await hub.api(hub.adminToken, 'DELETE', '/api/v1/agents/helper')).status, 204);
  const rows = (await hub.api(hub.adminToken, 'GET', '/api/v1/agents')).body.agents as Row[];
  assert.deepEqual(
    rows.map((row) => [row.handle, row.kind, row.disabled]),
    [
      ['helper', 'external', true],
      ['scout', 'external', true],
    ],
  );
  assert.deepEqual((await hub.api(hub.adminToken, 'GET', '/api/v1/agents/definitions')).body.agents, []);
});

test('a hosted agent disabled by an admin stops, and enabled again it runs and answers', async (t) => {
  const model = await startFakeModel(t, () => ({ chunks: ['Back again.'] }));
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  await hub.api(hub.adminToken, 'PUT', '/api/v1/agents/definitions/helper', {
    model: { base_url: model.baseUrl, name: 'm' },
  });
  const helper = async () =>
    ((await hub.api(hub.adminToken, 'GET', '/api/v1/agents')).body.agents as Row[]).find(
      (row) => row.handle === 'helper',
    )!;
  await eventually(async () => assert.equal((await helper()).presence, 'online'));

  await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/helper', { disabled: true });
  assert.equal((await helper()).running, false);
  await eventually(async () => assert.equal((await helper()).presence, 'offline'));

  await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/helper', { disabled: false });
  assert.equal((await helper()).running, true);
  const client = await RawClient.ready(t, hub.url, ada.token);
  await client.request('send', { room: 'general', content: '@helper are you there?' });
  const reply = await client.waitFor(
    (frame) => frame.type === 'event' && frame.data?.sender === 'helper' && frame.data?.status === 'complete',
  );
  assert.equal(reply.data.content, 'Back again.');
});
