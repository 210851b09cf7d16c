/**
 * The approvals feature alone: expiry counted on a clock that moves only when told (on read, on
 * decision, at start), and a waiter woken by the card's event when another instance decides.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Approvals } from '../../src/core/approvals.js';
import type { HubContext } from '../../src/core/context.js';
import { addMember, addRoom, coreContext, eventsOf, messaging, refusal } from './kit.js';

/** One instance's approvals, wired as hub.ts wires them, with the bus's events as the fan-out's. */
function instance(ctx: HubContext): Approvals {
  const { messages } = messaging(ctx);
  return new Approvals(ctx, {
    postSystem: (roomId, content, options) => messages.postSystem(roomId, content, options),
    watchEvents: (watcher) => {
      let on = true;
      ctx.bus.subscribe((message) => on && message.kind === 'event' && watcher(message.event));
      return () => (on = false);
    },
  });
}

async function approvalsKit(t: TestContext) {
  const kit = await coreContext(t);
  const approvals = instance(kit.ctx);
  await approvals.start();
  t.after(() => approvals.stop());
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const agent = await addMember(kit.ctx, 'deployer', 'agent');
  const room = await addRoom(kit.ctx, 'ops', 'private', [ada, bob, agent]);
  return { ...kit, approvals, ada, bob, agent, room };
}

const ask = { action: 'deploy', timeout_ms: 60_000 } as const;

test('a request past its time is expired when someone decides it: never approved, and the card says so', async (t) => {
  const { approvals, published, clock, ada, agent, room } = await approvalsKit(t);
  const opened = await approvals.open(agent, { ...ask, room: room.id });
  clock.advance(60_000);
  assert.equal((await refusal(approvals.decide(ada, opened.id, 'approve', undefined))).code, 'approval_closed');
  const updates = eventsOf(published, { kind: 'message.updated', room: room.id });
  assert.deepEqual(
    updates.map((event) => [event.actor, event.data.metadata.approval.status]),
    [['system', 'expired']],
  );
  assert.deepEqual(
    (await approvals.list(ada, 'expired', 10)).map((approval) => approval.id),
    [opened.id],
  );
});

test('a decision made by another instance wakes the waiter through the card’s event', async (t) => {
  const { ctx, approvals, bob, ada, agent, room } = await approvalsKit(t);
  const other = instance(ctx);
  await other.start();
  t.after(() => other.stop());
  const opened = await approvals.open(agent, { ...ask, room: room.id, deciders: ['bob'] });
  const waiting = approvals.wait(opened);
  const decided = await other.decide(bob, opened.id, 'deny', 'not now');
  assert.equal(decided.status, 'denied');
  const heard = await waiting;
  assert.deepEqual([heard.status, heard.decided_by, heard.note], ['denied', 'bob', 'not now']);
  assert.equal((await refusal(other.decide(ada, opened.id, 'approve', undefined))).code, 'approval_closed');
});

test('a start expires what fell due while no instance ran', async (t) => {
  const { ctx, approvals, published, clock, agent, room } = await approvalsKit(t);
  const opened = await approvals.open(agent, { ...ask, room: room.id });
  approvals.stop();
  clock.advance(120_000);
  const next = instance(ctx);
  await next.start();
  t.after(() => next.stop());
  assert.equal((await ctx.store.approvalById(opened.id))?.status, 'expired');
  const last = eventsOf(published, { kind: 'message.updated', room: room.id }).at(-1);
  assert.equal(last?.data.metadata.approval.status, 'expired');
});
