import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { GroupLimits } from '@roundtable/protocol';
import { groupMentions, Groups, inGroup, MAX_GROUP_MENTIONS, MAX_OWNED_GROUPS } from '../../src/core/groups.js';
import { addMember, addRoom, coreContext, messaging, refusal } from './kit.js';

async function groupsKit(t: TestContext) {
  const kit = await coreContext(t);
  const [ada, bob, cid, root] = [
    await addMember(kit.ctx, 'ada'),
    await addMember(kit.ctx, 'bob'),
    await addMember(kit.ctx, 'cid', 'agent'),
    await addMember(kit.ctx, 'root', 'person', 'admin'),
  ];
  return { ...kit, groups: new Groups(kit.ctx), ada, bob, cid, root };
}

test('the maker owns a group; only the owner and admins change or delete it', async (t) => {
  const { groups, ada, bob, root } = await groupsKit(t);
  const made = await groups.create(ada, { handle: 'core', members: ['bob', 'bob', 'cid'] });
  assert.deepEqual([made.owner, made.display_name, made.members], ['ada', 'core', ['bob', 'cid']]);
  assert.equal((await refusal(groups.update(bob, 'core', { add: ['bob'] }))).code, 'forbidden');
  assert.equal((await refusal(groups.delete(bob, 'core'))).code, 'forbidden');
  assert.deepEqual((await groups.update(root, '@Core', { remove: ['cid'] })).members, ['bob']);
  await groups.delete(ada, 'core');
  assert.equal((await refusal(groups.get('core'))).code, 'group_not_found');
  assert.equal((await refusal(groups.delete(ada, 'core'))).code, 'group_not_found');
});

test('members must exist and be people or agents; a group may not grow past its limit', async (t) => {
  const { ctx, groups, ada } = await groupsKit(t);
  const unknown = await refusal(groups.create(ada, { handle: 'core', members: ['bob', 'zed'] }));
  assert.deepEqual([unknown.code, unknown.details], ['member_not_found', { members: ['zed'] }]);
  assert.equal((await refusal(groups.create(ada, { handle: 'core', members: ['system'] }))).code, 'invalid_request');
  assert.deepEqual(await groups.list(), [], 'nothing was stored');

  const many = [];
  for (let n = 0; n < GroupLimits.maxMembers; n++) many.push((await addMember(ctx, `m${n}`)).handle);
  await groups.create(ada, { handle: 'crowd', members: many });
  assert.equal((await refusal(groups.update(ada, 'crowd', { add: ['bob'] }))).code, 'invalid_request');
  assert.equal((await groups.update(ada, 'crowd', { add: ['bob'], remove: ['m0'] })).members.length, many.length);
});

test('a member owns at most MAX_OWNED_GROUPS groups; an admin is not counted', async (t) => {
  const { groups, ada, root } = await groupsKit(t);
  for (let n = 0; n < MAX_OWNED_GROUPS; n++) await groups.create(ada, { handle: `g${n}`, members: [] });
  assert.equal((await refusal(groups.create(ada, { handle: 'one-more', members: [] }))).code, 'forbidden');
  await groups.delete(ada, 'g0');
  await groups.create(ada, { handle: 'one-more', members: [] });
  await groups.create(root, { handle: 'admins-own', members: [] });
});

test('a group’s mention reaches its members, a handle that is no group reaches nobody, and only so many are looked up', async (t) => {
  const { ctx, groups, ada, bob, cid } = await groupsKit(t);
  await groups.create(ada, { handle: 'core', members: ['bob', 'cid'] });
  await groups.create(ada, { handle: 'docs', members: ['bob', 'ada'] });
  assert.deepEqual((await groupMentions(ctx.store, ['core', 'docs', 'nobody'])).sort(), ['ada', 'bob', 'cid']);
  assert.deepEqual(await groupMentions(ctx.store, []), []);
  const filler = Array.from({ length: MAX_GROUP_MENTIONS }, (_, n) => `nobody${n}`);
  assert.deepEqual(await groupMentions(ctx.store, [...filler, 'core']), [], 'past the limit, handles are plain text');
  assert.equal(await inGroup(ctx.store, 'core', cid.id), true);
  assert.equal(await inGroup(ctx.store, 'docs', cid.id), false);
  assert.equal(await inGroup(ctx.store, 'gone', bob.id), false);
});

test('a message mentioning a group addresses and wakes the group’s members in the room, like their own mentions', async (t) => {
  const { ctx, groups, ada, bob, cid } = await groupsKit(t);
  const dee = await addMember(ctx, 'dee', 'agent');
  const lab = await addRoom(ctx, 'lab', 'public', [ada, bob, cid, dee]);
  const outside = await addMember(ctx, 'eve');
  await groups.create(ada, { handle: 'core', members: ['bob', 'cid', outside.handle] });
  const { messages } = messaging(ctx);
  const { message } = await messages.send(ada, { room: lab.id, content: 'ping @core and @bob' });
  assert.deepEqual(message.mentions, ['bob', 'cid']);
  const stored = await ctx.store.events(lab.id, message.seq - 1, 1, { kind: 'all' });
  assert.deepEqual(stored[0]?.agents, [cid.id], 'the group’s agent is woken; the agent outside it is not');
});
