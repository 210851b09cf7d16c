/** Export and import: every table read in key order, a page at a time, and written back skipping rows already present. */
import { TABLES, TABLE_BY_NAME, type DumpRecord, type TableSpec } from '../../core/dump.js';
import type { DumpStore } from '../../core/ports.js';
import { MAX_RECEIPTS_PER_MESSAGE } from '../../core/receipts.js';
import { decode, encode, type Dialect } from './dialect.js';
import type { Row } from './records.js';
import { changes, row, rows, type Params, type SqlDriver, type Step } from './step.js';

/** Rows read or written at once by dump and restore. */
const DUMP_PAGE = 1_000;

/** One page of `table`: of one room when `params.room` is set, and after the key values `last`, by keyset. */
function pageSql(table: TableSpec, params: Params, last: unknown[] | undefined): string {
  const where: string[] = [];
  if (params.room !== undefined) where.push(table.roomFilter!);
  if (last) {
    where.push(`(${table.key.join(', ')}) > (${table.key.map((_, i) => `@k${i}`).join(', ')})`);
    last.forEach((value, i) => (params[`k${i}`] = value));
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return `SELECT * FROM ${table.name} ${clause} ORDER BY ${table.key.join(', ')} LIMIT @limit`;
}

export function dumpStore(db: SqlDriver, d: Dialect): DumpStore {
  return {
    async *dump(roomId) {
      for (const table of TABLES) {
        if (roomId !== undefined && !table.roomFilter) continue;
        let last: unknown[] | undefined;
        for (;;) {
          const params: Params = { room: roomId, limit: DUMP_PAGE };
          const page = await db.read(rows, pageSql(table, params, last), params);
          for (const stored of page) yield { table: table.name, row: decode(d, table, stored) };
          if (page.length < DUMP_PAGE) break;
          last = table.key.map((key) => page.at(-1)![key]);
        }
      }
    },

    async restore(records, onProgress) {
      const columns = new Map<string, Set<string>>();
      for (const column of await db.read(rows, d.columns)) {
        const table = columns.get(column.table_name as string) ?? new Set<string>();
        table.add(column.column_name as string);
        columns.set(column.table_name as string, table);
      }
      let written = 0;
      let batch: DumpRecord[] = [];
      const flush = async () => {
        written += await db.transaction(insertRecords, d, columns, batch);
        batch = [];
        onProgress?.(written);
      };
      for await (const record of records) {
        batch.push(record);
        if (batch.length >= DUMP_PAGE) await flush();
      }
      await flush();
      return written;
    },
  };
}

/**
 * An earlier export's receipt: its state moves onto the addressee row (which the same export may hold
 * already, as a mention), and its member onto its message's list. A row that keeps a receipt already
 * is left as it is, as a restore leaves every row it finds.
 */
const LEGACY_RECEIPT = `INSERT INTO message_addressees (member_id, room_id, seq, mentioned, tracked, delivered_at, read_at, acted_at)
  VALUES (@member_id, @room_id, @seq, @no, @yes, @delivered_at, @read_at, @acted_at)
  ON CONFLICT (member_id, room_id, seq) DO UPDATE SET tracked = excluded.tracked,
    delivered_at = excluded.delivered_at, read_at = excluded.read_at, acted_at = excluded.acted_at
  WHERE NOT message_addressees.tracked`;
const RECEIPT_MEMBERS = `SELECT receipt_members, (SELECT 1 FROM members WHERE id = @member_id) AS known
  FROM messages WHERE room_id = @room_id AND seq = @seq`;
const SET_RECEIPT_MEMBERS = 'UPDATE messages SET receipt_members = @members WHERE room_id = @room_id AND seq = @seq';

function* restoreLegacyReceipt(d: Dialect, stored: Row): Step<number> {
  const key = { room_id: stored.room_id ?? null, seq: stored.seq ?? null };
  const member_id = stored.member_id ?? null;
  const message = yield* row(RECEIPT_MEMBERS, { ...key, member_id });
  // A receipt of a message or member the export does not hold has nothing to belong to.
  if (!message || message.known === null || message.known === undefined) return 0;
  const listed = d.readJson(message.receipt_members);
  const members: unknown[] = Array.isArray(listed) ? listed : [];
  // An export is input like any other: a message keeps no more receipts than a send gives it.
  if (members.length >= MAX_RECEIPTS_PER_MESSAGE && !members.includes(member_id)) return 0;
  const times = {
    delivered_at: stored.delivered_at ?? null,
    read_at: stored.read_at ?? null,
    acted_at: stored.acted_at ?? null,
  };
  const params = { ...key, member_id, ...times, no: d.bool(false), yes: d.bool(true) };
  const inserted = yield* changes(LEGACY_RECEIPT, params);
  if (inserted > 0 && !members.includes(member_id))
    yield* changes(SET_RECEIPT_MEMBERS, { ...key, members: JSON.stringify([...members, params.member_id]) });
  return inserted;
}

/** Writes the columns the store has, of each record; returns how many rows were new. */
function* insertRecords(d: Dialect, columns: Map<string, Set<string>>, records: DumpRecord[]): Step<number> {
  let inserted = 0;
  for (const { table, row } of records) {
    if (table === 'message_receipts') {
      inserted += yield* restoreLegacyReceipt(d, row);
      continue;
    }
    const keys = Object.keys(row).filter((key) => columns.get(table)!.has(key));
    const values = encode(d, TABLE_BY_NAME.get(table)!, row);
    const sql = d.insertIgnore(`${table} (${keys.join(', ')})`, `VALUES (${keys.map((key) => `@${key}`).join(', ')})`);
    inserted += yield* changes(sql, Object.fromEntries(keys.map((key) => [key, values[key]])));
  }
  return inserted;
}
