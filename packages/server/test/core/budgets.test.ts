import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { addMember, addRoom, coreContext, eventsOf, messaging, refusal, type KitOptions } from './kit.js';

const usage = (input_tokens: number, output_tokens: number) => ({ usage: { input_tokens, output_tokens } });

async function budgetsKit(t: TestContext, options: KitOptions = {}) {
  const kit = await coreContext(t, options);
  const ada = await addMember(kit.ctx, 'ada');
  const scout = await addMember(kit.ctx, 'scout', 'agent');
  const lab = await addRoom(kit.ctx, 'lab', 'public', [ada, scout]);
  const den = await addRoom(kit.ctx, 'den', 'public', [ada, scout]);
  return { ...kit, ...messaging(kit.ctx), ada, scout, lab, den };
}

test('an agent over its budget in a room is refused until the hour has passed, and the room is told once', async (t) => {
  const { messages, notices, published, clock, scout, ada, lab } = await budgetsKit(t, { agentTokenBudget: 100 });
  await messages.send(scout, { room: 'lab', content: 'a long answer', metadata: usage(60, 50) });

  const refused = await refusal(messages.send(scout, { room: 'lab', content: 'and more' }));
  assert.deepEqual([refused.code, refused.retryAfterMs], ['budget_exhausted', 3_600_000]);
  clock.advance(1_800_000);
  const later = await refusal(messages.send(scout, { room: 'lab', content: 'still more' }));
  assert.deepEqual([later.code, later.retryAfterMs], ['budget_exhausted', 1_800_000]);
  await Promise.all(notices);
  const told = eventsOf(published, { kind: 'message.created', room: lab.id }).filter((e) => e.actor === 'system');
  assert.equal(told.length, 1, 'one notice per exhaustion, not one per refusal');
  assert.deepEqual(told[0]!.data.metadata, { notice: 'budget_exhausted', agent: 'scout' });
  assert.match(String(told[0]!.data.content), /@scout has used its token budget .* about 60 min/);

  await messages.send(ada, { room: 'lab', content: 'people have no budget', metadata: usage(500, 500) });
  clock.advance(1_800_000);
  const again = await messages.send(scout, { room: 'lab', content: 'back after an hour' });
  assert.equal(again.duplicate, false);
});

test('a budget counts per room, from both the input and output tokens a reply reports', async (t) => {
  const { messages, scout } = await budgetsKit(t, { agentTokenBudget: 100 });
  await messages.send(scout, { room: 'lab', content: 'small', metadata: usage(40, 9) });
  await messages.send(scout, { room: 'lab', content: 'small', metadata: usage(50, 0) });
  await messages.send(scout, {
    room: 'lab',
    content: 'still under: 99 tokens',
    metadata: { usage: { output_tokens: -5 } },
  });
  await messages.send(scout, { room: 'lab', content: 'this one tips it', metadata: usage(1, 0) });
  assert.equal((await refusal(messages.send(scout, { room: 'lab', content: 'over' }))).code, 'budget_exhausted');
  await messages.send(scout, { room: 'den', content: 'another room has its own hour' });
});

test('a streamed reply spends when it is done, and a hosted agent’s own budget replaces the hub’s', async (t) => {
  const { messages, streams, budgets, scout, ada } = await budgetsKit(t);
  const { message } = await streams.startStream(scout, { room: 'lab' });
  await streams.streamDone(scout, message.id, { content: 'done', metadata: usage(10, 10) });
  await messages.send(scout, { room: 'lab', content: 'no hub-wide budget: no limit' });

  budgets.setAgentBudget(scout.id, 20);
  const next = await streams.startStream(scout, { room: 'lab' });
  await streams.streamDone(scout, next.message.id, { content: 'done', metadata: usage(0, 20) });
  assert.equal((await refusal(streams.startStream(scout, { room: 'lab' }))).code, 'budget_exhausted');
  assert.equal((await messages.send(ada, { room: 'lab', content: '@scout?' })).duplicate, false);
});
