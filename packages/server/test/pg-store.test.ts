/** The PostgreSQL store: the same Store contract as SQLite, plus what only PostgreSQL has. */
import assert from 'node:assert/strict';
import { describe, test, type TestContext } from 'node:test';
import pg from 'pg';
import { POSTGRES_URL, pgSchema, serviceSkip } from '@roundtable/testkit';
import { PgStore } from '../src/storage/postgres/pg-store.js';
import { PG_LATEST_VERSION } from '../src/storage/postgres/migrations.js';
import type { Store } from '../src/core/ports.js';
import { storeContract, type OpenedStore } from './contracts/store-contract.js';
import { World } from './contracts/store/world.js';

const skip = await serviceSkip('PostgreSQL', POSTGRES_URL);

/** Two stores over one fresh schema, as two hub instances share one database; closed after the test. */
async function twoInstances(t: TestContext): Promise<[PgStore, PgStore]> {
  const schema = pgSchema(t);
  const stores = await Promise.all([
    PgStore.open({ url: POSTGRES_URL, schema, poolSize: 4 }),
    PgStore.open({ url: POSTGRES_URL, schema, poolSize: 4 }),
  ]);
  t.after(async () => {
    await Promise.all(stores.map((store) => store.close()));
  });
  return stores;
}

if (skip) {
  test('PgStore passes the Store contract', { skip }, () => {});
} else {
  storeContract('PgStore', async (t): Promise<OpenedStore> => {
    const schema = pgSchema(t);
    const opened: Store[] = [];
    // Registered after pgSchema's hook, so it runs first: stores close before their schema is dropped.
    t.after(async () => {
      for (const store of opened) await store.close();
    });
    const open = async () => {
      const store = await PgStore.open({ url: POSTGRES_URL, schema, poolSize: 4 });
      opened.push(store);
      return store;
    };
    return { store: await open(), reopen: open };
  });

  describe('PgStore on its own', () => {
    test('refuses a database whose schema is newer than this code, and says what to do', async (t) => {
      const schema = pgSchema(t);
      await (await PgStore.open({ url: POSTGRES_URL, schema })).close();
      const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1, options: `-c search_path=${schema}` });
      await pool.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        PG_LATEST_VERSION + 1,
        'from the future',
        new Date().toISOString(),
      ]);
      await pool.end();
      await assert.rejects(PgStore.open({ url: POSTGRES_URL, schema }), (error: unknown) => {
        assert.ok(error instanceof Error);
        assert.match(error.message, /newer/);
        assert.ok(error.message.includes(String(PG_LATEST_VERSION + 1)));
        return true;
      });
    });

    test('two stores writing to one room at once keep its seqs gap-free and ordered', async (t) => {
      const [first, second] = await twoInstances(t);
      const at = new Date().toISOString();
      await first.createMember({
        id: 'm_a',
        handle: 'ada',
        display_name: 'ada',
        kind: 'person',
        role: 'member',
        description: '',
        capabilities: [],
        owner_id: null,
        password_hash: null,
        created_at: at,
      });
      await first.createRoom(
        {
          id: 'r_one',
          name: 'one',
          kind: 'public',
          topic: '',
          created_by: 'ada',
          created_at: at,
          agent_depth_limit: 10,
          direct_key: null,
          title: null,
        },
        [],
        () => {
          throw new Error('no members');
        },
      );
      const send = (store: PgStore, index: number) =>
        store.insertMessage(
          {
            id: `msg_${index}`,
            room_id: 'r_one',
            sender_id: 'm_a',
            sender: 'ada',
            sender_kind: 'person',
            content: `n${index}`,
            mentions: [],
            targets: [],
            mention_all: false,
            thread_id: null,
            status: 'complete',
            parts: [],
            metadata: {},
            client_id: `c${index % 150}`,
            created_at: at,
            addressed: [],
            wake: [],
          },
          (message) => ({ kind: 'message.created', actor: 'ada', at, data: message, agents: null }),
        );
      // 300 sends from two "instances", half of them repeating a client_id already used by the other.
      const results = await Promise.all(Array.from({ length: 300 }, (_, i) => send(i % 2 === 0 ? first : second, i)));
      const stored = results.filter((result) => !result.duplicate);
      assert.equal(stored.length, 150, 'each client_id is stored once across both instances');
      const events = await first.events('r_one', 0, 1000, { kind: 'all' });
      assert.deepEqual(
        events.map((event) => event.seq),
        Array.from({ length: 150 }, (_, i) => i + 1),
      );
    });

    test('two stores ending one stream at once: one ending writes, the other finds it ended', async (t) => {
      const [first, second] = await twoInstances(t);
      const world = new World(first);
      const bot = await world.member('bot', 'agent');
      const general = await world.room('general', [bot]);
      for (let round = 0; round < 20; round++) {
        const message = await world.sent(general, bot, { status: 'streaming', content: 'so far' });
        const end = (store: PgStore, error: string) =>
          store.finishStream(message.id, { status: 'error', metadata: { error } }, (ended) =>
            world.draft('message.updated', bot, { id: ended.id }),
          );
        const results = await Promise.all([end(first, 'first'), end(second, 'second')]);
        assert.equal(results.filter((result) => result !== undefined).length, 1, `round ${round}: one ending`);
      }
      const ends = (await world.log(general.id)).filter((event) => event.kind === 'message.updated');
      assert.equal(ends.length, 20);
    });
  });
}
