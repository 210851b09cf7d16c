/** A person's private conversations with an agent: their life cycle, and that nobody else sees them anywhere. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, startHub } from '@roundtable/testkit';

test('a person starts, lists, renames, resumes and deletes a conversation with an agent', async (t) => {
  const hub = await startHub(t);
  const [ada, helper] = await Promise.all([hub.member('ada'), hub.member('helper', 'agent')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const h = await RawClient.ready(t, hub.url, helper.token);

  const started = await a.request('conversation.create', {
    agent: 'helper',
    content: 'Plan the Q3 launch\nwith dates for each team',
    client_id: 'c-1',
  });
  const id = started.conversation.id as string;
  assert.deepEqual(
    {
      ...started.conversation,
      created_at: undefined,
      active_at: undefined,
      updated_at: undefined,
      last_message: undefined,
    },
    {
      id,
      title: 'Plan the Q3 launch',
      owner: 'ada',
      agent: 'helper',
      created_at: undefined,
      active_at: undefined,
      updated_at: undefined,
      message_count: 1,
      unread: 0,
      last_message: undefined,
      preview: 'Plan the Q3 launch with dates for each team',
    },
  );
  assert.equal(started.message?.room, id);
  assert.equal(started.conversation.last_message!.excerpt, 'Plan the Q3 launch with dates for each team');
  // Addressed to nobody, yet delivered: every message of a conversation is for its agent.
  await h.waitFor((f) => f.type === 'event' && f.kind === 'message.created' && f.room === id);
  const again = await a.request('conversation.create', {
    agent: 'helper',
    content: 'Plan the Q3 launch',
    client_id: 'c-1',
  });
  assert.equal(again.conversation.id, id, 'a repeated create returns the same conversation');

  const reply = (await h.request('send', { room: id, content: 'Here is a plan: …' })).message;
  const [listed] = (await a.request('conversation.list')).conversations;
  assert.equal(listed.message_count, 2);
  assert.equal(listed.unread, 1);
  assert.deepEqual(listed.last_message, {
    id: reply.id,
    sender: 'helper',
    excerpt: 'Here is a plan: …',
    created_at: reply.created_at,
  });
  assert.equal((await h.request('conversation.list')).conversations[0].id, id, 'the agent lists it too');

  const long = await a.request('conversation.create', { agent: 'helper', content: 'word '.repeat(80) });
  assert.ok(long.conversation.title.length <= 200 && long.conversation.title.endsWith('…'));
  const order = (await a.request('conversation.list')).conversations.map((c: any) => c.id);
  assert.deepEqual(order, [long.conversation.id, id], 'the most recently active first');

  const renamed = await a.request('conversation.rename', { conversation: id, title: '  Q3 launch  ' });
  assert.equal(renamed.conversation.title, 'Q3 launch');
  const afterRename = (await a.request('conversation.list')).conversations;
  assert.deepEqual(
    afterRename.map((c: any) => c.id),
    [id, long.conversation.id],
    'a rename counts as activity',
  );
  assert.equal(afterRename[0].active_at, renamed.conversation.active_at);
  await a.waitFor((f) => f.type === 'event' && f.kind === 'room.updated' && f.room === id);
  assert.equal((await h.requestError('conversation.rename', { conversation: id, title: 'mine' })).code, 'forbidden');
  assert.equal(
    (await a.requestError('conversation.rename', { conversation: id, title: 'x'.repeat(201) })).code,
    'invalid_request',
  );

  const resumed = await a.request('history', { room: id });
  assert.deepEqual(
    resumed.messages.map((m: any) => m.content),
    ['Plan the Q3 launch\nwith dates for each team', 'Here is a plan: …'],
  );
  const rest = await hub.api(ada.token, 'GET', `/api/v1/conversations/${id}/messages`);
  assert.equal(rest.body.messages.length, 2);
  assert.equal((await hub.api(ada.token, 'GET', '/api/v1/conversations')).body.conversations.length, 2);
  const paged = await hub.api(ada.token, 'GET', '/api/v1/conversations?limit=1');
  assert.deepEqual(
    paged.body.conversations.map((c: any) => c.id),
    [id],
  );
  const next = await hub.api(ada.token, 'GET', `/api/v1/conversations?limit=1&cursor=${paged.body.next}`);
  assert.deepEqual([next.body.conversations.map((c: any) => c.id), next.body.next], [[long.conversation.id], null]);
  assert.equal((await a.requestError('conversation.list', { cursor: 'not-a-cursor' })).code, 'invalid_request');
  const patched = await hub.api(ada.token, 'PATCH', `/api/v1/conversations/${id}`, { title: 'Launch' });
  assert.equal(patched.body.conversation.title, 'Launch');

  assert.equal((await a.requestError('room.leave', { room: id })).code, 'forbidden');
  assert.equal((await a.requestError('room.invite', { room: id, member: 'helper' })).code, 'forbidden');
  assert.equal((await a.requestError('room.update', { room: id, topic: 'x' })).code, 'forbidden');
  assert.equal(
    (await a.requestError('task.create', { title: 'x', room: id, capabilities: [] })).code,
    'invalid_request',
  );

  assert.equal((await h.requestError('conversation.delete', { conversation: id })).code, 'forbidden');
  assert.deepEqual(await a.request('conversation.delete', { conversation: id }), { conversation: id });
  await h.waitFor((f) => f.type === 'event' && f.kind === 'member.left' && f.room === id && f.data.member === 'helper');
  assert.deepEqual(
    (await a.request('conversation.list')).conversations.map((c: any) => c.id),
    [long.conversation.id],
  );
  assert.deepEqual(
    (await h.request('conversation.list')).conversations.map((c: any) => c.id),
    [long.conversation.id],
  );
  assert.equal((await a.requestError('history', { room: id })).code, 'room_not_found');
  assert.equal((await h.requestError('send', { room: id, content: 'still there?' })).code, 'room_not_found');
  assert.equal((await a.requestError('message.get', { message: reply.id })).code, 'message_not_found');
  assert.equal((await hub.api(ada.token, 'DELETE', `/api/v1/conversations/${id}`)).status, 404);
  assert.equal(
    (await hub.api(ada.token, 'DELETE', `/api/v1/conversations/${long.conversation.id}`)).body.conversation,
    long.conversation.id,
  );
});

test('a conversation is visible only to its owner and its agent, through every endpoint and frame', async (t) => {
  const hub = await startHub(t);
  const [ada, bob, helper, other] = await Promise.all([
    hub.member('ada'),
    hub.member('bob'),
    hub.member('helper', 'agent'),
    hub.member('other', 'agent'),
  ]);
  const b = await RawClient.ready(t, hub.url, bob.token);
  const admin = await RawClient.ready(t, hub.url, hub.adminToken);
  const o = await RawClient.ready(t, hub.url, other.token);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const h = await RawClient.ready(t, hub.url, helper.token);
  assert.equal(
    (await b.requestError('conversation.create', { agent: 'ada', content: 'hi' })).code,
    'invalid_request',
    'a conversation is with an agent',
  );
  assert.equal((await h.requestError('conversation.create', { agent: 'other', content: 'hi' })).code, 'forbidden');

  const { conversation } = await a.request('conversation.create', {
    agent: 'helper',
    content: 'My salary negotiation notes: zanzibar',
  });
  const id = conversation.id as string;
  const secret = (await h.request('send', { room: id, content: 'Ask for zanzibar plus ten percent' })).message;
  await h.request('memory.save', { content: 'zanzibar is ada’s private word', room: id });
  await a.waitFor((f) => f.type === 'event' && f.room === id && f.data.id === secret.id);

  for (const [who, client, token] of [
    ['bob', b, bob.token],
    ['an admin', admin, hub.adminToken],
    ['another agent', o, other.token],
  ] as const) {
    assert.deepEqual((await client.request('conversation.list')).conversations, [], `${who}: conversation.list`);
    const rooms = (await client.request('rooms.list')).rooms.map((room: any) => room.id);
    assert.ok(!rooms.includes(id), `${who}: rooms.list`);
    for (const [type, params, code] of [
      ['history', { room: id }, 'room_not_found'],
      ['sync', { room: id, after: 0 }, 'room_not_found'],
      ['room.members', { room: id }, 'room_not_found'],
      ['room.join', { room: id }, 'room_not_found'],
      ['send', { room: id, content: 'let me in' }, 'room_not_found'],
      ['message.get', { message: secret.id }, 'message_not_found'],
      ['react', { message: secret.id, emoji: '👀' }, 'message_not_found'],
      ['edit', { message: secret.id, content: 'x' }, 'message_not_found'],
      ['delete', { message: secret.id }, 'message_not_found'],
      ['memory.search', { query: 'zanzibar', room: id }, 'room_not_found'],
      ['conversation.rename', { conversation: id, title: 'x' }, 'room_not_found'],
      ['conversation.delete', { conversation: id }, 'room_not_found'],
    ] as const) {
      assert.equal((await client.requestError(type, params)).code, code, `${who}: ${type}`);
    }
    const found = await client.request('memory.search', { query: 'zanzibar salary' });
    assert.deepEqual([found.messages, found.notes], [[], []], `${who}: memory.search`);
    for (const path of [
      `/api/v1/rooms/${id}`,
      `/api/v1/rooms/${id}/messages`,
      `/api/v1/rooms/${id}/events`,
      `/api/v1/rooms/${id}/members`,
      `/api/v1/conversations/${id}/messages`,
      `/api/v1/messages/${secret.id}`,
    ]) {
      assert.equal((await hub.api(token, 'GET', path)).status, 404, `${who}: GET ${path}`);
    }
    assert.deepEqual((await hub.api(token, 'GET', '/api/v1/conversations')).body.conversations, []);
    const simple = await hub.api(token, 'GET', '/messages?since=0');
    assert.ok(!JSON.stringify(simple.body).includes('zanzibar'), `${who}: /messages`);
    assert.ok(!client.frames.some((frame) => JSON.stringify(frame).includes(id)), `${who}: no frame names it`);
  }

  // Two people with conversations of their own: neither sees the other's.
  const bobs = (await b.request('conversation.create', { agent: 'helper', content: 'bob’s own question' }))
    .conversation;
  assert.deepEqual(
    (await a.request('conversation.list')).conversations.map((c: any) => c.id),
    [id],
  );
  assert.deepEqual(
    (await b.request('conversation.list')).conversations.map((c: any) => c.id),
    [bobs.id],
  );
  assert.equal((await a.requestError('history', { room: bobs.id })).code, 'room_not_found');
  assert.equal((await b.requestError('history', { room: id })).code, 'room_not_found');
  assert.deepEqual(
    (await h.request('conversation.list')).conversations.map((c: any) => c.id).sort(),
    [id, bobs.id].sort(),
    'the agent has both',
  );

  // The agent's memory keeps it where it was said: not in a search for another room, nor in a general one.
  const general = await h.request('memory.search', { query: 'zanzibar', for_room: 'general' });
  assert.deepEqual([general.messages, general.notes], [[], []]);
  const unscoped = await h.request('memory.search', { query: 'zanzibar' });
  assert.deepEqual([unscoped.messages, unscoped.notes], [[], []]);
  const inside = await h.request('memory.search', { query: 'zanzibar', for_room: id });
  assert.equal(inside.messages.length, 2);
  assert.equal(inside.notes.length, 1);
  const own = await a.request('memory.search', { query: 'zanzibar' });
  assert.equal(own.messages.length, 2, 'the owner finds her own conversation');
});
