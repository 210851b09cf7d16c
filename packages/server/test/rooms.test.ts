import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RoomSummary } from '@roundtable/protocol';
import { RawClient, eventually, startHub } from '@roundtable/testkit';

test('rooms list unread and mention counts that follow the read cursor', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  await a.request('send', { room: 'general', content: 'one' });
  await a.request('send', { room: 'general', content: 'hey @bob' });
  await a.request('send', { room: 'general', content: '@bob and @all at once' });
  const last = (await a.request('send', { room: 'general', content: '@all three' })).message;
  await b.request('send', { room: 'general', content: 'my own, to @all' });
  const summary = () =>
    b.request('rooms.list', {}).then((r: any) => r.rooms.find((room: any) => room.name === 'general'));
  assert.deepEqual(
    [(await summary()).unread, (await summary()).mentions],
    [4, 3],
    'a message naming bob and @all counts once; bob’s own @all not at all',
  );
  await b.request('read', { room: 'general', seq: last.seq - 1 });
  assert.deepEqual([(await summary()).unread, (await summary()).mentions], [1, 1]);
  const receipt = await a.waitFor((f) => f.type === 'read' && f.member === 'bob');
  assert.equal(receipt.seq, last.seq - 1, 'others see the read receipt');
  await b.request('read', { room: 'general', seq: 1 });
  assert.equal((await summary()).read_seq, last.seq - 1, 'the cursor never moves back');
  const members = await b.request('room.members', { room: 'general' });
  assert.equal(members.members.find((m: any) => m.member === 'bob')!.read_seq, last.seq - 1);

  const dm = (await a.request('room.direct', { members: ['bob'] })).room;
  const again = (await b.request('room.direct', { members: ['ada'] })).room;
  assert.equal(again.id, dm.id, 'a direct room is found again, whoever opens it');
  await a.request('send', { room: dm.id, content: 'just for you' });
  const direct = ((await b.request('rooms.list', {})).rooms as RoomSummary[]).find((room) => room.id === dm.id)!;
  assert.deepEqual([direct.unread, direct.mentions, direct.members], [1, 1, ['ada']]);
});

test('channels are created, joined, left, invited to, given a topic and archived', async (t) => {
  const hub = await startHub(t);
  const [ada, bob, cy] = await Promise.all([hub.member('ada'), hub.member('bob'), hub.member('cy')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  const pub = (await a.request('room.create', { name: 'design', kind: 'public', topic: 'pixels' })).room;
  assert.equal((await b.requestError('room.create', { name: 'design' })).code, 'room_name_taken');
  const browse = await b.request('rooms.list', { scope: 'public' });
  assert.ok(browse.rooms.some((room: any) => room.id === pub.id));
  assert.equal((await b.requestError('send', { room: 'design', content: 'hi' })).code, 'not_member');
  const preview = await b.request('history', { room: 'design' });
  assert.deepEqual(preview.messages, [], 'a public room can be read before joining');
  await b.request('room.join', { room: 'design' });
  await b.request('room.join', { room: 'design' });
  const updated = await b.request('room.update', { room: 'design', topic: 'pixels and fonts' });
  assert.equal(updated.room.topic, 'pixels and fonts');
  await a.waitFor((f) => f.type === 'event' && f.kind === 'room.updated' && f.data.room.topic === 'pixels and fonts');
  assert.equal((await b.requestError('room.archive', { room: 'design' })).code, 'forbidden', 'only the owner archives');

  const priv = (await a.request('room.create', { name: 'core', kind: 'private' })).room;
  assert.equal((await b.requestError('room.join', { room: priv.id })).code, 'room_not_found');
  await a.request('room.invite', { room: priv.id, member: 'bob' });
  await b.waitFor((f) => f.type === 'event' && f.kind === 'member.joined' && f.room === priv.id);
  await b.request('room.invite', { room: priv.id, member: 'cy' });
  const members = await a.request('room.members', { room: priv.id });
  assert.deepEqual(members.members.map((m: any) => m.member).sort(), ['ada', 'bob', 'cy']);
  await b.request('room.leave', { room: priv.id });
  assert.equal((await b.requestError('history', { room: priv.id })).code, 'room_not_found');

  await a.request('room.archive', { room: 'design' });
  assert.equal((await b.requestError('send', { room: 'design', content: 'late' })).code, 'room_archived');
  const cyClient = await RawClient.ready(t, hub.url, cy.token);
  assert.equal((await cyClient.requestError('room.join', { room: 'design' })).code, 'room_archived');
  await eventually(async () => {
    const listed = await b.request('rooms.list', { scope: 'public' });
    assert.ok(!listed.rooms.some((room: any) => room.id === pub.id), 'archived rooms leave the directory');
  });
});

test('notification level and listen mode are per member and per room', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const bot = await hub.member('bot', 'agent');
  const a = await RawClient.ready(t, hub.url, ada.token);
  const agent = await RawClient.ready(t, hub.url, bot.token);
  const settings = await a.request('room.settings', { room: 'general', notify: 'muted' });
  assert.deepEqual([settings.notify, settings.listen], ['muted', 'addressed']);
  const quiet = (await a.request('send', { room: 'general', content: 'unaddressed' })).message;
  await agent.request('room.settings', { room: 'general', listen: 'all' });
  const heard = (await a.request('send', { room: 'general', content: 'now heard' })).message;
  await agent.waitFor((f) => f.type === 'event' && f.data.id === heard.id);
  assert.ok(!agent.messages().some((f) => f.data.id === quiet.id));
  const summary = ((await a.request('rooms.list', {})).rooms as RoomSummary[])[0];
  assert.equal(summary.notify, 'muted');
});
