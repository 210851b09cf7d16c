/**
 * A Wegent client against the hub, as it was written for the Wegent chat engine: a task's chat at
 * /api/v1/tasks/{id}/chat with `chat:*`, `task:*` and `history:sync` events, the personal channel
 * at /api/v1/users/me/events, and the task list filtered by upper-case statuses and creation time.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CloseCode } from '@roundtable/protocol';
import { RawClient, WegentClient, eventually, startHub, type TestHub } from '@roundtable/testkit';

const chatPath = (task: string) => `/api/v1/tasks/${task}/chat`;
const EVENTS = '/api/v1/users/me/events';

async function setUp(t: TestContext) {
  const hub = await startHub(t);
  const [alice, bob, helper] = await Promise.all([
    hub.member('alice'),
    hub.member('bob'),
    hub.member('helper', 'agent'),
  ]);
  const task = await newTask(hub, alice.token, 'Summarize the report');
  // The agent that answers in the task's chat is a member of its room, as a worker becomes one.
  await hub.api(alice.token, 'POST', `/api/v1/rooms/${task.room}/invite`, { member: 'helper' });
  const agent = await RawClient.ready(t, hub.url, helper.token);
  return { hub, alice, bob, helper, task, agent };
}

async function newTask(hub: TestHub, token: string, title: string, extra: Record<string, unknown> = {}) {
  const created = await hub.api(token, 'POST', '/api/v1/tasks', { title, ...extra });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  return created.body.task as { id: string; room: string; thread_id: string | null; status: string };
}

test('a message sent on a task’s chat comes back as chat:message, and a streamed reply as start, chunks and done', async (t) => {
  const { hub, alice, task, agent } = await setUp(t);
  const chat = await WegentClient.open(t, hub.url, alice.token, chatPath(task.id));

  const sent = await chat.emit('chat:send', { content: 'Please summarize', client_id: 'c-1' });
  assert.equal(sent.task_id, task.id);
  const message = await chat.next('chat:message', (data) => data.message_id === sent.message_id);
  assert.equal(message.content, 'Please summarize');
  assert.equal(message.client_id, 'c-1');
  assert.equal(message.task_id, task.id);

  const started = await agent.request('stream.start', { room: task.room });
  const id = started.message.id;
  await agent.request('stream.delta', { message: id, delta: 'The report ' });
  await agent.request('stream.delta', { message: id, delta: 'is short.' });
  await agent.request('stream.done', { message: id, metadata: { usage: { input_tokens: 12, output_tokens: 4 } } });

  const start = await chat.next('chat:start', (data) => data.message_id === id);
  assert.deepEqual(start, { task_id: task.id, message_id: id, sender: 'helper' });
  const done = await chat.next('chat:done', (data) => data.message_id === id);
  assert.equal(done.content, 'The report is short.');
  assert.deepEqual(done.usage, { input_tokens: 12, output_tokens: 4 });
  const chunks = chat.events('chat:chunk').filter((data) => data.message_id === id);
  assert.deepEqual(
    chunks.map((data) => [data.index, data.content]),
    [
      [0, 'The report '],
      [1, 'is short.'],
    ],
  );
  assert.ok(
    chunks.every((data) => data.task_id === task.id),
    'every chunk names its task',
  );
});

test('a retried chat:send is stored once and answered with the first message', async (t) => {
  const { hub, alice, task } = await setUp(t);
  const chat = await WegentClient.open(t, hub.url, alice.token, chatPath(task.id));
  const first = await chat.emit('chat:send', { content: 'once', client_id: 'retry-1' });
  const second = await chat.emit('chat:send', { content: 'once', client_id: 'retry-1' });
  assert.equal(second.message_id, first.message_id);
  assert.equal(second.duplicate, true);
  const history = await hub.api(alice.token, 'GET', `/api/v1/rooms/${task.room}/messages`);
  assert.equal(history.body.messages.filter((m: { content: string }) => m.content === 'once').length, 1);
});

test('chat:cancel stops the latest streaming reply, and a failed reply is chat:error', async (t) => {
  const { hub, alice, task, agent } = await setUp(t);
  const chat = await WegentClient.open(t, hub.url, alice.token, chatPath(task.id));

  const id = (await agent.request('stream.start', { room: task.room, content: 'Half' })).message.id;
  await chat.next('chat:start', (data) => data.message_id === id);
  const cancelled = await chat.emit('chat:cancel', {});
  assert.deepEqual(cancelled, { task_id: task.id, message_id: id });
  const stopped = await chat.next('chat:cancelled', (data) => data.message_id === id);
  assert.equal(stopped.content, 'Half');
  assert.equal((await chat.emitError('chat:cancel', {})).code, 'not_streaming');

  const failing = (await agent.request('stream.start', { room: task.room })).message.id;
  await agent.request('stream.error', { message: failing, error: 'model unavailable' });
  const error = await chat.next('chat:error', (data) => data.message_id === failing);
  assert.deepEqual(error, { task_id: task.id, message_id: failing, error: 'model unavailable' });
});

test('history:sync after the last message seen resumes with no gap and no duplicate, even while messages arrive', async (t) => {
  const { hub, alice, bob, task } = await setUp(t);
  await hub.api(alice.token, 'POST', `/api/v1/rooms/${task.room}/invite`, { member: 'bob' });
  const first = await WegentClient.open(t, hub.url, alice.token, chatPath(task.id));
  for (const content of ['one', 'two']) await first.emit('chat:send', { content });
  const lastSeen = (await first.next('chat:message', (data) => data.content === 'two')).message_id;
  first.close();

  const post = (content: string) => hub.api(bob.token, 'POST', `/api/v1/rooms/${task.room}/messages`, { content });
  for (const content of ['three', 'four', 'five']) await post(content);
  const second = await WegentClient.open(t, hub.url, alice.token, chatPath(task.id));
  // Messages keep coming while the history is read, page by page: each must reach the client once.
  const racing = Promise.all(['six', 'seven', 'eight'].map(post));
  const pages: Array<Record<string, any>> = [];
  let after = lastSeen;
  for (;;) {
    const answer = await second.emit('history:sync', { after, limit: 2 });
    pages.push(second.events('history:sync').at(-1)!);
    if (!answer.has_more) break;
    after = answer.last;
  }
  await racing;
  const expected = ['three', 'four', 'five', 'six', 'seven', 'eight'];
  await eventually(() => {
    const seen = [
      ...pages.flatMap((page) => page.messages.map((m: { content: string }) => m.content)),
      ...second.events('chat:message').map((m) => m.content),
    ];
    assert.deepEqual([...seen].sort(), [...expected].sort(), `each message once: ${seen.join(', ')}`);
  });
  assert.ok(pages.length >= 2, 'the history came in pages');
});

test('history:sync without `after` gives the latest messages, oldest first', async (t) => {
  const { hub, alice, task } = await setUp(t);
  const chat = await WegentClient.open(t, hub.url, alice.token, chatPath(task.id));
  for (const content of ['a', 'b', 'c']) await chat.emit('chat:send', { content });
  await chat.emit('history:sync', { limit: 2 });
  const page = await chat.next('history:sync');
  assert.deepEqual(
    page.messages.map((m: { content: string }) => m.content),
    ['b', 'c'],
  );
  assert.equal(page.has_more, true);
  assert.equal(page.task_id, task.id);
});

test('task:status carries upper-case statuses, and task:join follows another task on the same socket', async (t) => {
  const { hub, alice, task } = await setUp(t);
  const other = await newTask(hub, alice.token, 'Second task');
  const chat = await WegentClient.open(t, hub.url, alice.token, chatPath(task.id));
  assert.deepEqual(await chat.emit('task:join', { task_id: other.id }), { task_id: other.id, status: 'PENDING' });

  await hub.api(alice.token, 'POST', `/api/v1/tasks/${other.id}/cancel`, { reason: 'not needed' });
  const status = await chat.next('task:status', (data) => data.task_id === other.id);
  assert.equal(status.status, 'CANCELLED');
  assert.equal(status.previous, 'PENDING');
  assert.equal(status.task.status, 'CANCELLED');

  const sent = await chat.emit('chat:send', { content: 'to the second', task_id: other.id });
  const message = await chat.next('chat:message', (data) => data.message_id === sent.message_id);
  assert.equal(message.task_id, other.id);

  await chat.emit('task:leave', { task_id: other.id });
  await hub.api(alice.token, 'POST', `/api/v1/rooms/${other.room}/messages`, { content: 'unheard' });
  await chat.emit('chat:send', { content: 'heard' });
  await chat.next('chat:message', (data) => data.content === 'heard');
  assert.ok(!chat.events('chat:message').some((data) => data.content === 'unheard'), 'a task left is not heard');
  assert.equal((await chat.emitError('task:leave', { task_id: other.id })).code, 'task_not_found');
});

test('a task logged in a shared room has the thread of its card as its chat', async (t) => {
  const hub = await startHub(t);
  const alice = await hub.member('alice');
  const task = await newTask(hub, alice.token, 'In general', { room: 'general' });
  assert.ok(task.thread_id, 'the task has a card in general');
  const chat = await WegentClient.open(t, hub.url, alice.token, chatPath(task.id));
  await hub.api(alice.token, 'POST', '/api/v1/rooms/general/messages', { content: 'room chatter' });
  const sent = await chat.emit('chat:send', { content: 'about the task' });
  const message = await chat.next('chat:message', (data) => data.message_id === sent.message_id);
  assert.equal(message.thread_id, task.thread_id);
  await chat.emit('history:sync', {});
  const page = await chat.next('history:sync');
  assert.deepEqual(
    page.messages.map((m: { content: string }) => m.content),
    ['about the task'],
  );
  assert.ok(!chat.events('chat:message').some((data) => data.content === 'room chatter'), 'the room is not the chat');
});

test('a task’s chat opens only to whom its room is open, and refuses like a missing task', async (t) => {
  const { hub, alice, bob, task } = await setUp(t);
  const privateRoom = (await hub.api(alice.token, 'POST', '/api/v1/rooms', { name: 'vault', kind: 'private' })).body
    .room;
  const secret = await newTask(hub, alice.token, 'Secret', { room: privateRoom.id });

  for (const id of [secret.id, 'task_doesnotexist0']) {
    const client = await RawClient.connect(t, hub.url, { token: bob.token, path: chatPath(id) });
    assert.equal(await client.waitForClose(), CloseCode.Forbidden);
    const error = client.frames.find((f) => f.event === 'error')!;
    assert.equal(error.data.code, 'task_not_found');
  }
  const anonymous = await RawClient.connect(t, hub.url, { path: chatPath(task.id) });
  assert.equal(await anonymous.waitForClose(), CloseCode.Unauthorized);

  const own = await newTask(hub, bob.token, 'Bob’s');
  const chat = await WegentClient.open(t, hub.url, bob.token, chatPath(own.id));
  assert.equal((await chat.emitError('task:join', { task_id: secret.id })).code, 'task_not_found');
  assert.equal((await chat.emitError('chat:send', { content: 'hi', task_id: secret.id })).code, 'task_not_found');
  const aliceMessage = (
    await hub.api(alice.token, 'POST', `/api/v1/rooms/${privateRoom.id}/messages`, { content: 'private words' })
  ).body.message;
  assert.equal((await chat.emitError('history:sync', { after: aliceMessage.id })).code, 'message_not_found');
  assert.equal((await chat.emitError('chat:cancel', { message_id: aliceMessage.id })).code, 'message_not_found');
  assert.ok(!JSON.stringify(chat.frames).includes('private words'), 'nothing of the private room reached bob');
});

test('hostile frames get registered errors in the dialect’s words, and the socket keeps serving', async (t) => {
  const { hub, alice, task } = await setUp(t);
  const chat = await WegentClient.open(t, hub.url, alice.token, chatPath(task.id));
  assert.equal((await chat.emitError('chat:fly', {})).code, 'unknown_frame');
  assert.equal((await chat.emitError('chat:send', { content: 42 })).code, 'invalid_request');
  assert.equal((await chat.emitError('chat:send', { content: 'x'.repeat(10_001) })).code, 'content_too_long');
  assert.equal((await chat.emitError('history:sync', { limit: 100_000 })).code, 'invalid_request');
  chat.raw.sendRaw('[1,2,3]');
  chat.raw.sendRaw('{"event":"chat:send","id":"deep","data":' + '['.repeat(5000) + ']'.repeat(5000) + '}');
  const deep = await chat.raw.waitFor((f) => f.event === 'error' && f.id === 'deep');
  assert.equal(deep.data.code, 'nesting_too_deep');
  await chat.raw.waitFor((f) => f.event === 'error' && f.id === undefined && f.data.code === 'invalid_request');
  assert.equal((await chat.emit('chat:send', { content: 'still here' })).task_id, task.id);
});

test('the personal channel carries task:created and task:status for the tasks its member created or is assigned', async (t) => {
  const hub = await startHub(t);
  const [alice, bob, worker] = await Promise.all([
    hub.member('alice'),
    hub.member('bob'),
    hub.member('worker', 'agent', { capabilities: ['summaries'] }),
  ]);
  const aliceEvents = await WegentClient.open(t, hub.url, alice.token, EVENTS);
  const bobEvents = await WegentClient.open(t, hub.url, bob.token, EVENTS);
  const workerEvents = await WegentClient.open(t, hub.url, worker.token, EVENTS);

  const task = await newTask(hub, alice.token, 'Summaries', { capabilities: ['summaries'], room: 'general' });
  const created = await aliceEvents.next('task:created', (data) => data.task_id === task.id);
  assert.equal(created.status, 'PENDING');

  const workerSocket = await RawClient.ready(t, hub.url, worker.token);
  const claim = await workerSocket.request('task.claim', {});
  assert.equal(claim.claim?.task.id, task.id);
  const assigned = await workerEvents.next('task:status', (data) => data.task_id === task.id);
  assert.equal(assigned.status, 'ASSIGNED');
  assert.equal(assigned.assignee, 'worker');
  await workerSocket.request('task.heartbeat', { task: task.id, lease: claim.claim!.lease.token });
  const running = await aliceEvents.next('task:status', (data) => data.status === 'RUNNING');
  assert.equal(running.previous, 'ASSIGNED');

  // Bob is in general, but the task is neither his nor given to him.
  await bobEvents.emit('task:join', { task_id: task.id });
  await bobEvents.emit('task:leave', { task_id: task.id });
  await hub.api(alice.token, 'POST', `/api/v1/tasks/${task.id}/cancel`, {});
  await aliceEvents.next('task:status', (data) => data.status === 'CANCELLED');
  await workerEvents.next('task:status', (data) => data.status === 'CANCELLED');
  assert.deepEqual(bobEvents.events('task:created'), []);
  assert.deepEqual(bobEvents.events('task:status'), []);
  assert.equal(aliceEvents.events('task:status').filter((data) => data.status === 'CANCELLED').length, 1);
  assert.equal((await aliceEvents.emitError('chat:send', { content: 'where to?' })).code, 'invalid_request');
});

test('the task list takes Wegent’s upper-case statuses and a creation window', async (t) => {
  const hub = await startHub(t);
  const alice = await hub.member('alice');
  const pending = await newTask(hub, alice.token, 'stays pending');
  const cancelled = await newTask(hub, alice.token, 'gets cancelled');
  await hub.api(alice.token, 'POST', `/api/v1/tasks/${cancelled.id}/cancel`, {});
  const ids = async (query: string) => {
    const reply = await hub.api(alice.token, 'GET', `/api/v1/tasks?${query}`);
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return (reply.body.tasks as Array<{ id: string }>).map((task) => task.id).sort();
  };
  assert.deepEqual(await ids('status=PENDING,RUNNING'), [pending.id]);
  assert.deepEqual(await ids('status=CANCELLED'), [cancelled.id]);
  assert.deepEqual(await ids('status=pending,cancelled'), [pending.id, cancelled.id].sort());
  assert.equal((await hub.api(alice.token, 'GET', '/api/v1/tasks?status=Pending')).status, 400);

  const all = (await hub.api(alice.token, 'GET', '/api/v1/tasks')).body.tasks as Array<{
    id: string;
    created_at: string;
  }>;
  const first = all.find((task) => task.id === pending.id)!.created_at;
  const second = all.find((task) => task.id === cancelled.id)!.created_at;
  const later = new Date(Date.parse(second) + 1).toISOString();
  assert.deepEqual(await ids(`created_before=${encodeURIComponent(later)}`), [pending.id, cancelled.id].sort());
  assert.deepEqual(await ids(`created_after=${encodeURIComponent(later)}`), []);
  assert.deepEqual(
    await ids(
      `created_after=${encodeURIComponent(new Date(Date.parse(first) - 1).toISOString())}&created_before=${encodeURIComponent(later)}&status=PENDING`,
    ),
    [pending.id],
  );
});
