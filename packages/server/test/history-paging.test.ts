import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawClient, startHub } from '@roundtable/testkit';

test('520 messages paged backwards and forwards show no gap and no duplicate', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const client = await RawClient.ready(t, hub.url, ada.token);
  const room = (await client.request('room.create', { name: 'archive', kind: 'public' })).room;
  const sent: string[] = [];
  const batch = 40;
  for (let i = 0; i < 520; i += batch) {
    const results = await Promise.all(
      Array.from({ length: Math.min(batch, 520 - i) }, (_, k) =>
        client.request('send', { room: room.id, content: `n${i + k}`, client_id: `c${i + k}` }),
      ),
    );
    sent.push(...results.map((r) => r.message.id));
  }

  const backwards: any[] = [];
  let before: number | undefined;
  for (;;) {
    const page = await client.request('history', {
      room: room.id,
      limit: 50,
      ...(before === undefined ? {} : { before }),
    });
    backwards.unshift(...page.messages);
    if (!page.has_more) break;
    before = page.messages[0].seq;
  }
  const forwards: any[] = [];
  let after = 0;
  for (;;) {
    const page = await hub.api(ada.token, 'GET', `/api/v1/rooms/${room.id}/messages?after=${after}&limit=73`);
    assert.equal(page.status, 200);
    forwards.push(...page.body.messages);
    if (!page.body.has_more) break;
    after = page.body.messages.at(-1).seq;
  }
  for (const [name, list] of [
    ['backwards', backwards],
    ['forwards', forwards],
  ] as const) {
    const ids = list.map((message) => message.id);
    assert.equal(ids.length, 520, `${name}: every message once`);
    assert.equal(new Set(ids).size, 520, `${name}: no duplicate`);
    assert.deepEqual(new Set(ids), new Set(sent), `${name}: exactly the sent messages`);
    const seqs = list.map((message) => message.seq);
    for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `${name}: ascending order`);
  }
  // The room log has one member.joined event, then the messages: seqs are gap-free.
  assert.deepEqual(
    forwards.map((message) => message.seq),
    Array.from({ length: 520 }, (_, i) => i + 2),
  );
});

test('history filters by sender, by thread and by time', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const a = await RawClient.ready(t, hub.url, ada.token);
  const b = await RawClient.ready(t, hub.url, bob.token);
  const root = (await a.request('send', { room: 'general', content: 'root' })).message;
  await b.request('send', { room: 'general', content: 'reply 1', thread_id: root.id });
  const middle = (await a.request('send', { room: 'general', content: 'not in thread' })).message;
  await b.request('send', { room: 'general', content: 'reply 2', thread_id: root.id });

  const byBob = await a.request('history', { room: 'general', sender: 'bob' });
  assert.deepEqual(
    byBob.messages.map((m: any) => m.content),
    ['reply 1', 'reply 2'],
  );
  const thread = await a.request('history', { room: 'general', thread_id: root.id });
  assert.deepEqual(
    thread.messages.map((m: any) => m.content),
    ['reply 1', 'reply 2'],
  );
  const rootNow = await a.request('message.get', { message: root.id });
  assert.equal(rootNow.message.reply_count, 2);
  const later = await a.request('history', { room: 'general', after_time: middle.created_at });
  assert.ok(later.messages.every((m: any) => m.created_at > middle.created_at));
  assert.ok(later.messages.some((m: any) => m.content === 'reply 2'));
});

test('a page around a message holds it and its neighbours, and paging on from it either way meets every message once', async (t) => {
  const hub = await startHub(t);
  const [ada, bob] = await Promise.all([hub.member('ada'), hub.member('bob')]);
  const client = await RawClient.ready(t, hub.url, ada.token);
  const other = await RawClient.ready(t, hub.url, bob.token);
  const room = (await client.request('room.create', { name: 'around', kind: 'private' })).room;
  const sent: any[] = [];
  for (let i = 0; i < 120; i += 40) {
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, k) => client.request('send', { room: room.id, content: `n${i + k}` })),
    );
    sent.push(...results.map((r) => r.message).sort((a, b) => a.seq - b.seq));
  }
  const target = sent[60];

  const page = await client.request('history', { room: room.id, around: target.id, limit: 21 });
  assert.deepEqual(
    page.messages.map((m: any) => m.id),
    sent.slice(50, 71).map((m) => m.id),
    'ten before, the message, ten after',
  );
  assert.equal(page.has_more, true);
  assert.equal(page.has_more_after, true);

  const seen = page.messages.map((m: any) => m.id);
  let before = page.messages[0]!.seq;
  for (let more: boolean = page.has_more; more;) {
    const older = await client.request('history', { room: room.id, before, limit: 25 });
    seen.unshift(...older.messages.map((m: any) => m.id));
    before = older.messages[0]!.seq;
    more = older.has_more;
  }
  let after = page.messages.at(-1)!.seq;
  for (let more: boolean = page.has_more_after ?? false; more;) {
    const newer = await client.request('history', { room: room.id, after, limit: 25 });
    seen.push(...newer.messages.map((m: any) => m.id));
    after = newer.messages.at(-1)!.seq;
    more = newer.has_more;
  }
  assert.deepEqual(
    seen,
    sent.map((m) => m.id),
  );

  const edge = await client.request('history', { room: room.id, around: sent[118].id, limit: 10 });
  assert.deepEqual(
    edge.messages.map((m: any) => m.id),
    sent.slice(113, 120).map((m) => m.id),
    'six before, the message, the one after it',
  );
  assert.equal(edge.has_more_after, false, 'at the live end nothing is newer');
  const alone = await client.request('history', { room: room.id, around: sent[0].id, limit: 1 });
  assert.deepEqual(
    [alone.messages.map((m: any) => m.id), alone.has_more, alone.has_more_after],
    [[sent[0].id], false, true],
  );

  const rest = await hub.api(ada.token, 'GET', `/api/v1/rooms/${room.id}/messages?around=${target.id}&limit=3`);
  assert.deepEqual(
    rest.body.messages.map((m: any) => m.id),
    sent.slice(59, 62).map((m) => m.id),
  );
  const general = (await client.request('send', { room: 'general', content: 'elsewhere' })).message;
  assert.equal(
    (await client.requestError('history', { room: room.id, around: general.id })).code,
    'message_not_found',
    'a message of another room is not found here',
  );
  assert.equal(
    (await client.requestError('history', { room: room.id, around: target.id, before: 5 })).code,
    'invalid_request',
  );
  assert.equal(
    (await other.requestError('history', { room: room.id, around: target.id })).code,
    'room_not_found',
    'a private room is not read around by someone outside it',
  );
});
