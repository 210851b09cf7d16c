/**
 * Approvals over the wire: an agent's `approval.request` waits until a person decides (REST or
 * WebSocket) or time runs out; only the agent's owner, the room's owners, admins and the named
 * deciders decide; the card in the room follows every step; expiry survives a restart.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import type { Approval } from '@roundtable/protocol';
import { RawClient, eventually, startHub, type Frame, type TestHub } from '@roundtable/testkit';

/** Alice's private room #ops with the agent @codex, @bob (a member) and @carol (named as a decider). */
async function opsRoom(t: TestContext, hub: TestHub) {
  const [alice, bob, carol, codex] = await Promise.all([
    hub.member('alice'),
    hub.member('bob'),
    hub.member('carol'),
    hub.member('codex', 'agent'),
  ]);
  const a = await RawClient.ready(t, hub.url, alice.token);
  const { room } = await a.request('room.create', {
    name: 'ops',
    kind: 'private',
    members: ['bob', 'carol', 'codex'],
  });
  const agent = await RawClient.ready(t, hub.url, codex.token);
  return { alice, bob, carol, codex, a, agent, room };
}

/** Sends `approval.request` without waiting for its answer, and the card it posts. */
async function ask(viewer: RawClient, agent: RawClient, params: Record<string, unknown>) {
  const answer = agent.request('approval.request', params as never);
  const card = await viewer.waitFor(
    (frame) => frame.type === 'event' && frame.kind === 'message.created' && frame.data.metadata?.approval,
  );
  return { answer, card, approval: card.data.metadata.approval as Approval };
}

function cardUpdate(client: RawClient, id: string, status: string): Promise<Frame> {
  return client.waitFor(
    (frame) =>
      frame.type === 'event' &&
      frame.kind === 'message.updated' &&
      frame.data.metadata?.approval?.id === id &&
      frame.data.metadata.approval.status === status,
  );
}

test('an agent waits for a room owner’s approval given over REST; the card shows each step', async (t) => {
  const hub = await startHub(t);
  const { alice, a, agent, room } = await opsRoom(t, hub);
  const { answer, card, approval } = await ask(a, agent, {
    room: room.id,
    action: 'drop_table',
    details: { table: 'users', cascade: true },
    reason: 'The migration replaces it.',
    timeout_ms: 60_000,
  });
  assert.equal(card.data.sender_kind, 'system');
  assert.match(card.data.content, /@codex asks for approval: `drop_table`/);
  assert.deepEqual(
    { ...approval, id: undefined, created_at: undefined, expires_at: undefined, message_id: undefined },
    {
      id: undefined,
      room: room.id,
      thread_id: null,
      message_id: undefined,
      requester: 'codex',
      action: 'drop_table',
      details: { table: 'users', cascade: true },
      reason: 'The migration replaces it.',
      deciders: [],
      status: 'pending',
      decided_by: null,
      note: '',
      created_at: undefined,
      decided_at: null,
      expires_at: undefined,
    },
  );
  assert.equal(approval.message_id, card.data.id);

  const pending = await hub.api(alice.token, 'GET', '/api/v1/approvals?status=pending');
  assert.equal(pending.status, 200);
  assert.deepEqual(
    pending.body.approvals.map((entry: Approval) => entry.id),
    [approval.id],
  );

  const decided = await hub.api(alice.token, 'POST', `/api/v1/approvals/${approval.id}`, {
    decision: 'approve',
    note: 'after the backup',
  });
  assert.equal(decided.status, 200);
  assert.equal(decided.body.approval.status, 'approved');
  const outcome = (await answer).approval;
  assert.equal(outcome.status, 'approved');
  assert.equal(outcome.decided_by, 'alice');
  assert.equal(outcome.note, 'after the backup');
  const updated = await cardUpdate(a, approval.id, 'approved');
  assert.equal(updated.data.id, card.data.id, 'the card itself is updated');
  assert.equal(updated.actor, 'alice', 'the decision is an event of the room’s log by the decider');
  assert.match(updated.data.content, /Approved by @alice: after the backup/);

  const again = await hub.api(alice.token, 'POST', `/api/v1/approvals/${approval.id}`, { decision: 'deny' });
  assert.equal(again.status, 409);
  assert.equal(again.body.code, 'approval_closed');
  assert.deepEqual((await hub.api(alice.token, 'GET', '/api/v1/approvals')).body.approvals, []);
  const approved = await hub.api(alice.token, 'GET', '/api/v1/approvals?status=approved');
  assert.deepEqual(
    approved.body.approvals.map((entry: Approval) => entry.status),
    ['approved'],
  );
});

