/**
 * A hosted agent against a real hub and a fake model: the activity status it shows while it
 * answers, and what it is given of a room it comes back to.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { RoundtableClient, type Message } from '@roundtable/client';
import type { ActivityFrame } from '@roundtable/protocol';
import { eventually, startFakeModel, startHub, tempDir, type Answer, type RecordedRequest } from '@roundtable/testkit';
import { ActivityReporter, AgentDefinition, startAgents, whileWaitingForApproval } from '../src/index.js';

const MCP_FIXTURE = join(import.meta.dirname, 'fixtures', 'mcp-server.ts');

async function connected(t: TestContext, url: string, token: string): Promise<RoundtableClient> {
  const client = new RoundtableClient({ url, token });
  t.after(() => client.close());
  await client.connect();
  return client;
}

async function hostAgent(t: TestContext, url: string, token: string, definition: Record<string, unknown>) {
  const agents = await startAgents([AgentDefinition.parse(definition)], { url, tokenFor: () => token });
  t.after(() => agents.stop());
}

/** The agent's finished reply after a message. */
async function reply(client: RoundtableClient, after: Message, handle: string): Promise<Message> {
  let found: Message | undefined;
  await eventually(async () => {
    const page = await client.history(after.room, { after: after.seq });
    found = page.messages.find((message) => message.sender === handle && message.status !== 'streaming');
    assert.ok(found, `@${handle} has not finished a reply yet`);
  }, 15_000);
  return found!;
}

const systemOf = (request: RecordedRequest) => String(request.body.messages[0]!.content);

test('a hosted agent shows thinking, the tool it runs, and idle when its reply is done', async (t) => {
  const hub = await startHub(t);
  const answers: Answer[] = [
    { toolCalls: [{ id: 'call_1', name: 'slow', arguments: { label: 'warm-up' } }] },
    { chunks: ['Done.'] },
  ];
  let next = 0;
  const model = await startFakeModel(t, () => answers[Math.min(next++, answers.length - 1)]!);
  const agent = await hub.member('codex', 'agent');
  await hostAgent(t, hub.url, agent.token, {
    handle: 'codex',
    model: { base_url: model.baseUrl, name: 'test-model' },
    tools: {
      mcp: [
        {
          name: 'test-tools',
          command: process.execPath,
          args: ['--conditions=development', '--import', 'tsx', MCP_FIXTURE],
          env: { CALLS_FILE: join(tempDir(t), 'calls.jsonl') },
          allow: ['slow'],
        },
      ],
    },
  });
  const ada = await connected(t, hub.url, (await hub.member('ada')).token);
  const frames: ActivityFrame[] = [];
  ada.on('activity', (frame) => void frames.push(frame));

  const { message: asked } = await ada.send('general', '@codex warm up, please');
  await reply(ada, asked, 'codex');
  await eventually(() => assert.equal(frames.at(-1)?.state, 'idle', 'the status is cleared'));
  assert.deepEqual(
    frames.filter((f) => f.member === 'codex').map((f) => (f.tool ? `${f.state}:${f.tool}` : f.state)),
    ['thinking', 'tool:slow', 'thinking', 'idle'],
  );
  assert.ok(
    frames.every((f) => f.room === asked.room && f.thread_id === null),
    'in the room it answers in',
  );
  assert.deepEqual(await ada.request('activity.list', {}), { activity: [] });
});

test('waiting for an approval shows as such, with the tool, and then what was shown before', async (t) => {
  const hub = await startHub(t);
  const codex = await connected(t, hub.url, (await hub.member('codex', 'agent')).token);
  const ada = await connected(t, hub.url, (await hub.member('ada')).token);
  const frames: ActivityFrame[] = [];
  ada.on('activity', (frame) => void frames.push(frame));
  const activity = new ActivityReporter(codex, { room: 'general' });
  activity.set('tool', 'deploy');
  let decide: (approved: boolean) => void = () => {};
  const decided = whileWaitingForApproval(activity, 'deploy', new Promise<boolean>((resolve) => (decide = resolve)));
  await eventually(() => assert.equal(frames.at(-1)?.state, 'waiting_approval', 'waiting is shown'));
  assert.equal(frames.at(-1)?.tool, 'deploy');
  decide(true);
  assert.equal(await decided, true, 'the decision is handed back');
  activity.set('idle');
  await eventually(() =>
    assert.deepEqual(
      frames.map((f) => `${f.state}:${f.tool ?? ''}`),
      ['tool:deploy', 'waiting_approval:deploy', 'tool:deploy', 'idle:'],
    ),
  );
});

