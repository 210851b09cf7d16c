import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { eventually } from '@roundtable/testkit';
import { ActivityBoard } from '../../src/core/activity.js';
import { Session } from '../../src/core/sessions.js';
import type { MemberRecord } from '../../src/core/ports.js';
import { addMember, addRoom, coreContext, messaging, RecordingConnection, refusal } from './kit.js';

async function activityKit(t: TestContext, activityTtlMs = 30_000) {
  const kit = await coreContext(t, { activityTtlMs });
  const board = new ActivityBoard(kit.ctx);
  board.start();
  t.after(() => board.stop());
  const { messages } = messaging(kit.ctx);
  const ada = await addMember(kit.ctx, 'ada');
  const bob = await addMember(kit.ctx, 'bob');
  const codex = await addMember(kit.ctx, 'codex', 'agent');
  const scout = await addMember(kit.ctx, 'scout', 'agent');
  const lab = await addRoom(kit.ctx, 'lab', 'public', [ada, codex, scout]);
  await addRoom(kit.ctx, 'secret', 'private', [ada]);
  /** A live session in the lab, registered as FanOut registers one. */
  const connect = (member: MemberRecord) => {
    const connection = new RecordingConnection();
    const session = new Session(`s_${member.handle}_${kit.ctx.sessions.size}`, connection, member, null);
    kit.ctx.sessions.add(session);
    kit.ctx.sessions.attachRoom(session, lab.id, { cursor: 0, listen: 'addressed', syncing: false, buffer: [] });
    return connection;
  };
  return { ...kit, board, messages, ada, bob, codex, scout, lab, connect };
}

const shown = (connection: RecordingConnection) =>
  connection.ofType('activity').map((frame) => [frame.member, frame.state, frame.tool, frame.thread_id]);

test('an agent’s states reach the room’s people, not its agents, and idle clears them', async (t) => {
  const { board, codex, ada, lab, connect, scout } = await activityKit(t);
  const person = connect(ada);
  const agent = connect(scout);
  await board.set(codex, { room: 'lab', state: 'thinking' });
  await board.set(codex, { room: 'lab', state: 'tool', tool: 'search_files' });
  assert.deepEqual(
    (await board.list(ada, 'lab')).map((a) => [a.member, a.state, a.tool]),
    [['codex', 'tool', 'search_files']],
    'one state per member and place: the newest replaces the one before',
  );
  await board.set(codex, { room: lab.id, state: 'idle' });
  assert.deepEqual(shown(person), [
    ['codex', 'thinking', null, null],
    ['codex', 'tool', 'search_files', null],
    ['codex', 'idle', null, null],
  ]);
  assert.deepEqual(agent.ofType('activity'), [], 'agents are not sent activity');
  assert.deepEqual(await board.list(ada, undefined), []);
});

test('a state set in a thread is the thread’s, named by its root', async (t) => {
  const { board, messages, codex, ada } = await activityKit(t);
  const root = (await messages.send(ada, { room: 'lab', content: 'a question' })).message;
  const reply = (await messages.send(ada, { room: 'lab', content: 'more', thread_id: root.id })).message;
  await board.set(codex, { room: 'lab', thread_id: reply.id, state: 'waiting_approval' });
  await board.set(codex, { room: 'lab', state: 'thinking' });
  const held = await board.list(codex, 'lab');
  assert.deepEqual(held.map((a) => [a.state, a.thread_id]).sort(), [
    ['thinking', null],
    ['waiting_approval', root.id],
  ]);
});

test('a state not set again lapses after the TTL, and the room’s people are told it is idle', async (t) => {
  const { board, codex, ada, clock, connect } = await activityKit(t, 120);
  const person = connect(ada);
  const set = await board.set(codex, { room: 'lab', state: 'thinking' });
  assert.equal(set.ttl_ms, 120);
  clock.advance(100);
  assert.equal((await board.list(ada, 'lab'))[0]?.ttl_ms, 20, 'a snapshot says how long the state has left');
  clock.advance(21);
  assert.deepEqual(await board.list(ada, 'lab'), [], 'a lapsed state is not listed, swept or not');
  await eventually(() => assert.deepEqual(shown(person).at(-1), ['codex', 'idle', null, null], 'told it lapsed'));
});

test('only members set their own state, within the rate limit, and `tool` names its tool', async (t) => {
  const { board, bob, codex, ada } = await activityKit(t);
  assert.equal((await refusal(board.set(bob, { room: 'lab', state: 'thinking' }))).code, 'not_member');
  assert.equal((await refusal(board.set(codex, { room: 'secret', state: 'thinking' }))).code, 'room_not_found');
  assert.equal((await refusal(board.list(bob, 'secret'))).code, 'room_not_found');
  assert.equal((await refusal(board.set(codex, { room: 'lab', state: 'tool' }))).code, 'invalid_request');
  const ignored = await board.set(codex, { room: 'lab', state: 'thinking', tool: 'search_files' });
  assert.equal(ignored.tool, null, 'a tool goes only with states `tool` and `waiting_approval`');
  let refused;
  for (let i = 0; i < 40 && !refused; i++) {
    refused = await board.set(ada, { room: 'lab', state: 'thinking' }).then(
      () => undefined,
      (error: { code: string }) => error.code,
    );
  }
  assert.equal(refused, 'rate_limited');
});
