import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { addMember, addRoom, coreContext, eventsOf, messaging, refusal, type KitOptions } from './kit.js';

async function messagesKit(t: TestContext, options: KitOptions = {}) {
  const kit = await coreContext(t, options);
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const scout = await addMember(kit.ctx, 'scout', 'agent');
  const critic = await addMember(kit.ctx, 'critic', 'agent');
  const room = await addRoom(kit.ctx, 'lab', 'public', [ada, bob, scout, critic]);
  return { ...kit, ...messaging(kit.ctx), ada, bob, scout, critic, room };
}

test('a mention wakes only the mentioned agent, and never the sender', async (t) => {
  const { messages, published, ada, scout, critic, room } = await messagesKit(t);
  const sent = await messages.send(ada, { room: 'lab', content: 'hey @scout, and @nobody' });
  assert.deepEqual(sent.message.mentions, ['scout'], 'only members of the room count as mentions');
  const created = () => eventsOf(published, { kind: 'message.created', room: room.id });
  assert.deepEqual(created().at(-1)?.agents, [scout.id]);

  await messages.send(scout, { room: 'lab', content: '@scout asks @critic' });
  assert.deepEqual(created().at(-1)?.agents, [critic.id], 'an agent mentioning itself does not wake itself');
  await messages.send(ada, { room: 'lab', content: 'no one in particular' });
  assert.deepEqual(created().at(-1)?.agents, []);
  await messages.send(ada, { room: 'lab', content: '@all stand up' });
  assert.deepEqual(new Set(created().at(-1)?.agents), new Set([scout.id, critic.id]));

  const unknown = await refusal(messages.send(ada, { room: 'lab', content: 'x', targets: ['scout', 'ghost'] }));
  assert.deepEqual([unknown.code, unknown.details], ['unknown_target', { targets: ['ghost'] }]);
});

test('a send repeated with the same client_id is stored once and answered as a duplicate', async (t) => {
  const { ctx, messages, store, published, ada, room } = await messagesKit(t);
  const first = await messages.send(ada, { room: 'lab', content: 'once', client_id: 'c-1' });
  const again = await messages.send(ada, { room: 'lab', content: 'once', client_id: 'c-1' });
  assert.deepEqual([first.duplicate, again.duplicate], [false, true]);
  assert.equal(again.message.id, first.message.id);
  assert.equal(eventsOf(published, { kind: 'message.created', room: room.id }).length, 1, 'one event');
  assert.equal((await store.history(room.id, { limit: 10 })).messages.length, 1);
  assert.equal(ctx.stats.duplicatesSuppressed, 1);
  // Another sender's client_id is its own.
  const bob = await ctx.memberByHandle('bob');
  assert.equal((await messages.send(bob, { room: 'lab', content: 'mine', client_id: 'c-1' })).duplicate, false);
});

test('a member over its rate is refused with the wait, and a second later may send again', async (t) => {
  const { messages, clock, ada, bob } = await messagesKit(t, { memberRateLimit: { perSecond: 1, burst: 2 } });
  await messages.send(ada, { room: 'lab', content: 'one' });
  await messages.send(ada, { room: 'lab', content: 'two' });
  const refused = await refusal(messages.send(ada, { room: 'lab', content: 'three' }));
  assert.deepEqual([refused.code, refused.retryAfterMs], ['rate_limited', 1_000]);
  await messages.send(bob, { room: 'lab', content: 'bob has his own allowance' });
  clock.advance(1_000);
  const three = await messages.send(ada, { room: 'lab', content: 'three' });
  assert.equal(three.message.seq, 8, 'stored after the four joins and three sends before it');
  assert.equal((await refusal(messages.send(ada, { room: 'lab', content: 'four' }))).code, 'rate_limited');
});

test('only the author or an admin edits or deletes a message, and a deleted one stays gone', async (t) => {
  const { ctx, messages, published, ada, bob } = await messagesKit(t);
  const admin = await addMember(ctx, 'root', 'person', 'admin');
  const room = await addRoom(ctx, 'mod', 'private', [ada, bob, admin]);
  const { message } = await messages.send(ada, { room: 'mod', content: 'first draft' });
  assert.equal((await refusal(messages.editMessage(bob, message.id, 'hijacked'))).code, 'forbidden');
  assert.equal((await refusal(messages.deleteMessage(bob, message.id))).code, 'forbidden');
  const outsider = await addMember(ctx, 'outsider');
  assert.equal((await refusal(messages.getMessage(outsider, message.id))).code, 'message_not_found');

  const edited = await messages.editMessage(ada, message.id, 'second draft');
  assert.equal(edited.content, 'second draft');
  assert.ok(edited.edited_at, 'marked edited');
  assert.equal((await messages.editMessage(admin, message.id, 'moderated')).content, 'moderated');

  await messages.deleteMessage(ada, message.id);
  assert.equal((await refusal(messages.editMessage(ada, message.id, 'undead'))).code, 'message_not_found');
  assert.equal((await refusal(messages.react(bob, message.id, '👍', true))).code, 'message_not_found');
  const deleted = await messages.getMessage(bob, message.id);
  assert.deepEqual([deleted.deleted, deleted.content], [true, '']);
  assert.deepEqual(
    eventsOf(published, { room: room.id })
      .filter((e) => e.kind.startsWith('message.'))
      .map((e) => e.kind),
    ['message.created', 'message.updated', 'message.updated', 'message.deleted'],
  );
});

test('agents talking among themselves stop waking each other past the depth limit, with one notice', async (t) => {
  const { messages, published, ada, scout, critic, room } = await messagesKit(t, { defaultAgentDepthLimit: 2 });
  const wakes = async (sender: typeof ada, content: string) => {
    await messages.send(sender, { room: 'lab', content });
    return eventsOf(published, { kind: 'message.created', room: room.id }).at(-1)?.agents;
  };
  assert.deepEqual(await wakes(scout, '@critic your turn'), [critic.id]);
  assert.deepEqual(await wakes(critic, '@scout yours'), [scout.id]);
  assert.deepEqual(await wakes(scout, '@critic again'), [], 'the third agent message in a row wakes no one');
  const notices = () =>
    eventsOf(published, { kind: 'message.created', room: room.id }).filter((e) => e.actor === 'system');
  assert.equal(notices().length, 1);
  assert.equal((notices()[0]!.data.metadata as { notice: string }).notice, 'agent_depth_limit');
  assert.deepEqual(await wakes(critic, '@scout and again'), []);
  assert.equal(notices().length, 1, 'told once, not once per message');
  assert.deepEqual(await wakes(ada, '@scout a person speaks'), [scout.id], 'a person resets the chain');
});
