/**
 * A RepoMesh client against the hub, as it is written: Bearer tokens, the REST inbox and its ack,
 * the outbox with receipts, discovery through /api/v1/members, review requests as tasks of kind
 * `review`, and the MCP tools `inbox`, `find_agents`, `request_review` and `answer_review`.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { eventually, mcpClient, RawClient, startHub, toolJson, type TestHub } from '@roundtable/testkit';

/** A RepoMesh client: plain fetch with its Bearer token. */
function mesh(hub: TestHub, token: string) {
  const call = async (method: string, path: string, body?: unknown) => {
    const response = await fetch(hub.url + path, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  return {
    get: (path: string) => call('GET', path),
    post: (path: string, body: unknown) => call('POST', path, body),
    /** Sends to a room and returns the stored message. */
    async say(room: string, content: string) {
      const sent = await call('POST', `/api/v1/rooms/${room}/messages`, { content });
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      return sent.body.message as { id: string; seq: number; room: string };
    },
  };
}

const ids = (page: { messages: Array<{ id: string }> }) => page.messages.map((message) => message.id);

async function meshHub(t: TestContext) {
  const hub = await startHub(t);
  const [ada, coder, critic] = await Promise.all([
    hub.member('ada'),
    hub.member('coder', 'agent', { description: 'Writes TypeScript services', capabilities: ['code'] }),
    hub.member('critic', 'agent', { description: 'Reviews pull requests', capabilities: ['review'] }),
  ]);
  return {
    hub,
    ada: { ...ada, ...mesh(hub, ada.token) },
    coder: { ...coder, ...mesh(hub, coder.token) },
    critic: { ...critic, ...mesh(hub, critic.token) },
  };
}

test('the inbox holds what is addressed to me, oldest first; an ack up to a message empties it to there and no read cursor moves', async (t) => {
  const { hub, ada, coder } = await meshHub(t);
  await ada.say('general', 'chatter for the people');
  const one = await ada.say('general', '@coder first');
  const dm = (await ada.post('/api/v1/rooms/direct', { members: ['coder'] })).body.room;
  const two = await ada.say(dm.id, 'between us');
  const three = await ada.say('general', '@coder third');

  const inbox = await coder.get('/api/v1/inbox');
  assert.equal(inbox.status, 200);
  assert.deepEqual([ids(inbox.body), inbox.body.has_more], [[one.id, two.id, three.id], false]);
  const first = await coder.get('/api/v1/inbox?limit=1');
  assert.deepEqual([ids(first.body), first.body.has_more], [[one.id], true]);
  assert.deepEqual(
    ids((await coder.get(`/api/v1/inbox?after=${one.id}&limit=1`)).body),
    [two.id],
    'paged by message id',
  );
  assert.deepEqual(ids((await coder.get(`/api/v1/inbox?room=${dm.id}`)).body), [two.id]);
  const before = (await coder.get('/api/v1/rooms')).body.rooms.map((room: any) => [room.id, room.read_seq]);

  const ack = await coder.post('/api/v1/inbox/ack', { up_to: two.id });
  assert.deepEqual([ack.status, ack.body], [200, { up_to: two.id, acknowledged: 2 }]);
  assert.deepEqual(ids((await coder.get('/api/v1/inbox')).body), [three.id]);
  assert.deepEqual(
    (await coder.get('/api/v1/rooms')).body.rooms.map((room: any) => [room.id, room.read_seq]),
    before,
    'reading and acknowledging the inbox moved no read cursor',
  );

  const mcp = await mcpClient(t, hub.url, coder.token);
  const taken = toolJson(await mcp.callTool({ name: 'inbox', arguments: {} }));
  assert.deepEqual(
    taken.messages.map((message: any) => message.id),
    [three.id],
    'MCP reads the same inbox',
  );
  assert.deepEqual(ids((await coder.get('/api/v1/inbox')).body), [], 'and takes from the same cursor');

  const refused = await coder.post('/api/v1/inbox/ack', { up_to: 'msg_nowhere' });
  assert.deepEqual([refused.status, refused.body.code], [404, 'message_not_found']);
  assert.equal((await coder.post('/api/v1/inbox/ack', {})).body.code, 'invalid_request');
  const secret = (await ada.post('/api/v1/rooms', { name: 'secret', kind: 'private' })).body.room;
  const hidden = await ada.say(secret.id, '@coder you cannot see this');
  assert.equal((await coder.get(`/api/v1/inbox?after=${hidden.id}`)).body.code, 'message_not_found');
  assert.notEqual((await coder.get(`/api/v1/inbox?room=${secret.id}`)).status, 200);
});

test('the outbox lists what I sent across rooms, each message with its receipts as they move', async (t) => {
  const { ada, coder } = await meshHub(t);
  const asked = await ada.say('general', '@coder please build');
  const dm = (await ada.post('/api/v1/rooms/direct', { members: ['coder'] })).body.room;
  const whispered = await ada.say(dm.id, 'and quietly');
  await coder.say('general', 'not mine');

  const outbox = await ada.get('/api/v1/outbox');
  assert.equal(outbox.status, 200);
  assert.deepEqual([ids(outbox.body), outbox.body.has_more], [[asked.id, whispered.id], false]);
  assert.deepEqual(
    outbox.body.messages.map((message: any) => message.receipts.map((receipt: any) => [receipt.member, receipt.state])),
    [[['coder', 'stored']], [['coder', 'stored']]],
  );
  const newest = await ada.get('/api/v1/outbox?limit=1');
  assert.deepEqual([ids(newest.body), newest.body.has_more], [[whispered.id], true], 'the newest page');
  assert.deepEqual(ids((await ada.get(`/api/v1/outbox?after=${asked.id}`)).body), [whispered.id]);
  assert.deepEqual(ids((await ada.get('/api/v1/outbox?room=general')).body), [asked.id]);

  await coder.get('/api/v1/inbox');
  await coder.post('/api/v1/inbox/ack', { up_to: asked.id });
  await eventually(async () => {
    const states = (await ada.get('/api/v1/outbox')).body.messages.map((message: any) => message.receipts[0].state);
    assert.deepEqual(states, ['read', 'delivered']);
  });
});

test('agents are found by handle, name or description, kind, capability and presence', async (t) => {
  const { hub, ada, coder } = await meshHub(t);
  const handles = async (query: string) =>
    (await ada.get(`/api/v1/members?${query}`)).body.members.map((member: any) => member.handle);
  assert.deepEqual(await handles('kind=agent'), ['coder', 'critic']);
  assert.deepEqual(await handles('q=TYPESCRIPT'), ['coder'], 'a piece of the description, any case');
  assert.deepEqual(await handles('q=crit&kind=agent'), ['critic']);
  assert.deepEqual(await handles('capability=review'), ['critic']);
  assert.deepEqual(await handles('q=&kind=agent&capability=&status=online'), [], 'nobody is connected');

  await RawClient.ready(t, hub.url, coder.token);
  await eventually(async () => assert.deepEqual(await handles('q=&kind=agent&capability=&status=online'), ['coder']));
  assert.equal((await ada.get('/api/v1/members?status=asleep')).body.code, 'invalid_request');

  const mcp = await mcpClient(t, hub.url, ada.token);
  const found = toolJson(await mcp.callTool({ name: 'find_agents', arguments: { q: 'pull', status: 'offline' } }));
  assert.deepEqual(
    found.agents.map((agent: any) => [agent.handle, agent.capabilities, agent.status]),
    [['critic', ['review'], 'offline']],
  );
});

test('a review request reaches its reviewer alone, is never claimed, and the answer completes it and comes back', async (t) => {
  const { hub, ada, coder, critic } = await meshHub(t);
  const created = await coder.post('/api/v1/tasks', {
    kind: 'review',
    reviewer: 'critic',
    subject: 'commit 1a2b3c4',
    summary: 'The parser now accepts empty input.',
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const task = created.body.task;
  assert.deepEqual(
    [task.kind, task.status, task.title, task.review.reviewer, task.review.subject, task.review.decision],
    ['review', 'pending', 'Review: commit 1a2b3c4', 'critic', 'commit 1a2b3c4', null],
  );

  const inbox = (await critic.get('/api/v1/inbox')).body.messages;
  assert.equal(inbox.length, 1);
  assert.equal(inbox[0].id, task.review.message_id, 'the card is in the reviewer’s inbox');
  assert.equal(inbox[0].metadata.review.task, task.id);
  assert.deepEqual(ids((await ada.get('/api/v1/inbox')).body), [], 'and nobody else’s');
  const worker = await RawClient.ready(t, hub.url, critic.token);
  assert.deepEqual(await worker.request('task.claim', {}), { claim: null }, 'no worker takes a review');

  const notMine = await coder.post(`/api/v1/tasks/${task.id}/review`, { decision: 'approve' });
  assert.deepEqual([notMine.status, notMine.body.code], [403, 'forbidden']);
  const answered = await critic.post(`/api/v1/tasks/${task.id}/review`, {
    decision: 'request_changes',
    note: 'Empty input should be an error.',
  });
  assert.equal(answered.status, 200, JSON.stringify(answered.body));
  assert.deepEqual(
    [answered.body.task.status, answered.body.task.review.decision, answered.body.task.review.note],
    ['completed', 'request_changes', 'Empty input should be an error.'],
  );
  const again = await critic.post(`/api/v1/tasks/${task.id}/review`, { decision: 'approve' });
  assert.deepEqual([again.status, again.body.code], [409, 'invalid_transition']);

  const card = (await coder.get(`/api/v1/messages/${task.review.message_id}`)).body.message;
  assert.equal(card.metadata.review.decision, 'request_changes', 'the card shows the answer');
  const back = (await coder.get('/api/v1/inbox')).body.messages;
  assert.deepEqual(
    back.map((message: any) => [message.thread_id, message.metadata.review_answer]),
    [[task.review.message_id, 'request_changes']],
    'the answer is in the requester’s inbox, in the card’s thread',
  );
});

test('review requests over WebSocket and MCP, and the requests a review refuses', async (t) => {
  const { hub, ada, coder, critic } = await meshHub(t);
  const socket = await RawClient.ready(t, hub.url, ada.token);
  const { task } = await socket.request('task.create', {
    kind: 'review',
    reviewer: 'critic',
    subject: 'https://example.test/pull/7',
    summary: 'Docs for the mesh',
    room: 'general',
  });
  assert.equal(task.thread_id, task.review?.message_id, 'in a chosen room the card starts the task’s thread');
  const reviewer = await RawClient.ready(t, hub.url, critic.token);
  const approved = await reviewer.request('review.answer', { task: task.id, decision: 'approve' });
  assert.deepEqual([approved.task.status, approved.task.review?.decision], ['completed', 'approve']);

  const mcp = await mcpClient(t, hub.url, coder.token);
  const asked = toolJson(
    await mcp.callTool({ name: 'request_review', arguments: { reviewer: 'critic', subject: 'branch feat/mesh' } }),
  );
  assert.equal(asked.task?.kind, 'review', JSON.stringify(asked));
  const criticMcp = await mcpClient(t, hub.url, critic.token);
  const answer = toolJson(
    await criticMcp.callTool({
      name: 'answer_review',
      arguments: { task: asked.task.id, decision: 'request_changes', note: 'split it' },
    }),
  );
  assert.deepEqual([answer.task.status, answer.task.review.note], ['completed', 'split it']);

  const refusals = await Promise.all([
    ada.post('/api/v1/tasks', { kind: 'review', subject: 'x' }),
    ada.post('/api/v1/tasks', { kind: 'review', reviewer: 'nobody', subject: 'x' }),
    ada.post('/api/v1/tasks', { kind: 'review', reviewer: 'critic', subject: 'x', room: 'nowhere' }),
    ada.post('/api/v1/tasks', { description: 'a work task without a title' }),
    ada.post('/api/v1/tasks', { title: 'work', reviewer: 'critic' }),
    ada.post(`/api/v1/tasks/${task.id}/review`, { decision: 'maybe' }),
  ]);
  assert.deepEqual(
    refusals.map((refusal) => [refusal.status, refusal.body.code]),
    [
      [400, 'invalid_request'],
      [404, 'member_not_found'],
      [404, 'room_not_found'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
      [400, 'invalid_request'],
    ],
  );
});
