import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { CloseCode } from '@roundtable/protocol';
import type { HubContext } from '../../src/core/context.js';
import { FanOut } from '../../src/core/fanout.js';
import type { MemberRecord, StoredEvent } from '../../src/core/ports.js';
import { Presence } from '../../src/core/presence.js';
import { roomUpdated } from '../../src/core/rooms.js';
import type { Session } from '../../src/core/sessions.js';
import { addMember, addRoom, coreContext, RecordingConnection } from './kit.js';

async function fanoutKit(t: TestContext) {
  // FanOut keeps the membership caches itself: the kit's stand-in is not wanted here.
  const kit = await coreContext(t);
  const presence = new Presence(kit.ctx);
  const ended: Session[] = [];
  const fanout = new FanOut(kit.ctx, presence, {
    sessionEnded: (session) => ended.push(session),
    cancelStream: async () => {},
    messageUpdated: () => {},
    delivered: () => {},
    attached: () => {},
  });
  t.after(() => fanout.stop(CloseCode.GoingAway, 'test over'));
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const scout = await addMember(kit.ctx, 'scout', 'agent');
  const lab = await addRoom(kit.ctx, 'lab', 'public', [ada, bob, scout]);
  const connect = async (
    member: MemberRecord,
    options: { resume?: Record<string, number>; tokenId?: string; connection?: RecordingConnection } = {},
  ) => {
    const connection = options.connection ?? new RecordingConnection();
    const session = await fanout.attach(connection, { member, tokenId: options.tokenId ?? null }, options.resume);
    return { connection, session };
  };
  return { ...kit, presence, fanout, ended, ada, bob, scout, lab, connect };
}

/**
 * An event in the room's log (a topic change, as Rooms logs it), published or not; `agents` as the
 * delivery rule reads it.
 */
async function logEvent(
  ctx: HubContext,
  roomId: string,
  topic: string,
  options: { publish?: boolean; agents?: string[] | null } = {},
): Promise<StoredEvent> {
  const ada = await ctx.memberByHandle('ada');
  const { event } = await ctx.store.updateRoom(roomId, { topic }, (room) => ({
    ...roomUpdated(ada, ctx.now())(room),
    agents: options.agents === undefined ? null : options.agents,
  }));
  if (options.publish !== false) ctx.publishEvent(event);
  return event;
}

const topics = (connection: RecordingConnection) =>
  connection
    .ofType('event')
    .filter((frame) => frame.kind === 'room.updated')
    .map((frame) => [frame.seq, frame.data.room.topic]);

test('an attached session is sent ready first, then each live event of its rooms in seq order', async (t) => {
  const { ctx, connect, ada, lab } = await fanoutKit(t);
  const { connection, session } = await connect(ada);
  const ready = connection.received[0];
  assert.equal(ready.type, 'ready');
  assert.equal(ready.session_id, session.id);
  assert.equal(ready.member.presence, 'online');
  assert.deepEqual(
    ready.rooms.map((room: { id: string; last_seq: number }) => [room.id, room.last_seq]),
    [[lab.id, 3]],
  );
  assert.deepEqual(ready.resuming, []);

  await logEvent(ctx, lab.id, 'one');
  // Events from another instance may arrive out of order: the later one waits for the one before it.
  const second = await logEvent(ctx, lab.id, 'two', { publish: false });
  const third = await logEvent(ctx, lab.id, 'three', { publish: false });
  ctx.publishEvent(third);
  assert.deepEqual(topics(connection), [[4, 'one']], 'the third is held while the second is missing');
  ctx.publishEvent(second);
  // A copy arriving again (a redelivery, a resync) is not sent again.
  ctx.publishEvent(second);
  assert.deepEqual(topics(connection), [
    [4, 'one'],
    [5, 'two'],
    [6, 'three'],
  ]);
});

