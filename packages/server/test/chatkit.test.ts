/**
 * A ChatKit-style client against the hub, as such a front end calls it over REST: start an empty
 * conversation, list conversations newest activity first with `limit` and `cursor`, send, rename,
 * resume with `total_count`, from a page on another origin (`CORS_ORIGINS`) over REST and SSE.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { test } from 'node:test';
import { SkewClock, startHub, type TestHub } from '@roundtable/testkit';

const FRONT_END = 'https://chat.example.com';

interface Item {
  id: string;
  title: string;
  created_at: string;
  updated_at: string;
  message_count: number;
  preview: string | null;
}

/** Every page of GET /api/v1/conversations, following `next` as `cursor`. */
async function listAll(hub: TestHub, token: string, limit: number): Promise<{ pages: number; items: Item[] }> {
  const items: Item[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await hub.api(token, 'GET', `/api/v1/conversations?${query}`);
    assert.equal(page.status, 200, JSON.stringify(page.body));
    items.push(...(page.body.conversations as Item[]));
    cursor = page.body.next as string | null;
    pages += 1;
  } while (cursor);
  return { pages, items };
}

test('an empty conversation is "New conversation" until its first message titles it', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  await hub.member('helper', 'agent');

  const created = await hub.api(ada.token, 'POST', '/api/v1/conversations', { agent: 'helper' });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.message, null);
  const { id, title, message_count, preview, created_at, updated_at } = created.body.conversation;
  assert.deepEqual([title, message_count, preview, updated_at], ['New conversation', 0, null, created_at]);

  const sent = await hub.api(ada.token, 'POST', `/api/v1/rooms/${id}/messages`, {
    content: 'Draft a packing list\nfor three days in Lisbon',
  });
  assert.equal(sent.status, 201, JSON.stringify(sent.body));
  await hub.api(ada.token, 'POST', `/api/v1/rooms/${id}/messages`, { content: 'Second thoughts: four days' });
  const [listed] = (await listAll(hub, ada.token, 10)).items;
  assert.deepEqual(
    [listed!.title, listed!.message_count, listed!.preview],
    ['Draft a packing list', 2, 'Second thoughts: four days'],
  );

  const renamedFirst = await hub.api(ada.token, 'POST', '/api/v1/conversations', { agent: 'helper' });
  const renamedId = renamedFirst.body.conversation.id as string;
  await hub.api(ada.token, 'PATCH', `/api/v1/conversations/${renamedId}`, { title: 'Trip' });
  await hub.api(ada.token, 'POST', `/api/v1/rooms/${renamedId}/messages`, { content: 'this does not title it' });
  const renamed = (await listAll(hub, ada.token, 10)).items.find((item) => item.id === renamedId);
  assert.equal(renamed?.title, 'Trip', 'a rename before the first message stays');

  const orphan = await hub.api(ada.token, 'POST', '/api/v1/conversations', { agent: 'helper', client_id: 'c-1' });
  assert.deepEqual([orphan.status, orphan.body.code], [400, 'invalid_request']);
});

test('GET /api/v1/conversations pages newest activity first, and a message or a rename moves one up', async (t) => {
  const clock = new SkewClock();
  const hub = await startHub(t, { clock });
  const ada = await hub.member('ada');
  const bob = await hub.member('bob');
  await hub.member('helper', 'agent');
  const ids: string[] = [];
  for (let index = 0; index < 5; index++) {
    clock.advance(1_000);
    const created = await hub.api(ada.token, 'POST', '/api/v1/conversations', {
      agent: 'helper',
      content: `question ${index}`,
    });
    ids.push(created.body.conversation.id as string);
  }
  await hub.api(bob.token, 'POST', '/api/v1/conversations', { agent: 'helper', content: 'bob’s own' });

  const first = await listAll(hub, ada.token, 2);
  assert.equal(first.pages, 3);
  assert.deepEqual(
    first.items.map((item) => item.id),
    [...ids].reverse(),
  );
  for (const item of first.items) {
    assert.equal(item.message_count, 1);
    assert.match(item.preview ?? '', /^question \d$/);
    assert.ok(item.created_at <= item.updated_at);
  }

  clock.advance(1_000);
  await hub.api(ada.token, 'POST', `/api/v1/rooms/${ids[1]}/messages`, { content: 'a follow-up' });
  clock.advance(1_000);
  await hub.api(ada.token, 'PATCH', `/api/v1/conversations/${ids[3]}`, { title: 'renamed' });
  const moved = await listAll(hub, ada.token, 2);
  assert.deepEqual(
    moved.items.map((item) => item.id),
    [ids[3], ids[1], ids[4], ids[2], ids[0]],
  );
  const followed = moved.items[1]!;
  assert.deepEqual([followed.message_count, followed.preview], [2, 'a follow-up']);
  assert.ok(followed.updated_at > followed.created_at);

  const bad = await hub.api(ada.token, 'GET', '/api/v1/conversations?cursor=not-one-of-ours');
  assert.deepEqual([bad.status, bad.body.code], [400, 'invalid_request']);
});

