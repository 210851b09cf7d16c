/** Memory search and notes through the WebSocket and REST: only one's own rooms and one's own notes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, startHub } from '@roundtable/testkit';

test('memory.search finds the messages of one’s rooms and one’s own notes, and nothing else', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  await b.request('room.create', { name: 'secret', kind: 'private' });
  await b.request('room.create', { name: 'lobby', kind: 'public' });
  const mine = (await a.request('send', { room: 'general', content: 'The canary deploy needs a rollback plan' }))
    .message;
  await b.request('send', { room: 'secret', content: 'canary deploy secret plan' });
  await b.request('send', { room: 'lobby', content: 'canary deploy in the lobby' });
  await b.request('memory.save', { content: 'bob: canary deploys go out on Fridays' });
  const note = (await a.request('memory.save', { content: 'ada: canary rollback takes ten minutes', room: 'general' }))
    .note;
  assert.deepEqual(Object.keys(note).sort(), ['content', 'created_at', 'id', 'member', 'room']);
  assert.equal(note.member, 'ada');

  const found = await a.request('memory.search', { query: 'Canary DEPLOY rollback!' });
  assert.deepEqual(
    found.messages.map((hit: any) => hit.message.id),
    [mine.id],
    'neither the private room nor the public room ada has not joined',
  );
  assert.deepEqual(
    found.notes.map((hit: any) => hit.note.id),
    [note.id],
    'only her own note',
  );
  assert.ok(found.messages[0].score > 0);

  assert.equal((await a.requestError('memory.search', { query: 'canary', room: 'secret' })).code, 'room_not_found');
  assert.equal((await a.requestError('memory.search', { query: 'canary', room: 'lobby' })).code, 'not_member');
  assert.equal((await a.requestError('memory.save', { content: 'x', room: 'secret' })).code, 'room_not_found');
  assert.equal((await a.requestError('memory.search', { query: '' })).code, 'invalid_request');
  assert.equal((await a.requestError('memory.search', { query: 'x', limit: 51 })).code, 'invalid_request');
  assert.equal((await a.requestError('memory.save', { content: 'x'.repeat(10_001) })).code, 'content_too_long');
  assert.deepEqual(await a.request('memory.search', { query: '?! ...' }), { messages: [], notes: [] });

  const rest = await hub.api(ada.token, 'GET', '/api/v1/memory/search?q=canary%20rollback&limit=5');
  assert.equal(rest.status, 200);
  assert.deepEqual(
    rest.body.messages.map((hit: any) => hit.message.id),
    [mine.id],
  );
  assert.deepEqual(
    rest.body.notes.map((hit: any) => hit.note.id),
    [note.id],
  );
  const saved = await hub.api(bob.token, 'POST', '/api/v1/memory/notes', { content: 'second note', room: 'lobby' });
  assert.equal(saved.status, 201);
  assert.equal(saved.body.note.room, (await hub.api(bob.token, 'GET', '/api/v1/rooms/lobby')).body.room.id);
  assert.equal((await hub.api(ada.token, 'GET', '/api/v1/memory/search')).body.code, 'invalid_request');
  assert.equal((await hub.api('', 'GET', '/api/v1/memory/search?q=canary')).status, 401);
});
