/**
 * Tool policies of a hosted agent, against a real hub, a fake model and the stdio MCP fixture: an
 * `ask` tool waits for a person in the room (approved: it runs and its result is in the reply;
 * denied or no answer: it does not run and the model is told), and a `deny` tool never runs.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { decideApproval, listApprovals, type Approval, type Message } from '@roundtable/client';
import { eventually, startFakeModel, startHub, tempDir, type RecordedRequest } from '@roundtable/testkit';
import { AgentDefinition } from '../src/index.js';
import { mcpServer, person, replyTo, scripted, startAgent, type Person } from './helpers.js';

/** What the model was given back for a tool call: the tool's result, or what the hub said instead. */
function toolResult(request: RecordedRequest, id: string): string {
  return JSON.stringify(request.body.messages.find((message) => message.tool_call_id === id)?.content ?? '');
}

/**
 * An agent whose `lookup` tool has the given policy, in ada's room #ops (ada owns it; bob is a
 * member), and a model that calls `lookup`, then repeats what it got back.
 */
async function scene(t: TestContext, policy: string, extra: Record<string, unknown> = {}) {
  const hub = await startHub(t);
  const callsFile = join(tempDir(t), 'calls.jsonl');
  const model = await startFakeModel(
    t,
    scripted([
      {
        chunks: ['Deploy 142 looks odd; ', 'I will look it up.'],
        toolCalls: [{ id: 'call_1', name: 'lookup', arguments: { deploy: 142 } }],
      },
      (request) => ({ chunks: [`Tool said: ${toolResult(request, 'call_1')}`] }),
    ]),
  );
  const { handle } = await startAgent(t, hub, model, {
    tools: { mcp: [mcpServer(callsFile, ['lookup'], { lookup: policy })] },
    ...extra,
  });
  const ada = await person(t, hub, 'ada');
  const bob = await person(t, hub, 'bob');
  const room = await ada.client.createRoom({ name: 'ops', members: [handle, 'bob'] });
  const { message: asked } = await ada.client.send(room.id, `@${handle} check deploy 142`);
  return { hub, model, callsFile, handle, ada, bob, room, asked };
}

async function cardOf(watcher: Person): Promise<Approval> {
  let card: Message | undefined;
  await eventually(() => {
    card = watcher.seen.find((message) => message.sender_kind === 'system' && message.metadata.approval);
    assert.ok(card, 'the approval request has not been posted yet');
  }, 15_000);
  return card!.metadata.approval as Approval;
}

test('an approved call to an ask tool runs, and its result is in the reply', async (t) => {
  const { model, callsFile, handle, ada, asked } = await scene(t, 'ask');
  const approval = await cardOf(ada);
  assert.equal(approval.requester, handle);
  assert.equal(approval.action, 'lookup');
  assert.deepEqual(approval.details, { deploy: 142 });
  assert.equal(approval.reason, 'Deploy 142 looks odd; I will look it up.', 'the model’s own words are its reason');
  assert.equal(approval.thread_id, null);
  assert.ok(
    ada.parts.some((frame) => frame.part.id === 'call_1' && frame.part.status === 'pending'),
    'the call shows as pending while it waits',
  );
  assert.equal(existsSync(callsFile), false, 'nothing runs before the decision');

  assert.deepEqual(
    (await listApprovals(ada.client)).map((entry) => entry.id),
    [approval.id],
  );
  await decideApproval(ada.client, approval.id, 'approve', 'go ahead');
  const reply = await replyTo(ada, handle, asked);
  assert.equal(reply.status, 'complete');
  assert.match(reply.content, /3 services updated/, 'the tool’s result is in the reply');
  assert.equal(reply.parts[0]!.status, 'ok');
  assert.deepEqual(
    readFileSync(callsFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line)),
    [{ name: 'lookup', input: { deploy: 142 } }],
  );
  assert.match(toolResult(model.requests[1]!, 'call_1'), /3 services updated/);
});

test('a denied call does not run, the model is told with the note, and a member who may not decide is refused', async (t) => {
  const { model, callsFile, handle, ada, bob, asked } = await scene(t, 'ask');
  const approval = await cardOf(ada);
  await assert.rejects(decideApproval(bob.client, approval.id, 'approve'), (error: Error & { code?: string }) => {
    assert.equal(error.code, 'not_approver');
    return true;
  });
  assert.deepEqual(await listApprovals(bob.client), [], 'nothing waits for bob');

  await decideApproval(ada.client, approval.id, 'deny', 'not on a Friday');
  const reply = await replyTo(ada, handle, asked);
  assert.equal(reply.status, 'complete', 'the reply carries on');
  assert.equal(existsSync(callsFile), false, 'the tool never ran');
  const told = toolResult(model.requests[1]!, 'call_1');
  assert.match(told, /@ada denied the call to lookup/);
  assert.match(told, /not on a Friday/);
  assert.match(reply.content, /denied/);
  assert.equal(reply.parts[0]!.status, 'error');
});

test('no decision in time counts as a denial', async (t) => {
  const { model, callsFile, handle, ada, asked } = await scene(t, 'ask', { approvals: { timeout_ms: 300 } });
  const reply = await replyTo(ada, handle, asked);
  assert.equal(existsSync(callsFile), false);
  assert.match(toolResult(model.requests[1]!, 'call_1'), /Nobody approved the call to lookup in time/);
  await eventually(() => {
    const card = [...ada.seen].reverse().find((message) => message.sender_kind === 'system');
    assert.equal((card?.metadata.approval as Approval | undefined)?.status, 'expired');
  });
  assert.equal(reply.status, 'complete');
});

test('a deny tool never runs and nobody is asked; the model is told', async (t) => {
  const { model, callsFile, handle, ada, asked } = await scene(t, 'deny');
  const reply = await replyTo(ada, handle, asked);
  assert.equal(existsSync(callsFile), false);
  assert.match(toolResult(model.requests[1]!, 'call_1'), /its policy is deny/);
  assert.ok(!ada.seen.some((message) => message.metadata.approval), 'no approval request was posted');
  assert.equal(reply.status, 'complete');
});

test('tool policies are part of an agent definition: auto by default, `*` for the rest of a server', () => {
  const parse = (policy: unknown) =>
    AgentDefinition.safeParse({
      handle: 'p',
      model: { base_url: 'http://127.0.0.1:1/v1', name: 'm' },
      tools: { mcp: [{ name: 's', command: 'x', allow: ['*'], policy }] },
    });
  const parsed = parse({ drop_table: 'deny', '*': 'ask' });
  assert.ok(parsed.success);
  assert.deepEqual(parsed.data.tools.mcp[0]!.policy, { drop_table: 'deny', '*': 'ask' });
  assert.deepEqual(parse(undefined).data?.tools.mcp[0]!.policy, {});
  assert.equal(parse({ lookup: 'maybe' }).success, false);
  assert.deepEqual(parse(undefined).data?.approvals, { timeout_ms: 300_000, deciders: [] });
});