test('a resumed session gets the events it missed, then synced, then live events, each once', async (t) => {
  const { ctx, connect, ada, lab } = await fanoutKit(t);
  for (const topic of ['a', 'b', 'c']) await logEvent(ctx, lab.id, topic);
  const unpublished = await logEvent(ctx, lab.id, 'd', { publish: false });

  const connection = new RecordingConnection();
  // When ready is sent the catch-up has not read the log yet: an event published at that moment
  // arrives live while the log holds it too.
  connection.onFrame = (frame) => {
    if (frame.type === 'ready') ctx.publishEvent(unpublished);
  };
  await connect(ada, { connection, resume: { [lab.id]: 3 } });
  assert.equal(connection.received[0].type, 'ready');
  assert.deepEqual(connection.received[0].resuming, [lab.id]);
  assert.deepEqual(topics(connection), [
    [4, 'a'],
    [5, 'b'],
    [6, 'c'],
    [7, 'd'],
  ]);
  assert.deepEqual(connection.received.at(-1), { type: 'synced', room: lab.id, seq: 7 });
  assert.equal(ctx.stats.duplicatesSuppressed, 1, 'the live copy of d was dropped');
  await logEvent(ctx, lab.id, 'e');
  assert.deepEqual(topics(connection).at(-1), [8, 'e']);
});

test('an agent’s session gets only the events the delivery rule gives it; a detached session gets nothing', async (t) => {
  const { ctx, connect, fanout, presence, ended, ada, scout, lab } = await fanoutKit(t);
  const person = await connect(ada);
  const agent = await connect(scout);
  await logEvent(ctx, lab.id, 'for everyone');
  await logEvent(ctx, lab.id, 'for no agent', { agents: [] });
  await logEvent(ctx, lab.id, 'for the scout', { agents: [scout.id] });
  assert.deepEqual(
    topics(person.connection).map(([, topic]) => topic),
    ['for everyone', 'for no agent', 'for the scout'],
  );
  assert.deepEqual(
    topics(agent.connection).map(([, topic]) => topic),
    ['for everyone', 'for the scout'],
  );
  assert.equal(ctx.stats.eventsDelivered, 5);

  fanout.detach(agent.session);
  assert.deepEqual(ended, [agent.session], 'the features holding state about the session are told');
  assert.equal(presence.presenceOf(scout.id), 'offline');
  // Whom to tell of a presence is read from the store: the frame leaves a turn later.
  await new Promise((resolve) => setImmediate(resolve));
  assert.ok(
    person.connection.ofType('presence').some((frame) => frame.member === 'scout' && frame.status === 'offline'),
    'the person sharing the room is told the agent went offline',
  );
  await logEvent(ctx, lab.id, 'after');
  assert.equal(topics(agent.connection).length, 2);
});

test('a session follows its member into rooms joined later and out of rooms left', async (t) => {
  const { ctx, connect, ada, bob } = await fanoutKit(t);
  const { connection, session } = await connect(bob);
  const den = await addRoom(ctx, 'den', 'private', [ada, bob]);
  assert.ok(session.rooms.has(den.id));
  await logEvent(ctx, den.id, 'welcome');
  assert.deepEqual(topics(connection).at(-1), [3, 'welcome']);
  const { event } = await ctx.store.removeMembership(den.id, bob.id, {
    kind: 'member.left',
    actor: 'bob',
    at: ctx.now(),
    data: { member: 'bob', member_id: bob.id },
    agents: null,
  });
  ctx.publishEvent(event!);
  assert.ok(!session.rooms.has(den.id));
  assert.equal((await ctx.roomMembers(den.id)).has(bob.id), false, 'the room’s cached members were forgotten');
  await logEvent(ctx, den.id, 'gone');
  assert.deepEqual(
    connection.ofType('event').map((frame) => [frame.seq, frame.kind]),
    [
      [2, 'member.joined'],
      [3, 'room.updated'],
      [4, 'member.left'],
    ],
    'from its own join on, up to its own leave',
  );
});

test('another instance’s word closes sessions: a revoked token, a disabled member', async (t) => {
  const { ctx, connect, ada, bob } = await fanoutKit(t);
  const revoked = await connect(ada, { tokenId: 't_old' });
  const kept = await connect(ada, { tokenId: 't_new' });
  const bobs = await connect(bob);
  ctx.bus.publish({ kind: 'control', action: 'token.revoked', tokenId: 't_old' });
  assert.equal(revoked.connection.closed?.code, CloseCode.Unauthorized);
  assert.equal(kept.connection.closed, undefined);

  await ctx.store.updateMember(bob.id, { disabled: true });
  ctx.bus.publish({ kind: 'control', action: 'member.updated', memberId: bob.id });
  // The control message is handled asynchronously (it reads the member from the store).
  for (let turn = 0; turn < 10 && !bobs.connection.closed; turn++) await new Promise((r) => setImmediate(r));
  assert.equal(bobs.connection.closed?.code, CloseCode.Forbidden);
  assert.equal(bobs.session.member.disabled, true);
});
