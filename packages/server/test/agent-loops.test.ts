/**
 * Agents that answer each other, over real sockets: two SDK agents stop at the room's wake budget
 * with one notice, and a scripted loop of one message is stopped by the repeat detector.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Message } from '@roundtable/client';
import { eventually, RawClient, startHub } from '@roundtable/testkit';
import { chatterbox, isNotice, WORDS } from './agent-chatter.js';

/** People, two agents and a room `lab` with all of them; the agents connect after the room exists. */
async function scene(t: TestContext) {
  const hub = await startHub(t);
  const [ada, alpha, beta] = await Promise.all([
    hub.member('ada'),
    hub.member('alpha', 'agent'),
    hub.member('beta', 'agent'),
  ]);
  const person = await RawClient.ready(t, hub.url, ada.token);
  await person.request('room.create', { name: 'lab', members: ['alpha', 'beta'] });
  return { hub, person, alpha, beta };
}

test('two agents that answer each other stop at the room’s wake budget, with one notice', async (t) => {
  const { hub, person, alpha, beta } = await scene(t);
  const updated = await person.request('room.update', { room: 'lab', agent_wake_limit: 3 });
  assert.equal(updated.room.agent_wake_limit, 3);
  const a = await chatterbox(t, hub.url, alpha.token, 'beta', (turn) => `what about the ${WORDS[turn]}?`);
  const b = await chatterbox(t, hub.url, beta.token, 'alpha', (turn) => `I would say ${WORDS[turn + 5]}.`);

  await person.request('send', { room: 'lab', content: '@alpha please settle the plan' });
  const notice = await person.waitFor(isNotice('agent_wake_limit'), 15_000);
  assert.equal(notice.data.sender_kind, 'system');
  assert.deepEqual(notice.data.metadata, { notice: 'agent_wake_limit', agent: 'beta', limit: 3 });
  a.running = false;
  b.running = false;

  // Each session gets its room's events in seq order: once both have this, nothing before it woke them unseen.
  await person.request('send', { room: 'lab', content: '@alpha @beta thanks, that will do' });
  await eventually(() => assert.ok([a, b].every((agent) => agent.heard.at(-1)?.content.startsWith('@alpha @beta'))));
  assert.equal(b.heard.filter((message) => message.sender === 'alpha').length, 3, 'beta was woken three times');
  assert.equal(a.heard.filter((message) => message.sender === 'beta').length, 3, 'alpha was woken three times');
  const history = (await person.request('history', { room: 'lab' })).messages as Message[];
  assert.equal(history.filter((message) => message.metadata.notice === 'agent_wake_limit').length, 1);
  assert.equal(history.filter((message) => message.metadata.notice === 'agent_repeat').length, 0);
  assert.equal(history.filter((message) => message.sender_kind === 'agent').length, 7);
});

test('a scripted loop of one message is stopped by the repeat detector with one notice, and a person restarts it', async (t) => {
  const { hub, person, alpha, beta } = await scene(t);
  const a = await chatterbox(t, hub.url, alpha.token, 'beta', () => 'I agree with you completely.');
  const b = await chatterbox(t, hub.url, beta.token, 'alpha', () => 'I agree with you completely!');

  await person.request('send', { room: 'lab', content: '@alpha do you agree?' });
  const notice = await person.waitFor(isNotice('agent_repeat'), 15_000);
  assert.match(notice.data.content, /Agents are repeating themselves: the same message 3 times within 10 min/);
  a.running = false;
  b.running = false;

  await person.request('send', { room: 'lab', content: '@alpha @beta stop agreeing' });
  await eventually(() =>
    assert.ok([a, b].every((agent) => agent.heard.at(-1)?.content === '@alpha @beta stop agreeing')),
  );
  assert.equal(b.heard.filter((message) => message.sender === 'alpha').length, 1, 'the third repeat woke nobody');
  assert.equal(a.heard.filter((message) => message.sender === 'beta').length, 1);
  const history = (await person.request('history', { room: 'lab' })).messages as Message[];
  assert.equal(history.filter((message) => message.metadata.notice === 'agent_repeat').length, 1);
  assert.equal(history.filter((message) => message.sender_kind === 'agent').length, 3);

  const more = await hub.member('gamma', 'agent');
  await person.request('room.invite', { room: 'lab', member: 'gamma' });
  const gamma = await RawClient.ready(t, hub.url, more.token);
  await gamma.request('send', { room: 'lab', content: '@alpha after a person spoke, agents wake again' });
  await eventually(() => assert.equal(a.heard.at(-1)?.sender, 'gamma'));
});
