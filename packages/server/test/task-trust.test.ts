/**
 * The trust model of tasks (docs/security.md): capabilities route work and are granted by admins and owners
 * only; a claim is matched against what the hub knows of the agent, never what its frame says; and a
 * task logged in a private room goes only to that room's members and the agents its creator named.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { TaskStatus } from '@roundtable/protocol';
import { RawClient, startHub, type TestHub } from '@roundtable/testkit';

/** Alice's private room with a pending task that needs `cap-x`, and history an outsider must not read. */
async function privateTask(t: TestContext, hub: TestHub, extra: Record<string, unknown> = {}) {
  const alice = await hub.member('alice');
  const a = await RawClient.ready(t, hub.url, alice.token);
  const { room } = await a.request('room.create', { name: 'secret-plans', kind: 'private' });
  const { message } = await a.request('send', { room: room.id, content: 'the launch date is March 3' });
  await a.request('send', { room: room.id, content: 'thread reply', thread_id: message.id });
  await a.request('react', { message: message.id, emoji: '👀' });
  const { task } = await a.request('task.create', {
    title: 'ship it',
    room: room.id,
    capabilities: ['cap-x'],
    ...extra,
  });
  return { alice, a, room, message, task };
}

test('an agent outside a private room cannot take its task, even naming the capability; it learns nothing of the room', async (t) => {
  const hub = await startHub(t);
  const { alice, room, task } = await privateTask(t, hub);
  const intruder = await hub.member('intruder', 'agent');
  const i = await RawClient.ready(t, hub.url, intruder.token);

  const named = await i.requestError('task.claim', { capabilities: ['cap-x'] });
  assert.equal(named.code, 'forbidden', 'a capability the hub did not grant is refused');
  assert.doesNotMatch(JSON.stringify(named), new RegExp(`${task.id}|${room.id}|secret-plans`));
  assert.equal((await i.requestError('worker.register', { capabilities: ['cap-x'] })).code, 'forbidden');

  // Granted the capability by an admin, it still may not enter the room through the task.
  assert.equal(
    (await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/intruder', { capabilities: ['cap-x'] })).status,
    200,
  );
  assert.deepEqual(await i.request('task.claim', {}), { claim: null });
  assert.deepEqual(await i.request('task.claim', { capabilities: ['cap-x'] }), { claim: null });
  await i.request('worker.register', {});
  assert.equal((await i.requestError('history', { room: room.id })).code, 'room_not_found');
  assert.equal((await i.requestError('task.get', { task: task.id })).code, 'task_not_found');
  const members = await hub.api(alice.token, 'GET', `/api/v1/rooms/${room.id}/members`);
  assert.ok(
    !(members.body.members as Array<{ member: string }>).some((member) => member.member === 'intruder'),
    'the intruder was not added to the room',
  );
  assert.ok(!i.frames.some((frame) => frame.type === 'task.assigned'), 'nothing was pushed to it');
});

test('a task in a private room goes to its agent members and to the agents its creator named, matched on granted capabilities', async (t) => {
  const hub = await startHub(t);
  const helper = await hub.member('helper', 'agent', { capabilities: ['cap-x'] });
  const { a, room, task } = await privateTask(t, hub, { workers: ['helper'] });
  const h = await RawClient.ready(t, hub.url, helper.token);
  const { claim } = await h.request('task.claim', {});
  assert.equal(claim!.task.id, task.id, 'a named worker takes it');
  assert.deepEqual(claim!.task.workers, ['helper']);
  assert.equal((await h.request('history', { room: room.id })).messages.length > 0, true, 'and joins its room');

  const member = await hub.member('member-bot', 'agent', { capabilities: ['cap-x'] });
  await a.request('room.invite', { room: room.id, member: 'member-bot' });
  const second = (await a.request('task.create', { title: 'second', room: room.id, capabilities: ['cap-x'] })).task;
  const m = await RawClient.ready(t, hub.url, member.token);
  assert.equal((await m.request('task.claim', {})).claim!.task.id, second.id, 'an agent member of the room takes it');
});

test('naming workers checks they are agents of this hub', async (t) => {
  const hub = await startHub(t);
  const alice = await hub.member('alice');
  await hub.member('bob');
  const a = await RawClient.ready(t, hub.url, alice.token);
  assert.equal((await a.requestError('task.create', { title: 't', workers: ['nobody'] })).code, 'member_not_found');
  assert.equal((await a.requestError('task.create', { title: 't', workers: ['bob'] })).code, 'invalid_request');
});

test('a task without a chosen room, or in a public room, goes to any agent granted its capabilities', async (t) => {
  const hub = await startHub(t);
  const alice = await hub.member('alice');
  const a = await RawClient.ready(t, hub.url, alice.token);
  const own = (await a.request('task.create', { title: 'own room', capabilities: ['cap-x'] })).task;
  const open = (
    await a.request('task.create', { title: 'in general', room: 'general', capabilities: ['cap-x'], priority: -1 })
  ).task;
  const worker = await hub.member('worker', 'agent', { capabilities: ['cap-x', 'cap-y'] });
  const w = await RawClient.ready(t, hub.url, worker.token);
  assert.equal((await w.request('task.claim', { capabilities: ['cap-x'] })).claim!.task.id, own.id);
  assert.equal((await w.request('task.claim', {})).claim!.task.id, open.id);
  const narrowed = (await a.request('task.create', { title: 'needs x', capabilities: ['cap-x'] })).task;
  assert.deepEqual(await w.request('task.claim', { capabilities: ['cap-y'] }), { claim: null }, 'a claim may narrow');
  assert.equal((await w.request('task.claim', {})).claim!.task.id, narrowed.id);
  assert.deepEqual(await w.request('worker.register', { capabilities: ['cap-y'] }), {
    capabilities: ['cap-y'],
    concurrency: 1,
  });
  assert.deepEqual(await w.request('worker.register', {}), { capabilities: ['cap-x', 'cap-y'], concurrency: 1 });
});

test('only admins grant capabilities: not the agent itself, and not its owner once no longer an admin', async (t) => {
  const hub = await startHub(t);
  const agent = await hub.member('agent-1', 'agent');
  const person = await hub.member('person-1');
  const own = await hub.api(agent.token, 'PATCH', '/api/v1/members/agent-1', { capabilities: ['cap-x'] });
  assert.deepEqual([own.status, own.body.code], [403, 'forbidden']);
  const other = await hub.api(person.token, 'PATCH', '/api/v1/members/agent-1', { capabilities: ['cap-x'] });
  assert.deepEqual([other.status, other.body.code], [403, 'admin_only']);
  const described = await hub.api(agent.token, 'PATCH', '/api/v1/members/agent-1', { description: 'I review code' });
  assert.equal(described.status, 200, 'its own description it may change');
  const granted = await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/agent-1', { capabilities: ['cap-x'] });
  assert.deepEqual(granted.body.member.capabilities, ['cap-x']);

  // An admin creates an agent and another admin, then loses its role.
  const former = await hub.member('former', 'person', { role: 'admin' });
  const bot = await hub.api(former.token, 'POST', '/api/v1/members', { handle: 'exbot', kind: 'agent' });
  assert.equal(bot.status, 201);
  assert.equal(
    (await hub.api(former.token, 'POST', '/api/v1/members', { handle: 'boss', kind: 'person', role: 'admin' })).status,
    201,
  );
  await hub.api(hub.adminToken, 'PATCH', '/api/v1/members/former', { role: 'member' });
  const renamed = await hub.api(former.token, 'PATCH', '/api/v1/members/exbot', { display_name: 'Ex Bot' });
  assert.equal(renamed.status, 200, 'the owner still describes its agent');
  const escalated = await hub.api(former.token, 'PATCH', '/api/v1/members/exbot', { capabilities: ['deploy'] });
  assert.deepEqual([escalated.status, escalated.body.code], [403, 'forbidden']);
  const impersonated = await hub.api(former.token, 'PATCH', '/api/v1/members/boss', { display_name: 'System Notice' });
  assert.deepEqual([impersonated.status, impersonated.body.code], [403, 'admin_only']);
});

test('listing tasks by a private room one is not in is answered like an unknown room, over REST and WebSocket', async (t) => {
  const hub = await startHub(t);
  const { room } = await privateTask(t, hub);
  const mallory = await hub.member('mallory');
  const unknown = await hub.api(mallory.token, 'GET', '/api/v1/tasks?room=no-such-room');
  const hidden = await hub.api(mallory.token, 'GET', `/api/v1/tasks?room=${room.id}`);
  const byName = await hub.api(mallory.token, 'GET', '/api/v1/tasks?room=secret-plans');
  assert.deepEqual([unknown.status, unknown.body.code], [404, 'room_not_found']);
  assert.deepEqual([hidden.status, hidden.body], [unknown.status, unknown.body]);
  assert.deepEqual([byName.status, byName.body], [unknown.status, unknown.body]);
  const m = await RawClient.ready(t, hub.url, mallory.token);
  const frame = await m.requestError('task.list', { room: room.id });
  const missing = await m.requestError('task.list', { room: 'no-such-room' });
  assert.deepEqual([frame.code, frame.message], [missing.code, missing.message]);
  assert.equal((await hub.api(hub.adminToken, 'GET', `/api/v1/tasks?room=${room.id}`)).body.tasks.length, 1);
});

test('every task operation on a task one cannot see is answered like an unknown task', async (t) => {
  const hub = await startHub(t);
  const { task } = await privateTask(t, hub);
  const mallory = await hub.member('mallory');
  const outsider = await hub.member('outsider', 'agent', { capabilities: ['cap-x'] });
  const m = await RawClient.ready(t, hub.url, mallory.token);
  const o = await RawClient.ready(t, hub.url, outsider.token);
  const cases: Array<[RawClient, string, Record<string, unknown>]> = [
    [m, 'task.get', {}],
    [m, 'task.cancel', {}],
    [m, 'task.answer', { answer: 'x' }],
    [m, 'task.accept', {}],
    [m, 'task.reject', { feedback: 'x' }],
    [m, 'task.create', { title: 'child' }],
    [o, 'task.heartbeat', { lease: 'lease_x' }],
    [o, 'task.report', { lease: 'lease_x', result: { summary: 'x' } }],
    [o, 'task.release', { lease: 'lease_x' }],
    [o, 'task.ask', { lease: 'lease_x', question: 'x' }],
    [o, 'files.reserve', { patterns: ['a.txt'] }],
  ];
  for (const [client, type, params] of cases) {
    const field = type === 'task.create' ? 'parent' : type === 'files.reserve' ? 'task' : 'task';
    const real = await client.requestError(type, { ...params, [field]: task.id });
    const fake = await client.requestError(type, { ...params, [field]: 'task_doesnotexist' });
    assert.deepEqual([type, real.code, real.message], [type, fake.code, fake.message]);
    assert.equal(real.code, 'task_not_found', type);
  }
});

test('a task list reveals nothing of tasks one cannot see, not even through its next cursor', async (t) => {
  const hub = await startHub(t);
  const { a, room } = await privateTask(t, hub);
  await a.request('task.create', { title: 'second secret', room: room.id, capabilities: ['cap-x'] });
  const outsider = await hub.member('outsider', 'agent', { capabilities: ['cap-x'] });
  const o = await RawClient.ready(t, hub.url, outsider.token);
  for (const filter of [{}, { capability: 'cap-x' }, { creator: 'alice' }, { status: ['pending' as TaskStatus] }]) {
    const page = await o.request('task.list', { ...filter, limit: 1 });
    assert.deepEqual(page, { tasks: [], next: null }, JSON.stringify(filter));
  }
  const own = await hub.api(outsider.token, 'POST', '/api/v1/tasks', { title: 'mine' });
  const listed = await hub.api(outsider.token, 'GET', '/api/v1/tasks?limit=1');
  assert.deepEqual(
    listed.body.tasks.map((task: { id: string }) => task.id),
    [own.body.task.id],
  );
  assert.equal(listed.body.next, null, 'the page ends with the last task it may see');
});