test('a member who may not decide is refused; a named decider denies over WebSocket and the agent hears the note', async (t) => {
  const hub = await startHub(t);
  const { bob, carol, a, agent, room } = await opsRoom(t, hub);
  const { message: root } = await a.request('send', { room: room.id, content: 'Shall we rotate the keys?' });
  const { answer, card, approval } = await ask(a, agent, {
    room: room.id,
    thread_id: root.id,
    action: 'rotate_keys',
    deciders: ['carol'],
    timeout_ms: 60_000,
  });
  assert.equal(card.data.thread_id, root.id, 'the card is posted in the thread');

  const b = await RawClient.ready(t, hub.url, bob.token);
  assert.equal(
    (await b.requestError('approval.decide', { approval: approval.id, decision: 'approve' })).code,
    'not_approver',
  );
  const byRest = await hub.api(bob.token, 'POST', `/api/v1/approvals/${approval.id}`, { decision: 'approve' });
  assert.equal(byRest.status, 403);
  assert.equal(byRest.body.code, 'not_approver');
  assert.deepEqual(await b.request('approval.list', {}), { approvals: [] }, 'nothing waits for bob');
  assert.equal(
    (await agent.requestError('approval.decide', { approval: approval.id, decision: 'approve' })).code,
    'not_approver',
    'an agent never approves its own request',
  );

  const c = await RawClient.ready(t, hub.url, carol.token);
  assert.deepEqual(
    (await c.request('approval.list', {})).approvals.map((entry) => entry.id),
    [approval.id],
  );
  const decided = await c.request('approval.decide', {
    approval: approval.id,
    decision: 'deny',
    note: 'not during the release',
  });
  assert.equal(decided.approval.status, 'denied');
  const outcome = (await answer).approval;
  assert.deepEqual([outcome.status, outcome.decided_by, outcome.note], ['denied', 'carol', 'not during the release']);
  await cardUpdate(a, approval.id, 'denied');
});

test('no decision in time is a denial: the request expires and can no longer be approved', async (t) => {
  const hub = await startHub(t);
  const { alice, a, agent, room } = await opsRoom(t, hub);
  const { answer, approval } = await ask(a, agent, { room: room.id, action: 'deploy', timeout_ms: 300 });
  const outcome = (await answer).approval;
  assert.equal(outcome.status, 'expired');
  assert.equal(outcome.decided_by, null);
  const card = await cardUpdate(a, approval.id, 'expired');
  assert.match(card.data.content, /No decision in time: denied\./);
  const late = await hub.api(alice.token, 'POST', `/api/v1/approvals/${approval.id}`, { decision: 'approve' });
  assert.equal(late.body.code, 'approval_closed');
  const expired = await hub.api(alice.token, 'GET', '/api/v1/approvals?status=expired');
  assert.deepEqual(
    expired.body.approvals.map((entry: Approval) => entry.id),
    [approval.id],
  );
});

test('the requester’s owner decides without being in the room; outsiders learn nothing of the request', async (t) => {
  const hub = await startHub(t);
  const { a, agent, room } = await opsRoom(t, hub);
  const outsider = await hub.member('mallory');
  const { answer, approval } = await ask(a, agent, { room: room.id, action: 'spend', timeout_ms: 60_000 });
  const refused = await hub.api(outsider.token, 'POST', `/api/v1/approvals/${approval.id}`, { decision: 'approve' });
  assert.equal(refused.status, 404);
  assert.equal(refused.body.code, 'approval_not_found');
  assert.doesNotMatch(JSON.stringify(refused.body), /spend|ops/);
  assert.equal((await hub.api(outsider.token, 'GET', '/api/v1/approvals')).body.approvals.length, 0);
  assert.equal(
    (await hub.api(outsider.token, 'POST', '/api/v1/approvals/apv_unknown', { decision: 'deny' })).body.code,
    'approval_not_found',
  );

  // The admin created @codex, so owns it, and is not a member of alice's private room.
  const listed = await hub.api(hub.adminToken, 'GET', '/api/v1/approvals');
  assert.deepEqual(
    listed.body.approvals.map((entry: Approval) => entry.id),
    [approval.id],
  );
  const decided = await hub.api(hub.adminToken, 'POST', `/api/v1/approvals/${approval.id}`, { decision: 'approve' });
  assert.equal(decided.status, 200);
  assert.equal((await answer).approval.status, 'approved');
});

test('bad requests are refused with the registry’s codes', async (t) => {
  const hub = await startHub(t);
  const { alice, agent, room } = await opsRoom(t, hub);
  const tooBig = { blob: 'x'.repeat(9_000) };
  assert.equal(
    (await agent.requestError('approval.request', { room: room.id, action: 'x', details: tooBig })).code,
    'invalid_request',
  );
  assert.equal(
    (await agent.requestError('approval.request', { room: room.id, action: 'x', timeout_ms: 16 * 60_000 })).code,
    'invalid_request',
  );
  assert.equal(
    (await agent.requestError('approval.request', { room: room.id, action: 'x', deciders: ['nobody'] })).code,
    'member_not_found',
  );
  assert.equal((await agent.requestError('approval.request', { room: 'nowhere', action: 'x' })).code, 'room_not_found');
  const bad = await hub.api(alice.token, 'POST', '/api/v1/approvals/apv_x', { decision: 'maybe' });
  assert.equal(bad.body.code, 'invalid_request');
  assert.equal((await hub.api(alice.token, 'GET', '/api/v1/approvals?status=everything')).body.code, 'invalid_request');
});

test('a request whose time ran out while no hub was running is expired at the next start', async (t) => {
  const first = await startHub(t);
  const { alice, a, agent, room } = await opsRoom(t, first);
  const { answer, approval } = await ask(a, agent, { room: room.id, action: 'restart_db', timeout_ms: 200 });
  // The hub goes away before the decision: the agent's wait ends with its connection.
  answer.catch(() => undefined);
  a.close();
  agent.close();
  await first.close();
  await new Promise((resolve) => setTimeout(resolve, 250));
  const second = await startHub(t, { dir: first.dir, adminToken: first.adminToken });
  await eventually(async () => {
    const page = await second.api(alice.token, 'GET', `/api/v1/rooms/${room.id}/messages`);
    const card = page.body.messages.find((message: { id: string }) => message.id === approval.message_id);
    assert.equal(card.metadata.approval.status, 'expired');
  });
});
