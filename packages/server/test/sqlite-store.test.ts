/** The SQLite store: the Store contract over real database files, plus what only SQLite has (migrations, pragmas). */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import Database from 'better-sqlite3';
import { tempDir } from '@roundtable/testkit';
import { LATEST_VERSION, migrations } from '../src/storage/sqlite/migrations.js';
import { SqliteStore } from '../src/storage/sqlite/sqlite-store.js';
import { walSyncCount } from '../src/storage/sqlite/wal-sync.js';
import { storeContract, type OpenedStore } from './contracts/store-contract.js';

/** A database file in its own temp dir; every store opened on it is closed before the dir is removed. */
function sqliteFile(t: TestContext): { path: string; open: () => SqliteStore } {
  const opened: SqliteStore[] = [];
  // Registered before tempDir's cleanup: `after` hooks run in the order they were added.
  t.after(async () => {
    for (const store of opened) await store.close();
  });
  const path = join(tempDir(t, 'roundtable-sqlite-'), 'roundtable.db');
  return {
    path,
    open: () => {
      const store = new SqliteStore({ path });
      opened.push(store);
      return store;
    },
  };
}

storeContract('SqliteStore', async (t): Promise<OpenedStore> => {
  const file = sqliteFile(t);
  return { store: file.open(), reopen: async () => file.open() };
});

