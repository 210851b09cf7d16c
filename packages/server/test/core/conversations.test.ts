import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Conversations } from '../../src/core/conversations.js';
import { Rooms } from '../../src/core/rooms.js';
import { addMember, coreContext, eventsOf, messaging, noReceipts, refusal } from './kit.js';

async function conversationsKit(t: TestContext) {
  const kit = await coreContext(t);
  const wired = messaging(kit.ctx, {
    untitledConversation: (sender, roomId, message) => conversations.titleFromFirstMessage(sender, roomId, message),
  });
  const rooms = new Rooms(kit.ctx, () => 'offline', noReceipts);
  const conversations: Conversations = new Conversations(kit.ctx, rooms, wired.messages);
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const helper = await addMember(kit.ctx, 'helper', 'agent');
  return { ...kit, ...wired, rooms, conversations, ada, bob, helper };
}

test('a person starts a conversation with an agent: titled by its first line, the agent woken, no one else let in', async (t) => {
  const { conversations, messages, published, ada, bob, helper } = await conversationsKit(t);
  const { conversation, message } = await conversations.createConversation(ada, {
    agent: 'helper',
    content: 'Plan my trip to Lisbon\nthree days, in May',
  });
  assert.deepEqual(
    [conversation.title, conversation.owner, conversation.agent, conversation.message_count],
    ['Plan my trip to Lisbon', 'ada', 'helper', 1],
  );
  assert.equal(conversation.last_message?.id, message?.id);
  const created = eventsOf(published, { kind: 'message.created', room: conversation.id });
  assert.deepEqual(created[0]?.agents, [helper.id], 'every message of a conversation wakes its agent');

  assert.equal((await refusal(messages.send(bob, { room: conversation.id, content: 'hi' }))).code, 'room_not_found');
  assert.equal(
    (await refusal(conversations.createConversation(helper, { agent: 'helper', content: 'x' }))).code,
    'forbidden',
  );
  assert.equal(
    (await refusal(conversations.createConversation(ada, { agent: 'bob', content: 'x' }))).code,
    'invalid_request',
  );
});

test('a create repeated with its client_id returns the same conversation, and lists put the latest activity first', async (t) => {
  const { conversations, messages, clock, ada, helper } = await conversationsKit(t);
  const first = await conversations.createConversation(ada, { agent: 'helper', content: 'first', client_id: 'c-1' });
  const again = await conversations.createConversation(ada, { agent: 'helper', content: 'first', client_id: 'c-1' });
  assert.deepEqual([again.conversation.id, again.message?.id], [first.conversation.id, first.message?.id]);
  clock.advance(1_000);
  const second = await conversations.createConversation(ada, { agent: 'helper', content: 'second' });
  assert.deepEqual(
    (await conversations.listConversations(ada)).conversations.map((c) => c.title),
    ['second', 'first'],
  );
  clock.advance(1_000);
  await messages.send(helper, { room: first.conversation.id, content: 'an answer, long after' });
  const listed = (await conversations.listConversations(ada)).conversations;
  assert.deepEqual(
    listed.map((c) => [c.title, c.message_count]),
    [
      ['first', 2],
      ['second', 1],
    ],
  );
  assert.equal(listed[0]!.last_message?.sender, 'helper');
  assert.deepEqual(
    (await conversations.listConversations(helper)).conversations.map((c) => c.id).sort(),
    [first.conversation.id, second.conversation.id].sort(),
    'the agent lists the conversations it is in',
  );
  clock.advance(1_000);
  await conversations.renameConversation(ada, second.conversation.id, 'renamed');
  const page = await conversations.listConversations(ada, { limit: 1 });
  assert.deepEqual(
    page.conversations.map((c) => c.title),
    ['renamed'],
    'a rename counts as activity, and pages are as long as asked',
  );
  const rest = await conversations.listConversations(ada, { limit: 1, cursor: page.next! });
  assert.deepEqual([rest.conversations.map((c) => c.title), rest.next], [['first'], null]);
});

test('only the person who started it renames or deletes a conversation; deleted, it is gone for both', async (t) => {
  const { conversations, messages, store, rooms, ada, helper } = await conversationsKit(t);
  const { conversation } = await conversations.createConversation(ada, { agent: 'helper', content: 'hello' });
  assert.equal((await refusal(conversations.renameConversation(helper, conversation.id, 'mine'))).code, 'forbidden');
  assert.equal((await conversations.renameConversation(ada, conversation.id, '  Lisbon  ')).title, 'Lisbon');
  assert.equal((await refusal(rooms.leaveRoom(ada, conversation.id))).code, 'forbidden', 'deleted, not left');
  assert.equal((await refusal(conversations.deleteConversation(helper, conversation.id))).code, 'forbidden');

  await conversations.deleteConversation(ada, conversation.id);
  assert.deepEqual(await conversations.listConversations(ada), { conversations: [], next: null });
  assert.deepEqual(await conversations.listConversations(helper), { conversations: [], next: null });
  assert.equal(
    (await refusal(messages.send(helper, { room: conversation.id, content: 'still there?' }))).code,
    'room_not_found',
  );
  assert.equal(await store.countMessages(conversation.id), 1, 'its messages are kept in the store');
  assert.equal((await refusal(conversations.renameConversation(ada, conversation.id, 'back'))).code, 'room_not_found');
});

test('started empty, a conversation is untitled until its first message, whoever sends it, titles it once', async (t) => {
  const { conversations, messages, published, ada, helper } = await conversationsKit(t);
  const { conversation, message } = await conversations.createConversation(ada, { agent: 'helper' });
  assert.deepEqual(
    [message, conversation.title, conversation.message_count, conversation.preview, conversation.last_message],
    [null, 'New conversation', 0, null, null],
  );
  await messages.send(helper, { room: conversation.id, content: 'Hello! What shall we plan?\nAsk away.' });
  await messages.send(ada, { room: conversation.id, content: 'A trip' });
  const [listed] = (await conversations.listConversations(ada)).conversations;
  assert.deepEqual([listed?.title, listed?.preview], ['Hello! What shall we plan?', 'A trip']);
  const titled = eventsOf(published, { kind: 'room.updated', room: conversation.id });
  assert.deepEqual(
    titled.map((event) => [event.actor, event.data.room.title]),
    [['helper', 'Hello! What shall we plan?']],
  );
  assert.equal(
    (await refusal(conversations.createConversation(ada, { agent: 'helper', client_id: 'c-9' }))).code,
    'invalid_request',
    'a client_id is its first message’s',
  );
});
