import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import type { RoomSummary } from '@roundtable/protocol';
import { startInstance, RawClient, startHub, tempDir, testEnv } from '@roundtable/testkit';

test('rooms, messages, tokens and read cursors survive a restart', async (t) => {
  const dir = tempDir(t);
  const first = await startHub(t, { dir });
  const ada = await first.member('ada');
  const client = await RawClient.ready(t, first.url, ada.token);
  const room = (await client.request('room.create', { name: 'keep', kind: 'private', topic: 'kept' })).room;
  const sent = [];
  for (let i = 0; i < 25; i++) sent.push((await client.request('send', { room: room.id, content: `m${i}` })).message);
  await client.request('read', { room: room.id, seq: sent[9].seq });
  await client.request('react', { message: sent[0].id, emoji: '👍' });
  client.close();
  await first.close();

  const second = await startHub(t, { dir, adminToken: first.adminToken });
  const again = await RawClient.ready(t, second.url, ada.token);
  const history = await again.request('history', { room: room.id, limit: 200 });
  assert.deepEqual(
    history.messages.map((m: any) => m.id),
    sent.map((m) => m.id),
  );
  assert.deepEqual(history.messages[0].reactions, [{ emoji: '👍', count: 1, members: ['ada'] }]);
  const summary = ((await again.request('rooms.list', {})).rooms as RoomSummary[]).find((r) => r.id === room.id)!;
  assert.equal(summary.topic, 'kept');
  assert.equal(summary.read_seq, sent[9].seq);
  assert.equal(summary.unread, 0, 'own messages are never unread');
  const next = (await again.request('send', { room: room.id, content: 'after restart' })).message;
  assert.equal(next.seq, sent.at(-1)!.seq + 2, 'seq continues after the reaction event');
});

/** Starts the real entry point (`npm start` runs the same file, built) as a separate process. */
async function spawnHub(t: TestContext, dbPath: string) {
  const instance = await startInstance(t, 'hub', testEnv(dbPath));
  return { ...instance, adminToken: /(rt_[A-Za-z0-9_-]+)/.exec(instance.banner)?.[1] };
}

test('after SIGKILL during a stream of sends, every acknowledged message is stored exactly once', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'roundtable.db');
  const first = await spawnHub(t, dbPath);
  const admin = first.adminToken!;
  const created = await fetch(`${first.url}/api/v1/members`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ handle: 'writer', kind: 'agent' }),
  }).then((r) => r.json());
  const token = created.token as string;

  const acked = new Map<string, string>();
  const attempted = new Set<string>();
  const writers = await Promise.all(Array.from({ length: 4 }, () => RawClient.ready(t, first.url, token)));
  let killed = false;
  const streams = writers.map(async (writer, w) => {
    for (let i = 0; !killed; i++) {
      const clientId = `w${w}-${i}`;
      attempted.add(clientId);
      try {
        const { message } = await writer.request('send', {
          room: 'general',
          content: `payload ${clientId}`,
          client_id: clientId,
        });
        acked.set(clientId, message.id);
      } catch {
        return;
      }
    }
  });
  while (acked.size < 400) await new Promise((resolve) => setTimeout(resolve, 5));
  await first.kill('SIGKILL');
  killed = true;
  await Promise.all(streams);
  for (const writer of writers) writer.close();

  const second = await spawnHub(t, dbPath);
  const again = await RawClient.ready(t, second.url, token);
  const stored: any[] = [];
  let after = 0;
  for (;;) {
    const page = await again.request('history', { room: 'general', after, limit: 200 });
    stored.push(...page.messages);
    if (!page.has_more) break;
    after = page.messages.at(-1)!.seq;
  }
  const byClientId = new Map<string, string[]>();
  for (const message of stored) {
    if (!message.client_id) continue;
    byClientId.set(message.client_id, [...(byClientId.get(message.client_id) ?? []), message.id]);
  }
  for (const [clientId, id] of acked) {
    assert.deepEqual(byClientId.get(clientId), [id], `acknowledged ${clientId} is stored exactly once`);
  }
  // Retrying every attempted send with its client_id stores the unacknowledged ones, never a second copy.
  for (const clientId of attempted) {
    await again.request('send', { room: 'general', content: `payload ${clientId}`, client_id: clientId });
  }
  const final = await again.request('history', { room: 'general', after: 0, limit: 200, sender: 'writer' });
  let count = final.messages.length;
  let cursor = final.messages.at(-1)?.seq ?? 0;
  let more = final.has_more;
  while (more) {
    const page = await again.request('history', { room: 'general', after: cursor, limit: 200, sender: 'writer' });
    count += page.messages.length;
    cursor = page.messages.at(-1)?.seq ?? cursor;
    more = page.has_more;
  }
  assert.equal(count, attempted.size, 'each attempted client_id is stored exactly once after the retries');
  assert.ok(acked.size >= 400);
});

test('a repeated client_id returns the stored message and stores nothing new', async (t) => {
  const hub = await startHub(t);
  const ada = await hub.member('ada');
  const client = await RawClient.ready(t, hub.url, ada.token);
  const first = await client.request('send', { room: 'general', content: 'once', client_id: 'same' });
  const again = await client.request('send', { room: 'general', content: 'once', client_id: 'same' });
  const rest = await hub.api(ada.token, 'POST', '/api/v1/rooms/general/messages', {
    content: 'once',
    client_id: 'same',
  });
  assert.equal(first.duplicate, false);
  assert.equal(again.duplicate, true);
  assert.equal(again.message.id, first.message.id);
  assert.equal(rest.status, 200);
  assert.equal(rest.body.message.id, first.message.id);
  const history = await client.request('history', { room: 'general' });
  assert.equal(history.messages.filter((m: any) => m.client_id === 'same').length, 1);
  assert.equal(client.messages().filter((f) => f.data.client_id === 'same').length, 1, 'one event, one delivery');
});
