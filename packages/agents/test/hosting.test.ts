/**
 * Where agents run: inside the hub (AGENTS_FILE, as `npm start` does) and as a separate process
 * (`roundtable agent run CONFIG`) against any hub; and what a bad agents file gets.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { RoundtableClient, type Message } from '@roundtable/client';
import { eventually, startHub, tempDir, type TestHub, Cli, startFakeModel } from '@roundtable/testkit';
import { parseAgentsFile } from '../src/index.js';

function agentsFile(t: TestContext, content: unknown): string {
  const path = join(tempDir(t), 'agents.json');
  writeFileSync(path, JSON.stringify(content));
  return path;
}

async function askAndWait(t: TestContext, hub: TestHub, handle: string): Promise<Message> {
  const { token } = await hub.member('ada', 'person');
  const client = new RoundtableClient({ url: hub.url, token });
  t.after(() => client.close());
  const seen: Message[] = [];
  client.on('message.updated', (message) => void seen.push(message));
  await client.connect();
  await client.send('general', `@${handle} hello?`);
  let reply: Message | undefined;
  await eventually(() => {
    reply = seen.find((message) => message.sender === handle && message.status === 'complete');
    assert.ok(reply, `@${handle} has not replied yet`);
  }, 15_000);
  return reply!;
}

test('a hub started with AGENTS_FILE runs those agents as agent members, and a restart leaves one live token', async (t) => {
  const model = await startFakeModel(t, () => ({ chunks: ['Hosted ', 'and well.'] }));
  const file = agentsFile(t, {
    agents: [{ handle: 'concierge', description: 'Answers questions', model: { base_url: model.baseUrl, name: 'm' } }],
  });
  const dir = tempDir(t);
  const first = await startHub(t, { dir, env: { AGENTS_FILE: file } });
  const reply = await askAndWait(t, first, 'concierge');
  assert.equal(reply.content, 'Hosted and well.');
  assert.equal(reply.sender_kind, 'agent');
  const members = await first.api(first.adminToken, 'GET', '/api/v1/members?kind=agent');
  const concierge = members.body.members.find((member: { handle: string }) => member.handle === 'concierge');
  assert.equal(concierge.description, 'Answers questions');
  await first.close();

  const second = await startHub(t, { dir, adminToken: first.adminToken, env: { AGENTS_FILE: file } });
  const tokens = await second.api(second.adminToken, 'GET', '/api/v1/tokens?all=true');
  const theirs = tokens.body.tokens.filter(
    (token: { member_id: string; revoked_at: string | null }) => token.member_id === concierge.id,
  );
  assert.equal(theirs.length, 2, 'one token per start');
  assert.equal(
    theirs.filter((token: { revoked_at: string | null }) => !token.revoked_at).length,
    1,
    'the first start’s token was revoked',
  );
});

test('a hub whose agents file is invalid refuses to start, saying what is wrong', async (t) => {
  const file = agentsFile(t, { agents: [{ handle: 'Bad Handle', model: { base_url: 'not a url', name: 'm' } }] });
  await assert.rejects(startHub(t, { env: { AGENTS_FILE: file } }), (error: Error) => {
    assert.match(error.message, /agents\.0\.handle/);
    assert.match(error.message, /agents\.0\.model\.base_url/);
    return true;
  });
});

test('roundtable agent run CONFIG runs the file’s agents against a hub with their own tokens', async (t) => {
  const hub = await startHub(t);
  const { token } = await hub.member('scribe', 'agent');
  const model = await startFakeModel(t, () => ({ chunks: ['From ', 'a separate process.'] }));
  const file = agentsFile(t, {
    hub: { url: hub.url },
    agents: [{ handle: 'scribe', token: { env: 'SCRIBE_TOKEN' }, model: { base_url: model.baseUrl, name: 'm' } }],
  });
  const cli = new Cli(t, ['agent', 'run', file], { env: { SCRIBE_TOKEN: token } });
  await cli.waitFor('stderr', /Running @scribe/);
  const reply = await askAndWait(t, hub, 'scribe');
  assert.equal(reply.content, 'From a separate process.');
  cli.child.kill('SIGINT');
  assert.equal((await cli.exited).code, 0);
});

test('roundtable agent run says which agent has no token, and exits non-zero', async (t) => {
  const hub = await startHub(t);
  const file = agentsFile(t, {
    hub: { url: hub.url },
    agents: [
      {
        handle: 'scribe',
        token: { env: 'UNSET_TOKEN_VARIABLE' },
        model: { base_url: 'http://127.0.0.1:9/v1', name: 'm' },
      },
    ],
  });
  const result = await new Cli(t, ['agent', 'run', file]).exited;
  assert.equal(result.code, 1);
  assert.match(result.stderr, /@scribe has no token/);
});

test('an agents file with a duplicate handle or bad JSON is refused with the reason, and defaults fill the rest', () => {
  const agent = { handle: 'twin', model: { base_url: 'http://127.0.0.1:1/v1', name: 'm' } };
  assert.throws(
    () => parseAgentsFile(JSON.stringify({ agents: [agent, agent] }), 'agents.json'),
    /@twin is defined twice/,
  );
  assert.throws(() => parseAgentsFile('{"agents": [', 'agents.json'), /agents\.json is not JSON/);
  assert.throws(() => parseAgentsFile(JSON.stringify({ agents: [] }), 'agents.json'), /agents: /);
  const parsed = parseAgentsFile(JSON.stringify({ agents: [agent] }), 'agents.json');
  assert.deepEqual(parsed.agents[0]!.budgets, { max_tokens_per_reply: 1024, tokens_per_room_per_hour: 100_000 });
  assert.deepEqual(parsed.agents[0]!.tools, { mcp: [] });
  assert.deepEqual(parsed.agents[0]!.reply, { window: 50, max_steps: 5 }, 'the model sees the last 50 messages');
  const partial = parseAgentsFile(JSON.stringify({ agents: [{ ...agent, reply: { max_steps: 2 } }] }), 'agents.json');
  assert.equal(partial.agents[0]!.reply.window, 50);
});

test('admins define an agent through the API: it runs at once and at every start, secrets stay hidden, and removal stops it', async (t) => {
  const model = await startFakeModel(t, (request) => ({
    chunks: [String(request.body.messages[0]!.content).includes('Speak like a pirate') ? 'Arr, hello.' : 'Hello.'],
  }));
  const dir = tempDir(t);
  const first = await startHub(t, { dir });
  const definition = {
    description: 'Defined through the API',
    model: { base_url: model.baseUrl, name: 'm', api_key: { value: 'sk-secret-key' } },
  };
  const bob = await first.member('bob', 'person');
  assert.equal(
    (await first.api(bob.token, 'PUT', '/api/v1/agents/definitions/parrot', definition)).body.code,
    'admin_only',
  );
  const bad = await first.api(first.adminToken, 'PUT', '/api/v1/agents/definitions/parrot', { model: { name: 'm' } });
  assert.equal(bad.body.code, 'invalid_request');
  assert.deepEqual(
    bad.body.details.issues.map((issue: { path: string }) => issue.path),
    ['model.base_url'],
  );

  const defined = await first.api(first.adminToken, 'PUT', '/api/v1/agents/definitions/parrot', definition);
  assert.equal(defined.status, 200, JSON.stringify(defined.body));
  assert.equal(defined.body.agent.running, true);
  assert.deepEqual(defined.body.agent.definition.model.api_key, { value: '***' }, 'the key never leaves the hub');
  assert.equal((await askAndWait(t, first, 'parrot')).content, 'Hello.');

  await first.api(first.adminToken, 'PUT', '/api/v1/agents/definitions/parrot', {
    ...definition,
    system_prompt: 'Speak like a pirate.',
  });
  const listed = await first.api(first.adminToken, 'GET', '/api/v1/agents/definitions');
  assert.deepEqual(
    listed.body.agents.map((agent: { handle: string; source: string }) => [agent.handle, agent.source]),
    [['parrot', 'api']],
  );
  assert.ok(!JSON.stringify(listed.body).includes('sk-secret-key'));
  await first.close();

  const second = await startHub(t, { dir, adminToken: first.adminToken });
  const { token } = await second.member('carol', 'person');
  const client = new RoundtableClient({ url: second.url, token });
  t.after(() => client.close());
  const replies: Message[] = [];
  client.on('message.updated', (message) => void replies.push(message));
  await client.connect();
  await client.send('general', '@parrot hello again');
  await eventually(() => assert.ok(replies.some((m) => m.sender === 'parrot' && m.content === 'Arr, hello.')), 15_000);

  const removed = await second.api(second.adminToken, 'DELETE', '/api/v1/agents/definitions/parrot');
  assert.equal(removed.status, 204);
  assert.deepEqual((await second.api(second.adminToken, 'GET', '/api/v1/agents/definitions')).body.agents, []);
  await eventually(async () => {
    const agents = await second.api(second.adminToken, 'GET', '/api/v1/members?kind=agent');
    const parrot = agents.body.members.find((member: { handle: string }) => member.handle === 'parrot');
    assert.equal(parrot.presence, 'offline', 'the agent disconnected');
  });
  assert.equal(
    (await second.api(second.adminToken, 'DELETE', '/api/v1/agents/definitions/parrot')).body.code,
    'member_not_found',
  );
});