/** A room where @codex said something, then `count` messages followed, then it is mentioned. */
async function awayAndBack(t: TestContext, answer: (request: RecordedRequest) => Answer, catchUp: object) {
  const hub = await startHub(t, { env: { RATE_MEMBER_MESSAGES_BURST: '500' } });
  const model = await startFakeModel(t, answer);
  const agent = await hub.member('codex', 'agent');
  const ada = await connected(t, hub.url, (await hub.member('ada')).token);
  const codex = await connected(t, hub.url, agent.token);
  await ada.send('general', 'Long ago: the staging database moved to eu-west.');
  await codex.send('general', 'Noted; I will use eu-west.');
  await codex.close();
  for (let i = 1; i <= 12; i++) await ada.send('general', `update ${i}: the cache layer now uses shard ${i}.`);
  await hostAgent(t, hub.url, agent.token, {
    handle: 'codex',
    model: { base_url: model.baseUrl, name: 'test-model' },
    reply: { window: 3 },
    memory: { enabled: false },
    catch_up: catchUp,
  });
  const { message: asked } = await ada.send('general', '@codex where are we?');
  await reply(ada, asked, 'codex');
  return model;
}

test('an agent mentioned after a while away is given what happened since it last spoke', async (t) => {
  const model = await awayAndBack(t, () => ({ chunks: ['Caught up.'] }), {});
  assert.equal(model.requests.length, 1, 'no summary was needed');
  const system = systemOf(model.requests[0]!);
  assert.match(system, /since you last spoke/);
  for (let i = 1; i <= 10; i++) assert.ok(system.includes(`update ${i}: the cache`), `update ${i} is given`);
  assert.doesNotMatch(system, /staging database moved/, 'nothing from before its own last message');
  const recent = model.requests[0]!.body.messages.map((m) => String(m.content));
  assert.ok(recent.includes('@ada: update 12: the cache layer now uses shard 12.'), 'the recent window follows');
});

test('a long absence is summarized by the model in a call of its own, and bounded', async (t) => {
  const model = await awayAndBack(
    t,
    (request) =>
      /Summarize this group chat/.test(systemOf(request))
        ? { chunks: ['SUMMARY: the cache moved to shards 1 to 10.'] }
        : { chunks: ['Caught up.'] },
    { max_messages: 8, max_chars: 500 },
  );
  assert.equal(model.requests.length, 2, 'a summary call, then the reply');
  const summarized = String(model.requests[0]!.body.messages.at(-1)!.content);
  assert.match(summarized, /update 10: the cache/);
  assert.doesNotMatch(summarized, /update 2: the cache/, 'at most max_messages are read');
  const system = systemOf(model.requests[1]!);
  assert.match(system, /SUMMARY: the cache moved to shards 1 to 10\./);
  assert.match(system, /Earlier messages since you last spoke are not shown/);
  assert.doesNotMatch(system, /update 9: the cache/, 'the summary stands in for the messages');
});

test('when the summary fails, what was missed is trimmed to its bound after a marker', async (t) => {
  const model = await awayAndBack(
    t,
    (request) => (/Summarize this group chat/.test(systemOf(request)) ? { status: 503 } : { chunks: ['Caught up.'] }),
    { max_chars: 500 },
  );
  const system = systemOf(model.requests.at(-1)!);
  assert.match(system, /\[… \d+ earlier messages left out …\]/);
  assert.match(system, /update 10: the cache/, 'the newest missed messages are kept');
  assert.doesNotMatch(system, /update 1: the cache/, 'the oldest are left out');
});
