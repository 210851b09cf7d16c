import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addMember, addRoom, coreContext } from './kit.js';

/**
 * A store read whose first answer arrives only when released, as a PostgreSQL read's answer can
 * arrive after other work committed meanwhile; it counts the reads.
 */
function holdFirst<A extends unknown[], T>(read: (...args: A) => Promise<T>) {
  let release!: () => void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const counted = { reads: 0, release };
  const wrapped = async (...args: A): Promise<T> => {
    counted.reads += 1;
    const answer = await read(...args);
    if (counted.reads === 1) await held;
    return answer;
  };
  return { wrapped, counted };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('a room’s members read across a leave answer that read but are not kept: the leaver cannot post on a stale cache', async (t) => {
  const { ctx, store } = await coreContext(t);
  const ada = await addMember(ctx, 'ada');
  const bob = await addMember(ctx, 'bob');
  const room = await addRoom(ctx, 'general', 'public', [ada, bob]);
  const { wrapped, counted } = holdFirst(store.roomMembers.bind(store));
  store.roomMembers = wrapped;

  const before = ctx.roomMembers(room.id);
  const views = before.then((members) => ctx.memberViews(room.id, members));
  await turn();
  await store.removeMembership(room.id, bob.id, {
    kind: 'member.left',
    actor: bob.handle,
    at: ctx.now(),
    data: { member: bob.handle, member_id: bob.id },
    agents: null,
  });
  ctx.forgetRoomMembers(room.id, true);
  counted.release();

  assert.deepEqual([...(await before).keys()].sort(), [ada.id, bob.id].sort(), 'the read answers as it read');
  assert.equal((await views).length, 2);
  assert.equal(ctx.cachedMembership(room.id, bob.id), undefined, 'but its answer was not kept');
  assert.deepEqual([...(await ctx.roomMembers(room.id)).keys()], [ada.id], 'the next read sees the leave');
  assert.deepEqual(
    (await ctx.memberViews(room.id, await ctx.roomMembers(room.id))).map((view) => view.handle),
    ['ada'],
    'and so do the views the delivery rule and mentions use',
  );
  assert.equal(counted.reads, 2, 'that read is kept: the one after it reads nothing');
});

test('a read of one room’s members across a join elsewhere is kept: churn in other rooms costs it nothing', async (t) => {
  const { ctx, store } = await coreContext(t);
  const ada = await addMember(ctx, 'ada');
  const room = await addRoom(ctx, 'general', 'public', [ada]);
  const other = await addRoom(ctx, 'random', 'public', [ada]);
  const { wrapped, counted } = holdFirst(store.roomMembers.bind(store));
  store.roomMembers = wrapped;

  const first = ctx.roomMembers(room.id);
  await turn();
  ctx.forgetRoomMembers(other.id, true);
  counted.release();
  await first;
  assert.equal(ctx.cachedMembership(room.id, ada.id)?.member_id, ada.id);
  await ctx.roomMembers(room.id);
  assert.equal(counted.reads, 1);
});

test('a room read for sends across a change of the room is not kept', async (t) => {
  const { ctx, store } = await coreContext(t);
  const ada = await addMember(ctx, 'ada');
  const room = await addRoom(ctx, 'general', 'public', [ada]);
  const { wrapped, counted } = holdFirst(store.roomById.bind(store));
  store.roomById = wrapped;

  const first = ctx.roomForSend(room.id);
  await turn();
  ctx.forgetRoom(room.id);
  counted.release();
  assert.equal((await first).id, room.id);
  await ctx.roomForSend(room.id);
  await ctx.roomForSend(room.id);
  assert.equal(counted.reads, 2, 'the read across the change was not kept; the next one was');
});