describe('SqliteStore on its own', () => {
  test('records every migration it applies in schema_migrations, and applies each only once', async (t) => {
    const file = sqliteFile(t);
    await file.open().close();
    await file.open().close();
    const db = new Database(file.path, { readonly: true });
    t.after(() => db.close());
    const rows = db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{
      version: number;
      name: string;
      applied_at: string;
    }>;
    assert.deepEqual(
      rows.map(({ version, name }) => ({ version, name })),
      migrations.map(({ version, name }) => ({ version, name })),
    );
    assert.equal(rows.at(-1)?.version, LATEST_VERSION);
    assert.ok(
      rows.every((row) => !Number.isNaN(Date.parse(row.applied_at))),
      'applied_at is a timestamp',
    );
  });

  test('moves the receipts of schema 16 onto the addressee rows, keeping their times and who was named', async (t) => {
    const file = sqliteFile(t);
    const db = new Database(file.path);
    db.exec(
      'CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)',
    );
    const at = '2026-12-01T10:00:00.000Z';
    for (const migration of migrations.filter((m) => m.version <= 16)) {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations VALUES (?, ?, ?)').run(migration.version, migration.name, at);
    }
    const member = db.prepare(
      "INSERT INTO members (id, handle, display_name, kind, created_at) VALUES (?, ?, ?, 'person', ?)",
    );
    for (const handle of ['ada', 'bob', 'cy']) member.run(`mem_${handle}`, handle, handle, at);
    db.prepare(
      "INSERT INTO rooms (id, name, kind, created_by, created_at, agent_depth_limit) VALUES ('room_g', 'general', 'public', 'mem_ada', ?, 3)",
    ).run(at);
    const join = db.prepare(
      "INSERT INTO room_members (room_id, member_id, role, joined_at) VALUES ('room_g', ?, 'member', ?)",
    );
    for (const handle of ['ada', 'bob', 'cy']) join.run(`mem_${handle}`, at);
    db.prepare(
      `INSERT INTO messages (id, room_id, seq, sender_id, sender, sender_kind, content, mentions, targets, mention_all,
         depth, status, parts, metadata, created_at)
       VALUES ('msg_1', 'room_g', 1, 'mem_ada', 'ada', 'person', '@bob @all', '["bob"]', '[]', 1, 0, 'complete', '[]', '{}', ?)`,
    ).run(at);
    db.prepare("INSERT INTO message_addressees VALUES ('mem_bob', 'room_g', 1)").run();
    const receipt = db.prepare(
      `INSERT INTO message_receipts (room_id, seq, member_id, message_id, member, member_kind, sender_id, thread_key,
         state, stored_at, delivered_at, read_at, acted_at)
       VALUES ('room_g', 1, ?, 'msg_1', ?, 'person', 'mem_ada', 'msg_1', ?, ?, ?, ?, NULL)`,
    );
    receipt.run('mem_bob', 'bob', 'read', at, at, at);
    receipt.run('mem_cy', 'cy', 'delivered', at, at, null);
    db.close();

    const store = file.open();
    const receipts = await store.receiptsOf(['msg_1']);
    assert.deepEqual(
      receipts.map((r) => [r.member, r.state, r.stored_at, r.delivered_at, r.read_at]),
      [
        ['bob', 'read', at, at, at],
        ['cy', 'delivered', at, at, null],
      ],
    );
    const after = new Database(file.path, { readonly: true });
    t.after(() => after.close());
    assert.deepEqual(
      after.prepare('SELECT member_id, mentioned, tracked FROM message_addressees ORDER BY member_id').all(),
      [
        { member_id: 'mem_bob', mentioned: 1, tracked: 1 },
        { member_id: 'mem_cy', mentioned: 0, tracked: 1 },
      ],
      'bob was named, cy only reached by @all',
    );
    assert.equal(
      after.prepare("SELECT name FROM sqlite_master WHERE name = 'message_receipts'").get(),
      undefined,
      'the old table is gone',
    );
  });

  test('refuses a database whose schema is newer than this code, and says what to do', async (t) => {
    const file = sqliteFile(t);
    await file.open().close();
    const db = new Database(file.path);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      LATEST_VERSION + 1,
      'from the future',
      new Date().toISOString(),
    );
    db.close();
    assert.throws(
      () => file.open(),
      (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /newer/);
        assert.ok(error.message.includes(String(LATEST_VERSION + 1)), 'names the version of the database');
        assert.ok(error.message.includes(String(LATEST_VERSION)), 'names the version the code knows');
        assert.match(error.message, /release|upgrade|backup/i, 'suggests a way out');
        return true;
      },
    );
  });

  test('keeps the database in WAL mode, and settles each batch of writes only once its WAL is synced', async (t) => {
    const file = sqliteFile(t);
    const store = file.open();
    const syncsBefore = walSyncCount();
    const writes = Array.from({ length: 20 }, (_, i) =>
      store
        .addDenylist({ handle: `x${i}`, reason: '', created_by: 'admin', created_at: new Date().toISOString() })
        .then(() => walSyncCount()),
    );
    const seen = await Promise.all(writes);
    // Each write, when it settled, had seen a sync completed after it was queued.
    for (const syncs of seen) assert.ok(syncs > syncsBefore, `a write settled before any sync (${syncs})`);
    // Queued in one turn, they commit as one batch, or two if a sync was already running.
    assert.ok(
      walSyncCount() - syncsBefore <= 2,
      `writes queued together share a sync (${walSyncCount() - syncsBefore})`,
    );
    // The journal mode is a property of the file, so a separate connection sees it.
    const db = new Database(file.path, { readonly: true });
    t.after(() => db.close());
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    // synchronous is a property of each connection, so read the store's own: NORMAL (1) syncs around
    // checkpoints, and the driver syncs every batch itself before it settles.
    const own = (store as unknown as { db: Database.Database }).db;
    assert.equal(own.pragma('synchronous', { simple: true }), 1, 'synchronous is NORMAL (1)');
    assert.equal(own.pragma('cache_size', { simple: true }), -65_536, 'the page cache holds 64 MiB, not 2');
  });

  test('a write queued while a batch syncs waits for a sync of its own, and reads wait for the sync', async (t) => {
    const file = sqliteFile(t);
    const store = file.open();
    const entry = (handle: string) => ({
      handle,
      reason: '',
      created_by: 'admin',
      created_at: new Date().toISOString(),
    });
    const before = walSyncCount();
    const first = store.addDenylist(entry('first'));
    // The first batch commits on the next turn and its sync starts; this one is queued after that.
    await new Promise((resolve) => setImmediate(resolve));
    const second = store.addDenylist(entry('second')).then(() => walSyncCount());
    const listed = store.listDenylist().then((entries) => ({ entries, syncs: walSyncCount() }));
    await first;
    assert.ok((await second) >= before + 2, 'the second write settled on the first batch’s sync');
    const read = await listed;
    assert.ok(read.syncs >= before + 1, 'a read answered while the first batch was not yet on disk');
    assert.ok(read.entries.some((entry) => entry.handle === 'first'));
  });

  test('a long queue commits in batches of at most 1,000 writes, in order', async (t) => {
    const file = sqliteFile(t);
    const store = file.open();
    const before = walSyncCount();
    const settled: number[] = [];
    await Promise.all(
      Array.from({ length: 2_500 }, (_, i) =>
        store
          .addDenylist({ handle: `q${i}`, reason: '', created_by: 'admin', created_at: new Date().toISOString() })
          .then(() => settled.push(i)),
      ),
    );
    assert.ok(walSyncCount() - before >= 3, `2,500 writes took ${walSyncCount() - before} syncs`);
    assert.deepEqual(
      settled,
      Array.from({ length: 2_500 }, (_, i) => i),
      'they settle in the order they were queued',
    );
  });

  test('a store closed with writes still queued commits and settles them first', async (t) => {
    const file = sqliteFile(t);
    const store = file.open();
    await store.addDenylist({ handle: 'first', reason: '', created_by: 'admin', created_at: new Date().toISOString() });
    const queued = Array.from({ length: 5 }, (_, i) =>
      store.addDenylist({ handle: `late${i}`, reason: '', created_by: 'admin', created_at: new Date().toISOString() }),
    );
    await store.close();
    await Promise.all(queued);
    const db = new Database(file.path, { readonly: true });
    t.after(() => db.close());
    const stored = db.prepare("SELECT count(*) AS n FROM denylist WHERE handle LIKE 'late%'").get() as { n: number };
    assert.equal(stored.n, 5);
  });
});
