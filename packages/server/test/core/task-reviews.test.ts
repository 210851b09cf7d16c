import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CreateTaskParams, RequestSchemas } from '@roundtable/protocol';
import { Rooms } from '../../src/core/rooms.js';
import { addMember, addRoom, coreContext, eventsOf, messaging, noReceipts, refusal, taskBoard } from './kit.js';

async function reviewsKit(t: TestContext) {
  const kit = await coreContext(t);
  const { messages } = messaging(kit.ctx);
  const rooms = new Rooms(kit.ctx, () => 'offline', noReceipts);
  const tasks = taskBoard(kit.ctx, rooms, messages);
  t.after(() => tasks.close());
  const ada = await addMember(kit.ctx, 'ada');
  const critic = await addMember(kit.ctx, 'critic', 'agent', 'member', { capabilities: ['review'] });
  const bob = await addMember(kit.ctx, 'bob');
  return { ...kit, tasks, ada, critic, bob };
}

const review = (input: Omit<CreateTaskParams, 'kind'>) => CreateTaskParams.parse({ ...input, kind: 'review' });
const answer = (input: object) => RequestSchemas['review.answer'].parse(input);

test('a review request opens a room for requester and reviewer, with a card addressed to the reviewer alone', async (t) => {
  const { ctx, tasks, published, ada, critic, bob } = await reviewsKit(t);
  const { task } = await tasks.reviews.request(
    ada,
    review({ reviewer: 'critic', subject: 'commit 1a2b', summary: 'why' }),
  );
  assert.deepEqual(
    [task.kind, task.title, task.description, task.status, task.thread_id, task.review?.decision],
    ['review', 'Review: commit 1a2b', 'why', 'pending', null, null],
  );
  const members = await ctx.roomMembers(task.room);
  assert.deepEqual([members.has(ada.id), members.has(critic.id), members.has(bob.id)], [true, true, false]);
  const card = await ctx.store.messageById(task.review!.message_id);
  assert.deepEqual([card?.room, card?.mentions, card?.sender_kind], [task.room, ['critic'], 'system']);
  assert.equal((card?.metadata.review as { requester: string }).requester, 'ada');
  assert.deepEqual(
    eventsOf(published, { kind: 'task.created', room: task.room }).map((event) => event.agents),
    [[critic.id]],
    'the reviewer agent hears of it',
  );
  assert.equal(await tasks.claim(critic, ['review']), null, 'no worker claims a review');
});

test('only the reviewer answers, once; the card shows the answer and the requester is told in its thread', async (t) => {
  const { ctx, tasks, ada, critic, bob } = await reviewsKit(t);
  await addRoom(ctx, 'lab', 'public', [ada, bob]);
  const { task } = await tasks.reviews.request(ada, review({ reviewer: 'critic', subject: 'feat/x', room: 'lab' }));
  assert.equal(task.thread_id, task.review?.message_id, 'the card starts the task’s thread');
  assert.ok((await ctx.roomMembers(task.room)).has(critic.id), 'the reviewer joined the public room');

  assert.equal(
    (await refusal(tasks.reviews.answer(bob, answer({ task: task.id, decision: 'approve' })))).code,
    'forbidden',
  );
  const done = await tasks.reviews.answer(critic, answer({ task: task.id, decision: 'approve', note: 'ship it' }));
  assert.deepEqual([done.status, done.review?.decision, done.review?.note], ['completed', 'approve', 'ship it']);
  const again = await refusal(tasks.reviews.answer(critic, answer({ task: task.id, decision: 'request_changes' })));
  assert.equal(again.code, 'invalid_transition');

  const card = await ctx.store.messageById(task.review!.message_id);
  assert.match(card!.content, /critic approved/);
  const replies = await ctx.store.history(task.room, { limit: 10, threadId: task.review!.message_id });
  assert.deepEqual(
    replies.messages.map((message) => [message.mentions, message.metadata.review_answer]),
    [[['ada'], 'approve']],
  );
});

test('a review needs a reviewer who can be reached, and a work task is answered as no review', async (t) => {
  const { ctx, tasks, ada, critic } = await reviewsKit(t);
  await addRoom(ctx, 'secret', 'private', [ada]);
  const cases = await Promise.all([
    refusal(tasks.reviews.request(ada, review({ subject: 'x' }))),
    refusal(tasks.reviews.request(ada, review({ reviewer: 'nobody', subject: 'x' }))),
    refusal(tasks.reviews.request(ada, review({ reviewer: 'critic', subject: 'x', room: 'secret' }))),
  ]);
  assert.deepEqual(
    cases.map((error) => error.code),
    ['invalid_request', 'member_not_found', 'not_member'],
  );
  const { task: work } = await tasks.create(ada, CreateTaskParams.parse({ title: 'build' }));
  const notReview = await refusal(tasks.reviews.answer(critic, answer({ task: work.id, decision: 'approve' })));
  assert.equal(notReview.code, 'task_not_found', 'a task the reviewer cannot see does not exist for them');
  const mine = await refusal(tasks.reviews.answer(ada, answer({ task: work.id, decision: 'approve' })));
  assert.equal(mine.code, 'invalid_request');
});
