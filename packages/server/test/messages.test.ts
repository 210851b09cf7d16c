import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { MessagePart } from '@roundtable/protocol';
import { RawClient, startHub } from '@roundtable/testkit';

test('authors and admins edit and delete; reactions are one per member and emoji', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  const admin = await RawClient.ready(t, hub.url, hub.adminToken);
  const message = (await a.request('send', { room: 'general', content: 'frist' })).message;

  assert.equal((await b.requestError('edit', { message: message.id, content: 'bob was here' })).code, 'forbidden');
  const edited = await a.request('edit', { message: message.id, content: 'first' });
  assert.equal(edited.message.content, 'first');
  assert.ok(edited.message.edited_at);
  const update = await b.waitFor((f) => f.type === 'event' && f.kind === 'message.updated' && f.data.id === message.id);
  assert.equal(update.data.content, 'first');

  assert.deepEqual(await b.request('react', { message: message.id, emoji: '🎉' }), { changed: true });
  assert.deepEqual(await b.request('react', { message: message.id, emoji: '🎉' }), { changed: false });
  await a.request('react', { message: message.id, emoji: '🎉' });
  await a.waitFor((f) => f.type === 'event' && f.kind === 'reaction.added' && f.data.member === 'ada');
  const got = await a.request('message.get', { message: message.id });
  assert.deepEqual(got.message.reactions, [{ emoji: '🎉', count: 2, members: ['bob', 'ada'] }]);
  await b.request('unreact', { message: message.id, emoji: '🎉' });
  assert.equal((await a.request('message.get', { message: message.id })).message.reactions[0].count, 1);

  const other = (await b.request('send', { room: 'general', content: 'regrettable' })).message;
  assert.equal((await a.requestError('delete', { message: other.id })).code, 'forbidden');
  await admin.request('delete', { message: other.id });
  const deleted = await a.waitFor((f) => f.type === 'event' && f.kind === 'message.deleted');
  assert.equal(deleted.data.id, other.id);
  const history = await a.request('history', { room: 'general' });
  const tombstone = history.messages.find((m: any) => m.id === other.id);
  assert.deepEqual([tombstone!.deleted, tombstone!.content], [true, '']);
  assert.equal((await a.requestError('react', { message: other.id, emoji: 'x' })).code, 'message_not_found');
});

test('messages carry tool-call parts and metadata, checked against their caps', async (t) => {
  const hub = await startHub(t);
  const bot = await hub.member('bot', 'agent');
  const agent = await RawClient.ready(t, hub.url, bot.token);
  const parts: MessagePart[] = [
    {
      type: 'tool_call',
      id: 'c1',
      name: 'search',
      arguments: { q: 'x' },
      result: { hits: 3 },
      status: 'ok',
      duration_ms: 12,
    },
  ];
  const sent = await agent.request('send', {
    room: 'general',
    content: 'found 3',
    parts,
    metadata: { model: 'm1', tokens: 42 },
  });
  assert.deepEqual(sent.message.parts, parts);
  assert.deepEqual(sent.message.metadata, { model: 'm1', tokens: 42 });
  const big = await agent.requestError('send', {
    room: 'general',
    content: 'x',
    metadata: { blob: 'y'.repeat(20_000) },
  });
  assert.equal(big.code, 'frame_too_large');
  const badPart = await agent.requestError('send', {
    room: 'general',
    content: 'x',
    parts: [{ type: 'tool_call', name: 'n' }],
  });
  assert.equal(badPart.code, 'invalid_request');
});
