import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { Presence } from '../../src/core/presence.js';
import { Session } from '../../src/core/sessions.js';
import type { MemberRecord } from '../../src/core/ports.js';
import { addMember, addRoom, coreContext, RecordingConnection, refusal } from './kit.js';

async function presenceKit(t: TestContext) {
  const kit = await coreContext(t);
  const presence = new Presence(kit.ctx);
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const scout = await addMember(kit.ctx, 'scout', 'agent');
  await addRoom(kit.ctx, 'square', 'public', [ada, bob, scout]);
  /** A live session registered as FanOut registers one, in its member's rooms. */
  const connect = async (member: MemberRecord) => {
    const connection = new RecordingConnection();
    const session = new Session(`s_${member.handle}_${kit.ctx.sessions.size}`, connection, member, null);
    kit.ctx.sessions.add(session);
    for (const roomId of await kit.ctx.store.roomIdsOf(member.id)) {
      kit.ctx.sessions.attachRoom(session, roomId, { cursor: 0, listen: 'addressed', syncing: false, buffer: [] });
    }
    presence.announce(member);
    await settled();
    return { session, connection };
  };
  const disconnect = async (session: Session) => {
    kit.ctx.sessions.remove(session);
    presence.announce(session.member);
    await settled();
  };
  return { ...kit, presence, ada, bob, scout, connect, disconnect };
}

/** Whom to tell of a presence is read from the store: its answer comes after a turn. */
const settled = () => new Promise((resolve) => setImmediate(resolve));

const presenceFrames = (connection: RecordingConnection, handle: string) =>
  connection
    .ofType('presence')
    .filter((frame) => frame.member === handle)
    .map((frame) => frame.status);

test('a member is online while any connection is, away when all are, and people are told only of changes', async (t) => {
  const { presence, published, ada, bob, scout, connect, disconnect } = await presenceKit(t);
  const watcher = await connect(ada);
  const agent = await connect(scout);
  const phone = await connect(bob);
  const laptop = await connect(bob);
  assert.equal(presence.presenceOf(bob.id), 'online');
  assert.equal(presence.setPresence(phone.session, 'away'), 'online', 'the laptop is still online');
  assert.equal(presence.setPresence(laptop.session, 'away'), 'away');
  await settled();
  await disconnect(phone.session);
  assert.equal(presence.presenceOf(bob.id), 'away');
  await disconnect(laptop.session);
  assert.equal(presence.presenceOf(bob.id), 'offline');

  assert.deepEqual(presenceFrames(watcher.connection, 'bob'), ['online', 'away', 'offline']);
  assert.deepEqual(agent.connection.ofType('presence'), [], 'agents are not sent presence');
  const told = published.filter((m) => m.kind === 'control' && m.action === 'presence' && m.memberId === bob.id);
  assert.deepEqual(
    told.map((m) => m.kind === 'control' && m.action === 'presence' && m.status),
    ['online', 'away', 'offline'],
    'the other instances are told of each change of the local view, once',
  );
});

test('a member online on another instance counts as online here, until that instance goes silent', async (t) => {
  const { ctx, presence, clock, ada, bob, connect } = await presenceKit(t);
  const watcher = await connect(ada);
  const other = 'i_other';
  presence.onControl({
    kind: 'control',
    action: 'presence',
    instance: other,
    memberId: bob.id,
    handle: 'bob',
    status: 'online',
  });
  await settled();
  assert.equal(presence.presenceOf(bob.id), 'online');
  presence.onControl({
    kind: 'control',
    action: 'presence',
    instance: ctx.instanceId,
    memberId: ada.id,
    handle: 'ada',
    status: 'offline',
  });
  assert.equal(presence.presenceOf(ada.id), 'online', 'an instance ignores its own messages');

  // A local session that is away does not hide the remote one that is online.
  const local = await connect(bob);
  presence.setPresence(local.session, 'away');
  await settled();
  assert.equal(presence.presenceOf(bob.id), 'online');

  presence.onControl({
    kind: 'control',
    action: 'presence.snapshot',
    instance: other,
    members: [[bob.id, { handle: 'bob', status: 'away' }]],
  });
  await settled();
  assert.equal(presence.presenceOf(bob.id), 'away');
  presence.onControl({
    kind: 'control',
    action: 'presence.snapshot',
    instance: other,
    members: [[bob.id, { handle: 'bob', status: 'online' }]],
  });
  await settled();
  ctx.sessions.remove(local.session);
  presence.announce(bob);
  await settled();

  // Three heartbeats without a word from it: the other instance is taken for dead. The heartbeat that
  // notices runs on a timer; another instance's sync request runs it at once.
  clock.advance(30_001);
  presence.onControl({ kind: 'control', action: 'presence.sync', instance: 'i_third' });
  await settled();
  assert.equal(presence.presenceOf(bob.id), 'offline');
  assert.deepEqual(presenceFrames(watcher.connection, 'bob'), ['online', 'away', 'online', 'offline']);
});

test('a presence reaches only the people who share a room with its member, each once', async (t) => {
  const { ctx, ada, bob, connect, disconnect } = await presenceKit(t);
  const carol = await addMember(ctx, 'carol');
  const dave = await addMember(ctx, 'dave');
  await addRoom(ctx, null, 'direct', [carol, dave]);
  await addRoom(ctx, 'corner', 'public', [ada, bob]);
  const adas = await connect(ada);
  const carols = await connect(carol);
  const daves = await connect(dave);
  const bobs = await connect(bob);
  await disconnect(bobs.session);
  assert.deepEqual(presenceFrames(adas.connection, 'bob'), ['online', 'offline'], 'two shared rooms, one frame each');
  assert.deepEqual(presenceFrames(carols.connection, 'bob'), [], 'carol shares no room with bob');
  assert.deepEqual(presenceFrames(carols.connection, 'dave'), ['online'], 'but one with dave');
  assert.deepEqual(presenceFrames(daves.connection, 'ada'), []);
});

test('without the store to say who shares a room, a presence reaches everyone here rather than no one', async (t) => {
  const { ctx, logs, bob, connect, disconnect } = await presenceKit(t);
  const carol = await addMember(ctx, 'carol');
  const carols = await connect(carol);
  const bobs = await connect(bob);
  ctx.store.roomIdsOf = async () => {
    throw new Error('the store is down');
  };
  await disconnect(bobs.session);
  assert.deepEqual(presenceFrames(carols.connection, 'bob'), ['offline'], 'bob is not left online');
  const warned = logs.findIndex((line) => line.message?.startsWith('could not read whom to tell'));
  assert.ok(warned >= 0, 'and the failure is logged');
  logs.splice(warned, 1);
});

test('typing reaches the room’s people, in a thread of that room only', async (t) => {
  const { ctx, presence, published, ada, bob, scout } = await presenceKit(t);
  const room = await addRoom(ctx, 'lab', 'private', [ada, scout]);
  await presence.typing(ada, 'lab', undefined, true);
  const signal = published.find((m) => m.kind === 'signal');
  assert.ok(signal?.kind === 'signal');
  assert.deepEqual([signal.room, signal.agentsToo], [room.id, false]);
  assert.deepEqual(JSON.parse(signal.frame), {
    type: 'typing',
    room: room.id,
    member: 'ada',
    thread_id: null,
    active: true,
  });
  assert.equal((await refusal(presence.typing(bob, 'lab', undefined, true))).code, 'room_not_found');
  assert.equal((await refusal(presence.typing(ada, 'lab', 'msg_elsewhere', true))).code, 'thread_mismatch');
});
