/** Search for people through the WebSocket and REST: filters, order, paging, and only what the searcher may read. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, startHub } from '@roundtable/testkit';

const idsOf = (hits: any[]) => hits.map((hit) => hit.message.id);

test('messages.search never returns messages of rooms the searcher cannot read', async (t) => {
  const hub = await startHub(t);
  const [ada, bob, cy] = await Promise.all([hub.member('ada'), hub.member('bob'), hub.member('cy')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  const c = await RawClient.ready(t, hub.url, cy.token);
  await b.request('room.create', { name: 'secret', kind: 'private' });
  await b.request('room.create', { name: 'lobby', kind: 'public' });
  const dm = (await b.request('room.direct', { members: ['cy'] })).room;
  const mine = (await a.request('send', { room: 'general', content: 'the falcon launch is on' })).message;
  await b.request('send', { room: 'secret', content: 'falcon secret' });
  await b.request('send', { room: dm.id, content: 'falcon between bob and cy' });
  const lobby = (await b.request('send', { room: 'lobby', content: 'falcon in the lobby' })).message;

  assert.deepEqual(idsOf((await a.request('messages.search', { query: 'falcon' })).hits), [mine.id]);
  assert.equal((await c.request('messages.search', { query: 'falcon' })).hits.length, 2, 'cy: general and the DM');
  assert.equal((await a.requestError('messages.search', { query: 'falcon', room: 'secret' })).code, 'room_not_found');
  assert.equal((await a.requestError('messages.search', { query: 'falcon', room: dm.id })).code, 'room_not_found');
  assert.deepEqual(
    idsOf((await a.request('messages.search', { query: 'falcon', room: 'lobby' })).hits),
    [lobby.id],
    'a public room is readable, so searchable when asked for by name, before joining',
  );

  const rest = await hub.api(ada.token, 'GET', '/api/v1/search?q=falcon&sort=newest');
  assert.equal(rest.status, 200);
  assert.deepEqual(idsOf(rest.body.hits), [mine.id]);
  assert.equal(rest.body.next_offset, null);
  assert.equal((await hub.api(ada.token, 'GET', `/api/v1/search?q=falcon&room=${dm.id}`)).status, 404);
  assert.equal((await hub.api('', 'GET', '/api/v1/search?q=falcon')).status, 401);
});

test('messages.search filters by room, sender, time and thread, sorts, and pages', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  await a.request('room.create', { name: 'ops', kind: 'public', members: ['bob'] });
  const first = (await a.request('send', { room: 'general', content: 'orbit orbit orbit check' })).message;
  const split = new Date(Date.parse(first.created_at) + 1).toISOString();
  const root = (await b.request('send', { room: 'ops', content: 'orbit plan' })).message;
  const reply = (await a.request('send', { room: 'ops', content: 'orbit reply', thread_id: root.id })).message;
  const last = (await b.request('send', { room: 'general', content: 'orbit at last' })).message;
  const search = async (params: object) =>
    idsOf((await a.request('messages.search', { query: 'orbit', ...params })).hits);

  assert.deepEqual((await search({ room: 'ops' })).sort(), [root.id, reply.id].sort());
  assert.deepEqual((await search({ sender: 'bob' })).sort(), [root.id, last.id].sort());
  assert.deepEqual(await search({ in_thread: true }), [reply.id]);
  assert.deepEqual((await search({ in_thread: false, room: 'ops' })).sort(), [root.id]);
  assert.deepEqual(await search({ before: split }), [first.id]);
  assert.equal((await search({ after: split })).length, 3);
  assert.deepEqual(await search({ sort: 'newest' }), [last.id, reply.id, root.id, first.id]);

  const one = await a.request('messages.search', { query: 'orbit', sort: 'newest', limit: 3 });
  assert.deepEqual(idsOf(one.hits), [last.id, reply.id, root.id]);
  assert.equal(one.next_offset, 3);
  const two = await a.request('messages.search', { query: 'orbit', sort: 'newest', limit: 3, offset: one.next_offset });
  assert.deepEqual([idsOf(two.hits), two.next_offset], [[first.id], null]);

  const rest = await hub.api(ada.token, 'GET', '/api/v1/search?q=orbit&in_thread=true');
  assert.deepEqual(idsOf(rest.body.hits), [reply.id]);
  assert.equal((await hub.api(ada.token, 'GET', '/api/v1/search?q=orbit&in_thread=maybe')).status, 400);
  assert.equal((await a.requestError('messages.search', { query: 'orbit', offset: 1_001 })).code, 'invalid_request');
  assert.equal(
    (await a.requestError('messages.search', { query: 'orbit', after: 'yesterday' })).code,
    'invalid_request',
  );
  assert.equal((await a.requestError('messages.search', { query: 'orbit', sort: 'random' })).code, 'invalid_request');
  assert.deepEqual(await a.request('messages.search', { query: '?!' }), { hits: [], next_offset: null });
});
