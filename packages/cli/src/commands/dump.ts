/**
 * `roundtable export` and `roundtable import`: a whole hub or one room as JSON lines, read from and
 * written to the store itself (SQLite file or PostgreSQL), so ids, seqs, token hashes and
 * passwords survive, and a hub can move from SQLite to PostgreSQL.
 */
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { UsageError, stringOption, type Command } from '../command.js';
import type { OptionSpec, Values } from '../options.js';
import { CliError } from '../errors.js';
import { notice } from '../output.js';
import { spinner } from '../progress.js';

/** The first line of every export, so an import can tell what it reads. */
interface ExportHeader {
  roundtable: 'export';
  format: 1;
  exported_at: string;
  room: string | null;
}

const STORE_OPTIONS: Record<string, OptionSpec> = {
  db: { type: 'string', value: 'PATH', description: 'A SQLite database file (the default store)' },
  'database-url': { type: 'string', value: 'URL', description: 'A PostgreSQL database: postgres://user@host:5432/db' },
  schema: { type: 'string', value: 'NAME', description: 'With --database-url: the schema (default: public)' },
};

type OpenedStore = Awaited<ReturnType<typeof openStore>>;

async function openStore(values: Values, command: Command, mustExist: boolean) {
  const db = stringOption(values, 'db');
  const url = stringOption(values, 'database-url');
  if ((db === undefined) === (url === undefined)) {
    throw new UsageError('give the store with exactly one of --db PATH or --database-url URL', command);
  }
  const { PgStore, SqliteStore } = await import('@roundtable/server');
  try {
    if (db !== undefined) {
      // Opening a missing path would create an empty database there: a typo must not look like success.
      if (mustExist && !existsSync(db)) throw new CliError(`no database at ${db}`);
      return new SqliteStore({ path: db });
    }
    return await PgStore.open({ url: url!, schema: stringOption(values, 'schema') ?? 'public', poolSize: 2 });
  } catch (cause) {
    if (cause instanceof CliError) throw cause;
    throw new CliError(`cannot open the store: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

async function roomId(store: OpenedStore, ref: string): Promise<string> {
  const room = ref.startsWith('r_') ? await store.roomById(ref) : await store.roomByName(ref.replace(/^#/, ''));
  if (!room) throw new CliError(`no room ${ref} in this store`);
  return room.id;
}

function counts(byTable: Map<string, number>): string {
  return [...byTable].map(([table, count]) => `${table} ${count.toLocaleString('en')}`).join(', ');
}

const exportCommand: Command = {
  name: 'export',
  summary: 'Write the whole hub, or one room, as JSON lines (from its database, offline)',
  description: [
    'Reads the store directly: run it against the database of a stopped hub, or of a running one',
    '(a consistent copy needs the hub stopped). Every row is kept as it is: ids, seqs, token hashes,',
    'password hashes. --room exports the room, its memberships, messages, reactions and log, and',
    'the members in it (without their tokens). A progress line shows on stderr.',
  ].join('\n'),
  options: {
    ...STORE_OPTIONS,
    room: { type: 'string', value: 'ROOM', description: 'Only this room (name or id)' },
    out: { type: 'string', value: 'FILE', description: 'Write to FILE instead of stdout' },
  },
  examples: [
    'roundtable export --db ./data/roundtable.db --out hub.jsonl',
    'roundtable export --db ./data/roundtable.db --room general > general.jsonl',
    'roundtable export --database-url postgres://postgres@127.0.0.1/roundtable --out backup.jsonl',
  ],
  async run(_context, { values }) {
    const store = await openStore(values, exportCommand, true);
    const file = stringOption(values, 'out');
    const output = file ? createWriteStream(file) : process.stdout;
    const byTable = new Map<string, number>();
    let total = 0;
    try {
      const ref = stringOption(values, 'room');
      const room = ref === undefined ? undefined : await roomId(store, ref);
      const header: ExportHeader = {
        roundtable: 'export',
        format: 1,
        exported_at: new Date().toISOString(),
        room: room ?? null,
      };
      await write(output, `${JSON.stringify(header)}\n`);
      spinner.start('exporting');
      for await (const record of store.dump(room)) {
        await write(output, `${JSON.stringify(record)}\n`);
        byTable.set(record.table, (byTable.get(record.table) ?? 0) + 1);
        if (++total % 1000 === 0) spinner.update(`exported ${total.toLocaleString('en')} rows`);
      }
    } finally {
      spinner.stop();
      await store.close();
      if (file) await new Promise<void>((resolve) => output.end(resolve));
    }
    notice(`exported ${total.toLocaleString('en')} rows (${counts(byTable)})${file ? ` to ${file}` : ''}`);
  },
};

const importCommand: Command = {
  name: 'import',
  summary: 'Load an export into a database (SQLite or PostgreSQL), skipping rows already there',
  description: [
    'Writes the rows of an export into the store, creating and migrating it if needed; rows that are',
    'already there are kept as they are, so an import can be run again. To move a hub from SQLite to',
    'PostgreSQL: stop it, export with --db, import with --database-url, then start it with DATABASE_URL.',
  ].join('\n'),
  options: {
    ...STORE_OPTIONS,
    in: { type: 'string', value: 'FILE', description: 'Read FILE instead of stdin' },
  },
  examples: [
    'roundtable import --database-url postgres://postgres@127.0.0.1/roundtable --in hub.jsonl',
    'roundtable import --db ./data/roundtable.db < general.jsonl',
  ],
  async run(_context, { values }) {
    const file = stringOption(values, 'in');
    if (file !== undefined && !existsSync(file)) throw new CliError(`no file ${file}`);
    const store = await openStore(values, importCommand, false);
    const { isDumpRecord } = await import('@roundtable/server');
    let read = 0;
    let written = 0;
    try {
      const records = (async function* () {
        // Opened when the store starts reading: a reader opened earlier could emit lines nobody awaits yet.
        const lines = createInterface({ input: file ? createReadStream(file) : process.stdin, crlfDelay: Infinity });
        let lineNumber = 0;
        for await (const line of lines) {
          lineNumber += 1;
          if (line.trim() === '') continue;
          let value: unknown;
          try {
            value = JSON.parse(line);
          } catch {
            throw new CliError(`line ${lineNumber} is not JSON`);
          }
          if (lineNumber === 1 && (value as Partial<ExportHeader>).roundtable === 'export') {
            if ((value as ExportHeader).format !== 1)
              throw new CliError('this export has a format this CLI does not know');
            continue;
          }
          if (!isDumpRecord(value)) throw new CliError(`line ${lineNumber} is not a Roundtable export row`);
          read += 1;
          yield value;
        }
      })();
      spinner.start('importing');
      written = await store.restore(records, (count) => spinner.update(`imported ${count.toLocaleString('en')} rows`));
    } finally {
      spinner.stop();
      await store.close();
    }
    notice(
      `imported ${written.toLocaleString('en')} of ${read.toLocaleString('en')} rows` +
        (written < read ? ` (${(read - written).toLocaleString('en')} were already there)` : ''),
    );
  },
};

function write(stream: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.write(text)) resolve();
    else {
      stream.once('drain', resolve);
      stream.once('error', reject);
    }
  });
}

export const dumpCommands: Command[] = [exportCommand, importCommand];