test('GET /api/v1/conversations/{id}/messages returns a page with total_count, and only to its two members, who also post there', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const bob = await hub.member('bob');
  const helper = await hub.member('helper', 'agent');
  const created = await hub.api(ada.token, 'POST', '/api/v1/conversations', { agent: 'helper', content: 'one' });
  const id = created.body.conversation.id as string;
  for (const content of ['two', 'three', 'four']) {
    await hub.api(helper.token, 'POST', `/api/v1/rooms/${id}/messages`, { content });
  }
  const page = await hub.api(ada.token, 'GET', `/api/v1/conversations/${id}/messages?limit=2`);
  assert.equal(page.status, 200, JSON.stringify(page.body));
  assert.deepEqual(
    page.body.messages.map((message: { content: string }) => message.content),
    ['three', 'four'],
  );
  assert.deepEqual([page.body.has_more, page.body.total_count], [true, 4]);

  const outsider = await hub.api(bob.token, 'GET', `/api/v1/conversations/${id}/messages`);
  assert.deepEqual([outsider.status, outsider.body.code], [404, 'room_not_found']);

  // A ChatKit client posts where it reads; a retry with its client_id is stored once.
  const sent = await hub.api(ada.token, 'POST', `/api/v1/conversations/${id}/messages`, {
    content: 'five',
    client_id: 'ck-1',
  });
  assert.deepEqual([sent.status, sent.body.message.content, sent.body.message.room], [201, 'five', id]);
  const again = await hub.api(ada.token, 'POST', `/api/v1/conversations/${id}/messages`, {
    content: 'five',
    client_id: 'ck-1',
  });
  assert.deepEqual([again.status, again.body.message.id], [200, sent.body.message.id]);
  assert.equal((await hub.api(ada.token, 'GET', `/api/v1/conversations/${id}/messages`)).body.total_count, 5);
  const intruder = await hub.api(bob.token, 'POST', `/api/v1/conversations/${id}/messages`, { content: 'hi' });
  assert.deepEqual([intruder.status, intruder.body.code], [404, 'room_not_found']);

  // A room that is no conversation is not one here, though ada may read and post in it elsewhere.
  const lab = (await hub.api(ada.token, 'POST', '/api/v1/rooms', { name: 'lab', kind: 'public' })).body.room
    .id as string;
  const read = await hub.api(ada.token, 'GET', `/api/v1/conversations/${lab}/messages`);
  assert.deepEqual([read.status, read.body.code], [404, 'room_not_found']);
  const posted = await hub.api(ada.token, 'POST', `/api/v1/conversations/${lab}/messages`, { content: 'x' });
  assert.deepEqual([posted.status, posted.body.code], [404, 'room_not_found']);
  assert.deepEqual(
    (await hub.api(ada.token, 'GET', '/api/v1/rooms/lab/messages')).body.messages,
    [],
    'nothing was posted',
  );
});

/** A request with an Origin, its answer's status and headers; SSE answers are cut after the headers. */
function fromPage(
  hub: TestHub,
  path: string,
  headers: Record<string, string>,
  method = 'GET',
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const sent = request(hub.url + path, { method, headers: { origin: FRONT_END, ...headers } }, (response) => {
      resolve({ status: response.statusCode ?? 0, headers: response.headers });
      response.destroy();
    });
    sent.on('error', reject);
    sent.end();
  });
}

test('with CORS_ORIGINS a front end on that origin calls REST and SSE, preflights included; without it, none', async (t) => {
  const hub = await startHub(t, { env: { CORS_ORIGINS: FRONT_END } });
  const ada = await hub.member('ada');
  const auth = { authorization: `Bearer ${ada.token}` };

  const preflight = await fromPage(
    hub,
    '/api/v1/conversations',
    { 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    'OPTIONS',
  );
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-origin'], FRONT_END);
  assert.match(String(preflight.headers['access-control-allow-methods']), /POST/);

  const listed = await fromPage(hub, '/api/v1/conversations', auth);
  assert.deepEqual([listed.status, listed.headers['access-control-allow-origin']], [200, FRONT_END]);
  const stream = await fromPage(hub, '/api/v1/stream', auth);
  assert.equal(stream.status, 200);
  assert.match(String(stream.headers['content-type']), /^text\/event-stream/);
  assert.equal(stream.headers['access-control-allow-origin'], FRONT_END);

  const closed = await startHub(t);
  const bob = await closed.member('bob');
  for (const path of ['/api/v1/conversations', '/api/v1/stream']) {
    const refused = await fromPage(closed, path, { authorization: `Bearer ${bob.token}` });
    assert.equal(refused.status, 403, path);
    assert.equal(refused.headers['access-control-allow-origin'], undefined);
  }
});
