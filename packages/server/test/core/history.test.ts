import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { History } from '../../src/core/history.js';
import { addMember, addRoom, coreContext, messaging, refusal } from './kit.js';

async function historyKit(t: TestContext) {
  const kit = await coreContext(t);
  const wired = messaging(kit.ctx);
  const history = new History(kit.ctx, wired.streams, (member, messages) =>
    wired.receipts.deliveredMessages(member, messages),
  );
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const scout = await addMember(kit.ctx, 'scout', 'agent');
  const lab = await addRoom(kit.ctx, 'lab', 'public', [ada, scout]);
  const secret = await addRoom(kit.ctx, 'secret', 'private', [ada, scout]);
  return { ...kit, ...wired, history, ada, bob, scout, lab, secret };
}

test('a public room is read before joining; a private one only by its members', async (t) => {
  const { history, messages, ada, bob } = await historyKit(t);
  await messages.send(ada, { room: 'lab', content: 'open to all' });
  await messages.send(ada, { room: 'secret', content: 'between us' });
  const page = await history.page(bob, { room: 'lab' });
  assert.deepEqual(
    page.messages.map((m) => m.content),
    ['open to all'],
  );
  assert.equal((await refusal(history.page(bob, { room: 'secret' }))).code, 'room_not_found');
  assert.equal((await refusal(history.recent(bob, { room: 'lab', limit: 10 }))).code, 'not_member');
  assert.deepEqual(await history.recent(bob, { limit: 10 }), [], 'recent reads only the rooms one is in');
});

test('pages go back from the end and forward from a cursor, saying whether more remain', async (t) => {
  const { history, messages, clock, ada } = await historyKit(t);
  const sent = [];
  for (let i = 1; i <= 5; i++) {
    sent.push((await messages.send(ada, { room: 'lab', content: `m${i}` })).message);
    clock.advance(1_000);
  }
  const contents = (page: { messages: Array<{ content: string }> }) => page.messages.map((m) => m.content);
  const last = await history.page(ada, { room: 'lab', limit: 2 });
  assert.deepEqual([contents(last), last.has_more], [['m4', 'm5'], true]);
  const before = await history.page(ada, { room: 'lab', limit: 2, before: last.messages[0]!.seq });
  assert.deepEqual([contents(before), before.has_more], [['m2', 'm3'], true]);
  const first = await history.page(ada, { room: 'lab', limit: 2, before: before.messages[0]!.seq });
  assert.deepEqual([contents(first), first.has_more], [['m1'], false]);
  const forward = await history.page(ada, { room: 'lab', limit: 3, after: sent[0]!.seq });
  assert.deepEqual([contents(forward), forward.has_more], [['m2', 'm3', 'm4'], true]);
  const since = await history.page(ada, { room: 'lab', limit: 10, after_time: sent[2]!.created_at });
  assert.deepEqual(contents(since), ['m4', 'm5'], 'by time, strictly after');
});

test('a thread is read within its room; another room’s message is refused as a missing one is', async (t) => {
  const { history, messages, ada, scout } = await historyKit(t);
  const root = (await messages.send(ada, { room: 'lab', content: 'root' })).message;
  await messages.send(scout, { room: 'lab', content: 'reply 1', thread_id: root.id });
  await messages.send(ada, { room: 'lab', content: 'not in the thread' });
  await messages.send(ada, { room: 'lab', content: 'reply 2', thread_id: root.id });
  const thread = await history.page(ada, { room: 'lab', thread_id: root.id });
  assert.deepEqual(
    thread.messages.map((m) => m.content),
    ['reply 1', 'reply 2'],
  );
  const elsewhere = (await messages.send(ada, { room: 'secret', content: 'elsewhere' })).message;
  assert.equal((await refusal(history.page(ada, { room: 'lab', thread_id: elsewhere.id }))).code, 'thread_mismatch');
  assert.equal((await refusal(history.page(ada, { room: 'lab', thread_id: 'msg_nope' }))).code, 'thread_mismatch');
  assert.deepEqual(
    (await history.page(ada, { room: 'lab', sender: 'scout' })).messages.map((m) => m.content),
    ['reply 1'],
  );
});

test('a page shows a streaming message with its text so far, and recent lists what reached an agent', async (t) => {
  const { history, messages, streams, ada, scout } = await historyKit(t);
  const { message } = await streams.startStream(scout, { room: 'lab', content: 'Let me ' });
  streams.streamDelta(scout, message.id, 'think');
  const page = await history.page(ada, { room: 'lab' });
  assert.deepEqual(
    page.messages.map((m) => [m.status, m.content]),
    [['streaming', 'Let me think']],
  );

  await messages.send(ada, { room: 'lab', content: 'not for the agent' });
  await messages.send(ada, { room: 'lab', content: '@scout for the agent' });
  await messages.send(ada, { room: 'secret', content: 'private, but addressed to no one' });
  const reached = await history.recent(ada, { agent: 'scout', limit: 10 });
  assert.deepEqual(
    reached.map((m) => m.content),
    ['@scout for the agent'],
  );
  assert.equal((await history.recent(ada, { limit: 10 })).length, 4, 'without an agent, every message of her rooms');
});

test('a reply’s id pages the whole thread it is in, and recent shows a stream’s text so far', async (t) => {
  const { history, messages, streams, ada, scout } = await historyKit(t);
  const root = (await messages.send(ada, { room: 'lab', content: 'root' })).message;
  const first = (await messages.send(ada, { room: 'lab', content: 'r1', thread_id: root.id })).message;
  await messages.send(ada, { room: 'lab', content: 'r2', thread_id: first.id });
  const byReply = await history.page(ada, { room: 'lab', thread_id: first.id });
  assert.deepEqual(
    byReply.messages.map((m) => m.content),
    ['r1', 'r2'],
  );

  const { message } = await streams.startStream(scout, { room: 'lab', content: 'Let me ' });
  streams.streamDelta(scout, message.id, 'think');
  const recent = await history.recent(ada, { limit: 10 });
  assert.equal(recent.find((m) => m.id === message.id)?.content, 'Let me think');
});
