/** What the agent tests share: a person watching the hub, an agent over a fake model, the stdio MCP fixture. */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { RoundtableClient, type Message } from '@roundtable/client';
import type { StreamDeltaFrame, StreamPartFrame } from '@roundtable/protocol';
import { eventually, type TestHub, type Answer, type FakeModel, type RecordedRequest } from '@roundtable/testkit';
import { AgentDefinition, startAgents, type RunningAgents } from '../src/index.js';

const MCP_FIXTURE = join(import.meta.dirname, 'fixtures', 'mcp-server.ts');

export interface Person {
  client: RoundtableClient;
  deltas: StreamDeltaFrame[];
  parts: StreamPartFrame[];
  /** Every version of every message seen, latest last. */
  seen: Message[];
}

export async function person(t: TestContext, hub: TestHub, handle: string): Promise<Person> {
  const { token } = await hub.member(handle, 'person');
  const client = new RoundtableClient({ url: hub.url, token });
  t.after(() => client.close());
  const watcher: Person = { client, deltas: [], parts: [], seen: [] };
  client.on('delta', (frame) => void watcher.deltas.push(frame));
  client.on('part', (frame) => void watcher.parts.push(frame));
  client.on('message', (message) => void watcher.seen.push(message));
  client.on('message.updated', (message) => void watcher.seen.push(message));
  await client.connect();
  return watcher;
}

/** The agent's reply to a message, once it has ended (complete, error or cancelled). */
export async function replyTo(watcher: Person, agent: string, after: Message): Promise<Message> {
  let reply: Message | undefined;
  await eventually(() => {
    reply = [...watcher.seen]
      .reverse()
      .find((message) => message.sender === agent && message.seq > after.seq && message.room === after.room);
    assert.ok(reply && reply.status !== 'streaming', `@${agent} has not finished a reply yet`);
  }, 15_000);
  return reply!;
}

export async function startAgent(
  t: TestContext,
  hub: TestHub,
  model: FakeModel,
  extra: Record<string, unknown> = {},
): Promise<{ agents: RunningAgents; handle: string }> {
  const { model: modelExtra, ...rest } = extra;
  const handle = (rest.handle as string | undefined) ?? 'helper';
  const { token } = await hub.member(handle, 'agent');
  const definition = AgentDefinition.parse({
    handle,
    ...rest,
    model: { base_url: model.baseUrl, name: 'test-model', ...(modelExtra as object | undefined) },
  });
  const agents = await startAgents([definition], { url: hub.url, tokenFor: () => token });
  t.after(() => agents.stop());
  return { agents, handle };
}

export function mcpServer(callsFile: string, allow: string[], policy: Record<string, string> = {}) {
  return {
    name: 'test-tools',
    command: process.execPath,
    args: ['--conditions=development', '--import', 'tsx', MCP_FIXTURE],
    env: { CALLS_FILE: callsFile },
    allow,
    policy,
  };
}

export function scripted(answers: Array<Answer | ((request: RecordedRequest) => Answer)>) {
  let next = 0;
  return (request: RecordedRequest): Answer => {
    const answer = answers[Math.min(next++, answers.length - 1)]!;
    return typeof answer === 'function' ? answer(request) : answer;
  };
}
