/** The wake budget and the repeat detector, over the real SQLite store, the in-process limiter and a manual clock. */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { normalizedText } from '../../src/core/loop-detector.js';
import { publicRoom } from '../../src/core/wire.js';
import { addMember, addRoom, coreContext, eventsOf, messaging, type KitOptions } from './kit.js';

async function loopsKit(t: TestContext, options: KitOptions = {}) {
  const kit = await coreContext(t, options);
  const ada = await addMember(kit.ctx, 'ada');
  const scout = await addMember(kit.ctx, 'scout', 'agent');
  const echo = await addMember(kit.ctx, 'echo', 'agent');
  const lab = await addRoom(kit.ctx, 'lab', 'public', [ada, scout, echo]);
  const created = () => eventsOf(kit.published, { kind: 'message.created', room: lab.id });
  const notices = (kind: string) => created().filter((event) => event.data.metadata?.notice === kind);
  return { ...kit, ...messaging(kit.ctx), ada, scout, echo, lab, created, notices };
}

const WORDS = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'];

test('two agents answering each other stop at the wake budget, with one notice', async (t) => {
  const { messages, clock, scout, echo, ada, created, notices } = await loopsKit(t, { agentWakesPerMinute: 3 });
  const woke = new Map<string, number>();
  for (let turn = 0; turn < 10; turn += 1) {
    const [from, to] = turn % 2 === 0 ? [scout, echo] : [echo, scout];
    await messages.send(from, { room: 'lab', content: `@${to.handle} ${WORDS[turn]}` });
    const event = created().findLast((e) => e.actor === from.handle)!;
    for (const id of event.agents ?? []) woke.set(id, (woke.get(id) ?? 0) + 1);
  }
  assert.deepEqual([woke.get(scout.id), woke.get(echo.id)], [3, 3], 'three wakes a minute each, then none');
  const told = notices('agent_wake_limit');
  assert.equal(told.length, 2, 'one notice for each agent, not one per refused wake');
  assert.deepEqual(
    told.map((event) => event.data.metadata),
    [
      { notice: 'agent_wake_limit', agent: 'echo', limit: 3 },
      { notice: 'agent_wake_limit', agent: 'scout', limit: 3 },
    ],
  );
  assert.match(String(told[0]!.data.content), /@echo was woken 3 times in a minute by agents in this room/);

  await messages.send(ada, { room: 'lab', content: '@echo people are never held back' });
  assert.deepEqual(created().at(-1)!.agents, [echo.id]);
  clock.advance(60_000);
  await messages.send(scout, { room: 'lab', content: '@echo a minute later' });
  assert.deepEqual(created().at(-1)!.agents, [echo.id], 'the budget refills with time');
});

test('a room owner’s wake limit replaces the hub’s, and 0 lifts it', async (t) => {
  const { ctx, messages, scout, echo, lab, created } = await loopsKit(t, { agentWakesPerMinute: 1 });
  await ctx.store.updateRoom(lab.id, { agent_wake_limit: 0 }, (room) => ({
    kind: 'room.updated',
    actor: 'ada',
    at: ctx.now(),
    data: { room: publicRoom(room) },
    agents: null,
  }));
  for (const word of WORDS.slice(0, 5)) await messages.send(scout, { room: 'lab', content: `@echo ${word}` });
  assert.ok(
    created().every((event) => event.actor !== 'scout' || event.agents?.includes(echo.id)),
    'no limit: every wake goes through',
  );
});

test('an agent repeating itself to another agent ends the chain until a person posts, with one notice', async (t) => {
  const { messages, scout, echo, ada, created, notices } = await loopsKit(t);
  await messages.send(scout, { room: 'lab', content: '@echo Attempt 1: retrying the build.' });
  await messages.send(echo, { room: 'lab', content: '@scout it failed again' });
  await messages.send(scout, { room: 'lab', content: '@echo attempt 2 — retrying the build!' });
  assert.deepEqual(created().at(-1)!.agents, [echo.id], 'two repeats are not a loop');
  await messages.send(scout, { room: 'lab', content: '@echo ATTEMPT 3: retrying   the build' });
  assert.deepEqual(created().at(-2)!.agents, [], 'the third repeat wakes nobody');
  assert.equal(notices('agent_repeat').length, 1);
  assert.match(String(notices('agent_repeat')[0]!.data.content), /repeating themselves: the same message 3 times/);

  await messages.send(echo, { room: 'lab', content: '@scout something else entirely' });
  await messages.send(scout, { room: 'lab', content: '@echo attempt 4: retrying the build' });
  assert.ok(
    created()
      .filter((event) => event.actor !== 'system')
      .slice(-2)
      .every((event) => event.agents?.length === 0),
    'no agent is woken until a person posts',
  );
  assert.equal(notices('agent_repeat').length, 1, 'one notice, not one per repeat');

  await messages.send(ada, { room: 'lab', content: '@scout stop retrying and tell me what broke' });
  await messages.send(scout, { room: 'lab', content: '@echo the linker is out of memory' });
  assert.deepEqual(created().at(-1)!.agents, [echo.id], 'a person’s post starts a new chain');
});

test('a normal conversation, and repeats that wake no agent or are far apart, do not stop anyone', async (t) => {
  const { messages, clock, scout, echo, ada, created, notices } = await loopsKit(t);
  const script: Array<[typeof scout, string]> = [
    [ada, '@scout can you look at the failing deploy?'],
    [scout, '@echo can you fetch the deploy logs for build 41?'],
    [echo, '@scout here are the logs: the migration step timed out.'],
    [scout, '@echo thanks. Which migration?'],
    [echo, '@scout number 12, the index on messages.'],
    [scout, '@echo ok'],
    [echo, '@scout ok, anything else?'],
    [scout, '@echo no, thanks'],
  ];
  for (const [from, content] of script) await messages.send(from, { room: 'lab', content });
  for (let i = 0; i < 3; i += 1) await messages.send(scout, { room: 'lab', content: `Build ${i} is green.` });
  // A person's post: the agent chain starts again, so the depth limit is not what is tested below.
  await messages.send(ada, { room: 'lab', content: 'carry on' });
  for (let i = 0; i < 3; i += 1) {
    await messages.send(scout, { room: 'lab', content: '@echo status check' });
    clock.advance(600_000);
  }
  assert.equal(notices('agent_repeat').length, 0);
  assert.deepEqual(created().at(-1)!.agents, [echo.id]);
});

test('a streamed reply is checked for repeats when it is done', async (t) => {
  const { messages, streams, scout, created, notices } = await loopsKit(t);
  for (let i = 0; i < 3; i += 1) {
    const { message } = await streams.startStream(scout, { room: 'lab', content: '@echo ' });
    await streams.streamDone(scout, message.id, { content: '@echo I will try again.' });
  }
  assert.equal(notices('agent_repeat').length, 1);
  await messages.send(scout, { room: 'lab', content: '@echo anything new' });
  assert.deepEqual(created().at(-1)!.agents, [], 'after the loop, agents wait for a person');
});

test('normalized text ignores case, mentions, digits, punctuation, symbols and spacing', () => {
  assert.equal(normalizedText('  Retry #2:\n FAILED!!  '), 'retry failed');
  assert.equal(normalizedText('@alpha I agree.'), normalizedText('@beta-2 i AGREE'));
  assert.equal(normalizedText('retry 3 failed'), 'retry failed');
  assert.equal(normalizedText('👍 42'), '');
  assert.notEqual(normalizedText('retry failed'), normalizedText('retry passed'));
});
