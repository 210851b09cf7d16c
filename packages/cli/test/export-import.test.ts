/** `roundtable export` and `import`: a hub moves from SQLite to PostgreSQL, and a room moves to another hub. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { RawClient, startHub, tempDir, POSTGRES_URL, pgSchema, serviceSkip, ok, run } from '@roundtable/testkit';
import { loadConfig, startServer } from '@roundtable/server';
import type { RoomSummary } from '@roundtable/protocol';

const skip = await serviceSkip('PostgreSQL', POSTGRES_URL);

test(
  'a hub moves from SQLite to PostgreSQL with export and import, keeping tokens, history and seqs',
  { skip },
  async (t) => {
    const dir = tempDir(t);
    const sqlite = await startHub(t, { dir });
    const ada = await sqlite.member('ada');
    const client = await RawClient.ready(t, sqlite.url, ada.token);
    const lab = (await client.request('room.create', { name: 'lab', kind: 'private' })).room;
    const sent = [];
    for (let i = 0; i < 30; i++) sent.push((await client.request('send', { room: lab.id, content: `m${i}` })).message);
    await client.request('react', { message: sent[0].id, emoji: '👍' });
    await client.request('read', { room: lab.id, seq: sent[9].seq });
    client.close();
    await sqlite.close();

    const file = join(dir, 'hub.jsonl');
    const exported = await ok(t, ['export', '--db', sqlite.dbPath, '--out', file]);
    assert.match(
      exported.stderr,
      /exported \d+ rows \(members \d+, tokens \d+/,
      'a progress line says what was written',
    );
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(JSON.parse(lines[0]!).roundtable, 'export', 'the file starts with its header');

    const schema = pgSchema(t);
    const imported = await ok(t, ['import', '--database-url', POSTGRES_URL, '--schema', schema, '--in', file]);
    assert.match(imported.stderr, new RegExp(`imported ${(lines.length - 1).toLocaleString('en')} of`));
    const again = await ok(t, ['import', '--database-url', POSTGRES_URL, '--schema', schema, '--in', file]);
    assert.match(again.stderr, /imported 0 of .* were already there/, 'importing twice changes nothing');

    const postgres = await startServer(
      loadConfig({
        ...process.env,
        PORT: '0',
        LOG_LEVEL: 'silent',
        DATABASE_URL: POSTGRES_URL,
        DATABASE_SCHEMA: schema,
      }),
    );
    t.after(() => postgres.close());
    assert.equal(postgres.adminToken, undefined, 'the hub found its data: no first start');
    const moved = await RawClient.ready(t, postgres.url, ada.token);
    const history = await moved.request('history', { room: lab.id, limit: 100 });
    assert.deepEqual(
      history.messages.map((m: any) => m.id),
      sent.map((m) => m.id),
      'the same messages, same ids',
    );
    assert.deepEqual(history.messages[0].reactions, [{ emoji: '👍', count: 1, members: ['ada'] }]);
    const summary = ((await moved.request('rooms.list', {})).rooms as RoomSummary[]).find(
      (room) => room.id === lab.id,
    )!;
    assert.equal(summary.read_seq, sent[9].seq, 'read cursors moved too');
    const next = (await moved.request('send', { room: lab.id, content: 'on postgres' })).message;
    assert.equal(next.seq, sent.at(-1)!.seq + 2, 'the log goes on where it stopped (after the reaction)');
  },
);

test('one room exports and imports into another hub’s SQLite file', async (t) => {
  const dir = tempDir(t);
  const source = await startHub(t, { dir });
  const ada = await source.member('ada');
  const client = await RawClient.ready(t, source.url, ada.token);
  const room = (await client.request('room.create', { name: 'travel', kind: 'public' })).room;
  for (let i = 0; i < 5; i++) await client.request('send', { room: room.id, content: `t${i}` });
  await client.request('send', { room: 'general', content: 'not exported' });
  client.close();
  await source.close();

  const exported = await ok(t, ['export', '--db', source.dbPath, '--room', 'travel']);
  const records = exported.stdout
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => JSON.parse(line));
  assert.ok(
    records.every((record) => record.table !== 'tokens'),
    'no tokens in a room export',
  );
  assert.ok(!exported.stdout.includes('not exported'), 'nothing from other rooms');

  const target = join(tempDir(t), 'other.db');
  await ok(t, ['import', '--db', target], { input: exported.stdout });
  const refused = await run(t, ['import', '--db', target], { input: '{"not":"an export"}\n' });
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /not a Roundtable export row/);
  const missing = await run(t, ['export', '--db', join(dir, 'nope.db')]);
  assert.equal(missing.code, 1, 'a missing database is an error, not an empty export');

  const dump = await ok(t, ['export', '--db', target, '--room', room.id]);
  const titles = dump.stdout
    .split('\n')
    .filter((line) => line.includes('"table":"messages"'))
    .map((line) => JSON.parse(line).row.content);
  assert.deepEqual(titles, ['t0', 't1', 't2', 't3', 't4']);
});
