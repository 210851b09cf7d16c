/**
 * Requests naming what is missing, hidden from the caller, taken, archived or in the wrong state:
 * rooms, members, messages, tokens, routes, streams, threads, tasks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, type Frame } from '@roundtable/testkit';
import { assertStillServing, call, expectErrorFrame, expectRestError, lastSeq, scene } from './helpers.js';

test('an unknown room gets room_not_found, and so does a private room one is not in', async (t) => {
  const { hub, ada, bob, a, b } = await scene(t);
  const carol = await hub.member('carol');
  const secret = (await a.request('room.create', { name: 'secret', kind: 'private', members: ['carol'] })).room;
  const before = await lastSeq(hub, secret.id, ada.token);

  expectErrorFrame(await b.requestError('send', { room: 'nowhere', content: 'hello?' }), 'room_not_found');
  expectErrorFrame(await b.requestError('send', { room: secret.id, content: 'let me in' }), 'room_not_found');
  expectErrorFrame(await b.requestError('history', { room: secret.id }), 'room_not_found');
  expectErrorFrame(await b.requestError('room.join', { room: 'secret' }), 'room_not_found');
  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/rooms/nowhere'), 'room_not_found');
  expectRestError(await call(hub, bob.token, 'GET', `/api/v1/rooms/${secret.id}`), 'room_not_found');
  expectRestError(await call(hub, bob.token, 'GET', `/api/v1/rooms/${secret.id}/messages`), 'room_not_found');
  expectRestError(
    await call(hub, bob.token, 'POST', `/api/v1/rooms/${secret.id}/messages`, { content: 'let me in' }),
    'room_not_found',
  );

  assert.equal(await lastSeq(hub, secret.id, ada.token), before, 'nothing was stored');
  const c = await RawClient.ready(t, hub.url, carol.token);
  await assertStillServing(a, c, secret.id);
});

test('a private room one is not in is answered exactly like a room that does not exist', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const secret = (await a.request('room.create', { name: 'secret', kind: 'private' })).room;
  const ghost = 'r_doesnotexist';
  const anonymised = (frame: Frame, ref: string) => ({
    code: frame.code,
    message: String(frame.message).replace(ref, '<ref>'),
  });

  assert.deepEqual(
    anonymised(await b.requestError('send', { room: secret.id, content: 'x' }), secret.id),
    anonymised(await b.requestError('send', { room: ghost, content: 'x' }), ghost),
  );
  const restSecret = await call(hub, bob.token, 'GET', `/api/v1/rooms/${secret.id}`);
  const restGhost = await call(hub, bob.token, 'GET', `/api/v1/rooms/${ghost}`);
  assert.deepEqual(
    { status: restSecret.status, ...anonymised(restSecret.body, secret.id) },
    { status: restGhost.status, ...anonymised(restGhost.body, ghost) },
  );
});

test('a public room one has not joined gets not_member for posting', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  const lounge = (await a.request('room.create', { name: 'lounge', kind: 'public' })).room;
  const before = await lastSeq(hub, 'lounge');

  expectErrorFrame(await b.requestError('send', { room: 'lounge', content: 'hi' }), 'not_member');
  expectRestError(await call(hub, bob.token, 'POST', '/api/v1/rooms/lounge/messages', { content: 'hi' }), 'not_member');

  assert.equal(await lastSeq(hub, 'lounge'), before, 'nothing was stored');
  await b.request('room.join', { room: lounge.id });
  await assertStillServing(b, a, lounge.id);
});

test('unknown members, groups, messages, tokens and routes get their own not-found codes', async (t) => {
  const { hub, ada, bob, a, b } = await scene(t);
  const secret = (await a.request('room.create', { name: 'secret', kind: 'private' })).room;
  const hidden = (await a.request('send', { room: secret.id, content: 'for my eyes' })).message;

  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/members/nobody'), 'member_not_found');
  expectErrorFrame(await a.requestError('room.invite', { room: secret.id, member: 'nobody' }), 'member_not_found');

  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/messages/msg_nope'), 'message_not_found');
  expectErrorFrame(await b.requestError('message.get', { message: 'msg_nope' }), 'message_not_found');
  expectErrorFrame(await b.requestError('message.get', { message: hidden.id }), 'message_not_found');

  const adaTokens = await call(hub, ada.token, 'GET', '/api/v1/tokens');
  expectRestError(
    await call(hub, bob.token, 'DELETE', `/api/v1/tokens/${adaTokens.body.tokens[0].id}`),
    'token_not_found',
  );
  expectRestError(await call(hub, bob.token, 'DELETE', '/api/v1/tokens/t_nope'), 'token_not_found');
  assert.equal((await call(hub, ada.token, 'GET', '/api/v1/me')).status, 200, "ada's token was not revoked");

  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/groups/nobody'), 'group_not_found');
  expectRestError(
    await call(hub, bob.token, 'POST', '/api/v1/tasks', { title: 't', team: 'nobody' }),
    'group_not_found',
  );

  expectRestError(await call(hub, bob.token, 'GET', '/api/v1/nope'), 'route_not_found');
  expectRestError(await call(hub, undefined, 'POST', '/nope/either', {}), 'route_not_found');
  await assertStillServing(b, a);
});

test('a taken handle gets handle_taken and a taken room name gets room_name_taken', async (t) => {
  const { hub, bob, a, b } = await scene(t);
  expectRestError(
    await call(hub, hub.adminToken, 'POST', '/api/v1/members', { handle: 'ada', kind: 'agent' }),
    'handle_taken',
  );
  expectRestError(
    await call(hub, undefined, 'POST', '/api/v1/auth/register', { handle: 'bob', password: 'another-password' }),
    'handle_taken',
  );
  await a.request('room.create', { name: 'lab' });
  expectErrorFrame(await b.requestError('room.create', { name: 'lab' }), 'room_name_taken');
  expectRestError(
    await call(hub, bob.token, 'POST', '/api/v1/rooms', { name: 'lab', kind: 'private' }),
    'room_name_taken',
  );
  const members = await call(hub, hub.adminToken, 'GET', '/api/v1/members');
  assert.equal((members.body.members as Array<{ handle: string }>).filter((m) => m.handle === 'ada').length, 1);
});

test('an archived room is read-only: posting and joining get room_archived', async (t) => {
  const { hub, ada, bob, a, b } = await scene(t);
  const old = (await a.request('room.create', { name: 'old' })).room;
  await a.request('room.archive', { room: old.id });
  const before = await lastSeq(hub, old.id);

  expectErrorFrame(await a.requestError('send', { room: old.id, content: 'anyone?' }), 'room_archived');
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/old/messages', { content: 'anyone?' }),
    'room_archived',
  );
  expectRestError(await call(hub, bob.token, 'POST', '/api/v1/rooms/old/join'), 'room_archived');

  assert.equal(await lastSeq(hub, old.id), before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('a stream frame for a message that is not streaming gets not_streaming', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const complete = (await a.request('send', { room: 'general', content: 'done already' })).message;
  expectErrorFrame(await a.requestError('stream.delta', { message: complete.id, delta: 'more' }), 'not_streaming');

  const stream = (await a.request('stream.start', { room: 'general', content: 'thinking' })).message;
  await a.request('stream.done', { message: stream.id, content: 'thought' });
  expectErrorFrame(await a.requestError('stream.delta', { message: stream.id, delta: 'late' }), 'not_streaming');
  expectErrorFrame(await a.requestError('stream.done', { message: stream.id }), 'not_streaming');
  expectRestError(await call(hub, ada.token, 'POST', `/api/v1/messages/${stream.id}/cancel`), 'not_streaming');

  const stored = await call(hub, ada.token, 'GET', `/api/v1/messages/${stream.id}`);
  assert.equal(stored.body.message.content, 'thought');
  assert.equal(stored.body.message.status, 'complete');
  await assertStillServing(a, b);
});

test('an explicit target that is not in the room gets unknown_target naming it', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const lab = (await a.request('room.create', { name: 'lab', kind: 'private' })).room;
  const before = [await lastSeq(hub), await lastSeq(hub, lab.id, ada.token)];

  const ghost = await a.requestError('send', { room: 'general', content: 'hey', targets: ['bob', 'ghost'] });
  expectErrorFrame(ghost, 'unknown_target');
  assert.deepEqual(ghost.details.targets, ['ghost']);
  const outsider = await a.requestError('send', { room: lab.id, content: 'hey', targets: ['bob'] });
  expectErrorFrame(outsider, 'unknown_target');
  assert.deepEqual(outsider.details.targets, ['bob']);
  const simple = await call(hub, ada.token, 'POST', '/send-message', {
    sender: 'ada',
    message: 'hey',
    target_agents: ['ghost'],
  });
  expectRestError(simple, 'unknown_target');
  assert.deepEqual(simple.body.details.targets, ['ghost']);

  assert.deepEqual([await lastSeq(hub), await lastSeq(hub, lab.id, ada.token)], before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('a thread parent that is not in the room gets thread_mismatch', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  const lab = (await a.request('room.create', { name: 'lab' })).room;
  const parent = (await a.request('send', { room: lab.id, content: 'parent in the lab' })).message;
  const before = await lastSeq(hub);

  expectErrorFrame(
    await a.requestError('send', { room: 'general', content: 'reply', thread_id: parent.id }),
    'thread_mismatch',
  );
  expectErrorFrame(
    await a.requestError('send', { room: 'general', content: 'reply', thread_id: 'msg_nope' }),
    'thread_mismatch',
  );
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/rooms/general/messages', { content: 'reply', thread_id: parent.id }),
    'thread_mismatch',
  );

  assert.equal(await lastSeq(hub), before, 'nothing was stored');
  await assertStillServing(a, b);
});

test('task errors: unknown task, bad schema, wrong lease, a move the state machine forbids, and a lost race', async (t) => {
  const { hub, ada, a, b } = await scene(t);
  expectRestError(await call(hub, ada.token, 'GET', '/api/v1/tasks/task_nope'), 'task_not_found');
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/tasks', { title: 'x', acceptance: { schema: { type: 'nonsense' } } }),
    'invalid_schema',
  );
  const created = await call(hub, ada.token, 'POST', '/api/v1/tasks', { title: 'review me', room: 'general' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const task = created.body.task;
  expectRestError(await call(hub, ada.token, 'POST', `/api/v1/tasks/${task.id}/accept`), 'invalid_transition');

  const worker = await hub.member('worker', 'agent');
  const w = await RawClient.ready(t, hub.url, worker.token);
  const { claim } = await w.request('task.claim', {});
  assert.equal(claim!.task.id, task.id);
  expectErrorFrame(await w.requestError('task.heartbeat', { task: task.id, lease: 'lease_forged' }), 'lease_invalid');
  await w.request('files.reserve', { patterns: ['src/**'] });
  expectErrorFrame(await a.requestError('files.reserve', { patterns: ['src/index.ts'] }), 'reservation_conflict');
  await w.request('task.ask', { task: task.id, lease: claim!.lease.token, question: 'which branch?' });

  // Two answers in one packet are read before either is written: the second loses the compare-and-set.
  const before = a.frames.length;
  a.sendTogether([
    JSON.stringify({ type: 'task.answer', id: 'x1', task: task.id, answer: 'main' }),
    JSON.stringify({ type: 'task.answer', id: 'x2', task: task.id, answer: 'dev' }),
  ]);
  const answers = await Promise.all(
    ['x1', 'x2'].map((id) =>
      a.waitFor(
        (frame) =>
          (frame.type === 'ack' || frame.type === 'error') && frame.id === id && a.frames.indexOf(frame) >= before,
      ),
    ),
  );
  assert.equal(answers.filter((frame) => frame.type === 'ack').length, 1, 'one answer won');
  expectErrorFrame(
    answers.find((frame) => frame.type === 'error')!,
    'task_conflict',
  );
  const stored = await call(hub, ada.token, 'GET', `/api/v1/tasks/${task.id}`);
  assert.equal(stored.body.task.status, 'running');
  assert.equal(stored.body.task.feedback, 'main', 'the winning answer is the one stored');
  await assertStillServing(a, b);
});

test('approval errors: an unknown request, a member who may not decide, and a request already closed', async (t) => {
  const { hub, ada, bob, a, b } = await scene(t);
  const agent = await hub.member('deployer', 'agent');
  const d = await RawClient.ready(t, hub.url, agent.token);
  const { room } = await a.request('room.create', { name: 'ops', members: ['bob', 'deployer'] });
  expectRestError(
    await call(hub, ada.token, 'POST', '/api/v1/approvals/apv_nope', { decision: 'approve' }),
    'approval_not_found',
  );
  const waiting = d.request('approval.request', { room: room.id, action: 'deploy', timeout_ms: 60_000 });
  // The hub stops with the test: the agent's wait ends unanswered.
  waiting.catch(() => undefined);
  const card = await a.waitFor((frame) => frame.type === 'event' && frame.data?.metadata?.approval);
  const id = card.data.metadata.approval.id as string;
  expectErrorFrame(await b.requestError('approval.decide', { approval: id, decision: 'approve' }), 'not_approver');
  expectRestError(await call(hub, bob.token, 'POST', `/api/v1/approvals/${id}`, { decision: 'deny' }), 'not_approver');
  await a.request('approval.decide', { approval: id, decision: 'deny' });
  expectErrorFrame(await a.requestError('approval.decide', { approval: id, decision: 'approve' }), 'approval_closed');
  assert.equal((await waiting).approval.status, 'denied', 'the first decision stands');
  await assertStillServing(a, b);
});
