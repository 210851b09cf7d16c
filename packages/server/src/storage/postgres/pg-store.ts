/**
 * The PostgreSQL store, for several hub instances over one database. Writes of one event-loop
 * tick share one transaction (each in a savepoint), like the SQLite store; a room's row lock
 * orders its seqs, so they stay gap-free and ordered when instances write to one room at once.
 */
import pg from 'pg';
import { ReadinessProbe } from '../readiness-probe.js';
import type { FileReservation, Message, RoomSummary, Task } from '@roundtable/protocol';
import { newId } from '../../core/ids.js';
import { HubError } from '../../core/hub-error.js';
import type {
  DenyEntry,
  EventDraft,
  HistoryQuery,
  InsertMessageResult,
  InsertTaskResult,
  LogViewer,
  MemberPatch,
  MemberRecord,
  MembershipPatch,
  MembershipRecord,
  MessageAudience,
  MessagePatch,
  NewMember,
  NewMessage,
  AgentDefinitionRecord,
  MessageSearch,
  NoteRecord,
  RecentQuery,
  SearchQuery,
  RoomRecord,
  Store,
  StoredEvent,
  PatternsOverlap,
  ReservationRequest,
  TaskQuery,
  TaskRow,
  TokenRecord,
} from '../../core/ports.js';
import { publicRoom } from '../../core/wire.js';
import {
  chainAfter,
  groupReactions,
  newMessage,
  RESERVATION_COLUMNS,
  reservationConflicts,
  reservationRows,
  TASK_COLUMNS,
  taskColumns,
  toReservation,
  taskQuerySql,
  toMember,
  toMembership,
  toMessage,
  toRoom,
  toTaskRow,
  toToken,
  type Row,
} from '../records.js';
import { TABLES, type DumpRecord } from '../../core/dump.js';
import { PG_LATEST_VERSION, pgMigrations } from './migrations.js';

type Db = pg.PoolClient | pg.Pool;

interface QueuedWrite {
  run: (client: pg.PoolClient) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const UNREAD_CAP = 10_000;
/** Rows read or written at once by dump and restore. */
const DUMP_PAGE = 1_000;

export interface PgStoreOptions {
  /** `postgres://user@host:port/database`. */
  url: string;
  /** Schema to keep the tables in (created if missing). Default `public`. */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Called when a batch fails to commit: every write in it is rejected. */
  onCommitError?: (error: unknown) => void;
}

/**
 * A write queue with its own batch in flight. A room's messages always take the same lane, so they
 * commit in the order they were queued; lanes commit side by side on separate connections, and the
 * hub's room order puts events from different lanes back in seq order.
 */
interface Lane {
  queue: QueuedWrite[];
  scheduled: boolean;
  flushing: Promise<void> | undefined;
}

/** Lane 0 also carries every write that is not a room's message (members, rooms, tasks...). */
const LANES = 4;

function laneOf(room: string): number {
  let hash = 0;
  for (let i = 0; i < room.length; i++) hash = (hash * 31 + room.charCodeAt(i)) | 0;
  return Math.abs(hash) % LANES;
}

/** The score halves for every 30 days of age ($1 is the present). */
const AGE_DIVISOR = (table: string) =>
  `(1.0 + EXTRACT(EPOCH FROM ($1::timestamptz - ${table}.created_at::timestamptz)) / 2592000.0)`;

/** Any of the words, each a quoted lexeme, so none is read as an operator. */
function tsQuery(terms: string[]): string {
  return terms.map((term) => `'${term.replaceAll("'", "''").replaceAll('\\', '\\\\')}'`).join(' | ');
}

export class PgStore implements Store {
  private readonly lanes: Lane[] = Array.from({ length: LANES }, () => ({
    queue: [],
    scheduled: false,
    flushing: undefined,
  }));
  private closed = false;
  private healthy = true;
  private readonly probe = new ReadinessProbe(async (payload) => {
    await this.pool.query(
      `INSERT INTO health_probe (id, at, payload) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET at = $1, payload = $2`,
      [new Date().toISOString(), payload],
    );
    await this.pool.query('UPDATE health_probe SET payload = NULL WHERE id = 1');
  });

  private constructor(
    private readonly pool: pg.Pool,
    private readonly onCommitError: ((error: unknown) => void) | undefined,
  ) {}

  /** Connects, creates the schema if needed, and applies the migrations this code knows. */
  static async open(options: PgStoreOptions): Promise<PgStore> {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`Invalid schema name: ${schema}`);
    const pool = new pg.Pool({
      connectionString: options.url,
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: 5_000,
      // Every connection works in the store's schema.
      options: `-c search_path=${schema}`,
    });
    // An idle client losing its connection (database restart) must not crash the process.
    pool.on('error', () => {});
    try {
      await migrate(pool, schema);
    } catch (error) {
      await pool.end();
      throw error;
    }
    return new PgStore(pool, options.onCommitError);
  }

  private write<T>(run: (client: pg.PoolClient) => Promise<T>, lane = this.lanes[0]!): Promise<T> {
    if (this.closed) return Promise.reject(new HubError('shutting_down'));
    return new Promise<T>((resolve, reject) => {
      lane.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      this.schedule(lane);
    });
  }

  private schedule(lane: Lane): void {
    if (lane.scheduled || lane.flushing) return;
    lane.scheduled = true;
    setImmediate(() => {
      lane.scheduled = false;
      lane.flushing = this.flush(lane).finally(() => {
        lane.flushing = undefined;
        if (lane.queue.length > 0) this.schedule(lane);
      });
    });
  }

  /** One transaction for everything queued in a lane; a batch at a time, so the lane's writes commit in queue order. */
  private async flush(lane: Lane): Promise<void> {
    const writes = lane.queue;
    lane.queue = [];
    if (writes.length === 0) return;
    let client: pg.PoolClient | undefined;
    let outcomes: Array<{ ok: boolean; value: unknown }> | undefined;
    try {
      client = await this.pool.connect();
      for (let round = 1; ; round += 1) {
        try {
          // Most batches have no failing write: run them without savepoints (two round trips fewer per
          // write); if one fails, roll the batch back and run it again with a savepoint around each write.
          outcomes = (await this.attempt(client, writes, false)) ?? (await this.attempt(client, writes, true));
          break;
        } catch (error) {
          // Two instances' batches can lock the same rows in opposite orders: PostgreSQL aborts one,
          // which runs again whole, after a short random pause.
          if (!isLockConflict(error) || round >= LOCK_CONFLICT_ROUNDS) throw error;
          await client.query('ROLLBACK').catch(() => {});
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * round));
        }
      }
      this.healthy = true;
    } catch (error) {
      this.healthy = false;
      this.onCommitError?.(error);
      await client?.query('ROLLBACK').catch(() => {});
      client?.release(true);
      client = undefined;
      const failure = new HubError('store_unavailable', undefined, { cause: error });
      for (const write of writes) write.reject(failure);
      return;
    } finally {
      client?.release();
    }
    outcomes!.forEach((outcome, index) => {
      const write = writes[index]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.value);
    });
  }

  /** One transaction over the batch; without savepoints, undefined when a write failed (and all was rolled back). */
  private async attempt(
    client: pg.PoolClient,
    writes: QueuedWrite[],
    savepoints: boolean,
  ): Promise<Array<{ ok: boolean; value: unknown }> | undefined> {
    const outcomes: Array<{ ok: boolean; value: unknown }> = [];
    await client.query('BEGIN');
    for (const write of writes) {
      if (savepoints) await client.query('SAVEPOINT w');
      try {
        outcomes.push({ ok: true, value: await write.run(client) });
        if (savepoints) await client.query('RELEASE SAVEPOINT w');
      } catch (error) {
        if (isConnectionError(error) || isLockConflict(error)) throw error;
        if (!savepoints) {
          await client.query('ROLLBACK');
          return undefined;
        }
        await client.query('ROLLBACK TO SAVEPOINT w');
        outcomes.push({ ok: false, value: storeFailure(error) });
      }
    }
    await client.query('COMMIT');
    return outcomes;
  }

  private async read<T>(run: (db: pg.Pool) => Promise<T>): Promise<T> {
    if (this.closed) throw new HubError('shutting_down');
    try {
      return await run(this.pool);
    } catch (error) {
      throw storeFailure(error);
    }
  }

  private async appendEvent(db: Db, roomId: string, draft: EventDraft): Promise<StoredEvent> {
    const quiet = draft.quiet ?? false;
    const seqRow = await one(db, 'UPDATE rooms SET last_seq = last_seq + 1 WHERE id = $1 RETURNING last_seq', [roomId]);
    if (!seqRow) throw new HubError('room_not_found');
    const seq = Number(seqRow.last_seq);
    await db.query(
      'INSERT INTO events (room_id, seq, kind, at, actor, data, agents, quiet) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [roomId, seq, draft.kind, draft.at, draft.actor, JSON.stringify(draft.data), json(draft.agents), quiet],
    );
    return {
      room: roomId,
      seq,
      kind: draft.kind,
      at: draft.at,
      actor: draft.actor,
      data: draft.data,
      agents: draft.agents,
      quiet,
    };
  }

  // Members and tokens

  createMember(member: NewMember): Promise<MemberRecord> {
    return this.write(async (client) => {
      try {
        await client.query(
          `INSERT INTO members (id, handle, display_name, kind, role, description, capabilities, owner_id, password_hash, created_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
          [
            member.id,
            member.handle,
            member.display_name,
            member.kind,
            member.role,
            member.description,
            JSON.stringify(member.capabilities),
            member.owner_id,
            member.password_hash,
            member.created_at,
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw new HubError('handle_taken', `The handle @${member.handle} is taken.`);
        throw error;
      }
      return { ...member, disabled: false };
    });
  }

  updateMember(id: string, patch: MemberPatch): Promise<MemberRecord | undefined> {
    return this.write(async (client) => {
      const values = definedOnly(patch);
      if (values.capabilities !== undefined) values.capabilities = JSON.stringify(values.capabilities);
      const row = await update(client, 'members', values, 'id = $1', [id]);
      return row ? toMember(row) : await this.memberRow(client, id);
    });
  }

  private async memberRow(db: Db, id: string): Promise<MemberRecord | undefined> {
    return findOne(db, 'members', 'id', id, toMember);
  }

  memberById(id: string): Promise<MemberRecord | undefined> {
    return this.read((db) => this.memberRow(db, id));
  }

  memberByHandle(handle: string): Promise<MemberRecord | undefined> {
    return this.read((db) => findOne(db, 'members', 'handle', handle, toMember));
  }

  membersByHandles(handles: string[]): Promise<MemberRecord[]> {
    if (handles.length === 0) return Promise.resolve([]);
    return this.read(async (db) =>
      (await db.query('SELECT * FROM members WHERE handle = ANY($1)', [handles])).rows.map(toMember),
    );
  }

  listMembers(filter: { kind?: string }): Promise<MemberRecord[]> {
    return this.read(async (db) => {
      const result = filter.kind
        ? await db.query('SELECT * FROM members WHERE kind = $1 ORDER BY handle', [filter.kind])
        : await db.query('SELECT * FROM members ORDER BY handle');
      return result.rows.map(toMember);
    });
  }

  countMembers(): Promise<number> {
    return this.read(async (db) => Number((await one(db, 'SELECT count(*)::int AS n FROM members', []))!.n));
  }

  createToken(token: TokenRecord & { hash: string }): Promise<TokenRecord> {
    return this.write(async (client) => {
      await client.query(
        'INSERT INTO tokens (id, member_id, hash, name, kind, created_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
        [token.id, token.member_id, token.hash, token.name, token.kind, token.created_at, token.revoked_at],
      );
      const { hash: _hash, ...record } = token;
      return record;
    });
  }

  tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    return this.read((db) => findOne(db, 'tokens', 'hash', hash, toToken));
  }

  tokenById(id: string): Promise<TokenRecord | undefined> {
    return this.read((db) => findOne(db, 'tokens', 'id', id, toToken));
  }

  listTokens(memberId?: string): Promise<TokenRecord[]> {
    return this.read(async (db) => {
      const result = memberId
        ? await db.query('SELECT * FROM tokens WHERE member_id = $1 ORDER BY created_at, id', [memberId])
        : await db.query('SELECT * FROM tokens ORDER BY created_at, id');
      return result.rows.map(toToken);
    });
  }

  revokeToken(id: string, at: string): Promise<TokenRecord | undefined> {
    return this.write(async (client) => {
      await client.query('UPDATE tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL', [at, id]);
      const row = await one(client, 'SELECT * FROM tokens WHERE id = $1', [id]);
      return row ? toToken(row) : undefined;
    });
  }

  listDenylist(): Promise<DenyEntry[]> {
    return this.read(async (db) => (await db.query('SELECT * FROM denylist ORDER BY handle')).rows as DenyEntry[]);
  }

  addDenylist(entry: DenyEntry): Promise<DenyEntry> {
    return this.write(async (client) => {
      const row = await one(
        client,
        `INSERT INTO denylist (handle, reason, created_by, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (handle) DO UPDATE SET reason = excluded.reason RETURNING *`,
        [entry.handle, entry.reason, entry.created_by, entry.created_at],
      );
      return row as unknown as DenyEntry;
    });
  }

  removeDenylist(handle: string): Promise<boolean> {
    return this.write(
      async (client) => ((await client.query('DELETE FROM denylist WHERE handle = $1', [handle])).rowCount ?? 0) > 0,
    );
  }

  // Rooms and membership

  createRoom(
    room: Omit<RoomRecord, 'last_seq' | 'member_count' | 'archived_at' | 'deleted_at'>,
    members: Omit<MembershipRecord, 'read_seq'>[],
    joinedEvent: (membership: Omit<MembershipRecord, 'read_seq'>) => EventDraft,
  ): Promise<{ room: RoomRecord; events: StoredEvent[] }> {
    return this.write(async (client) => {
      try {
        await client.query(
          `INSERT INTO rooms (id, name, kind, topic, created_by, created_at, agent_depth_limit, direct_key, title)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
          [
            room.id,
            room.name,
            room.kind,
            room.topic,
            room.created_by,
            room.created_at,
            room.agent_depth_limit,
            room.direct_key,
            room.title,
          ],
        );
      } catch (error) {
        if (isUniqueViolation(error)) throw new HubError('room_name_taken', `A room named #${room.name} exists.`);
        throw error;
      }
      const events: StoredEvent[] = [];
      for (const membership of members) {
        const inRoom = { ...membership, room_id: room.id };
        await this.insertMembership(client, inRoom);
        events.push(await this.appendEvent(client, room.id, joinedEvent(inRoom)));
      }
      return { room: (await this.roomRow(client, room.id))!, events };
    });
  }

  private async insertMembership(db: Db, membership: Omit<MembershipRecord, 'read_seq'>): Promise<boolean> {
    const result = await db.query(
      `INSERT INTO room_members (room_id, member_id, role, joined_at, read_seq, notify, listen)
       SELECT $1, $2, $3, $4, last_seq, $5, $6 FROM rooms WHERE id = $1
       ON CONFLICT (room_id, member_id) DO NOTHING`,
      [
        membership.room_id,
        membership.member_id,
        membership.role,
        membership.joined_at,
        membership.notify,
        membership.listen,
      ],
    );
    const inserted = (result.rowCount ?? 0) > 0;
    if (inserted)
      await db.query('UPDATE rooms SET member_count = member_count + 1 WHERE id = $1', [membership.room_id]);
    return inserted;
  }

  private async roomRow(db: Db, id: string): Promise<RoomRecord | undefined> {
    return findOne(db, 'rooms', 'id', id, toRoom);
  }

  roomById(id: string): Promise<RoomRecord | undefined> {
    return this.read((db) => this.roomRow(db, id));
  }

  roomByName(name: string): Promise<RoomRecord | undefined> {
    return this.read((db) => findOne(db, 'rooms', 'name', name, toRoom));
  }

  roomByDirectKey(key: string): Promise<RoomRecord | undefined> {
    return this.read((db) => findOne(db, 'rooms', 'direct_key', key, toRoom));
  }

  updateRoom(
    id: string,
    patch: Partial<Pick<RoomRecord, 'topic' | 'agent_depth_limit' | 'archived_at' | 'title' | 'deleted_at'>>,
    event: (room: RoomRecord) => EventDraft,
  ): Promise<{ room: RoomRecord; event: StoredEvent }> {
    return this.write(async (client) => {
      await update(client, 'rooms', definedOnly(patch), 'id = $1', [id]);
      const before = await this.roomRow(client, id);
      if (!before) throw new HubError('room_not_found');
      // Inside this transaction the event takes the next seq: the room it carries already counts it.
      const after = { ...before, last_seq: before.last_seq + 1 };
      const stored = await this.appendEvent(client, id, event(after));
      return { room: after, event: stored };
    });
  }

  countMessages(roomId: string): Promise<number> {
    return this.read(async (db) =>
      Number(
        (await db.query('SELECT count(*) AS n FROM messages WHERE room_id = $1 AND deleted_at IS NULL', [roomId]))
          .rows[0].n,
      ),
    );
  }

  listPublicRooms(): Promise<RoomRecord[]> {
    return this.read(async (db) =>
      (await db.query("SELECT * FROM rooms WHERE kind = 'public' ORDER BY name")).rows.map(toRoom),
    );
  }

  listRoomsOf(memberId: string): Promise<RoomSummary[]> {
    return this.read(async (db) => {
      const rows = (
        await db.query(
          `SELECT r.*, m.read_seq, m.notify, m.listen,
             (SELECT count(*)::int FROM (SELECT 1 FROM messages x WHERE x.room_id = r.id AND x.seq > m.read_seq
                AND x.sender_id <> $1 AND x.deleted_at IS NULL LIMIT ${UNREAD_CAP}) u) AS unread,
             (SELECT count(*)::int FROM (SELECT 1 FROM messages x WHERE x.room_id = r.id AND x.seq > m.read_seq
                AND x.sender_id <> $1 AND x.deleted_at IS NULL AND (x.mention_all OR x.seq IN
                  (SELECT a.seq FROM message_addressees a WHERE a.member_id = $1 AND a.room_id = r.id AND a.seq > m.read_seq))
                LIMIT ${UNREAD_CAP}) c) AS mentioned,
             CASE WHEN r.kind IN ('direct', 'conversation') THEN (SELECT json_agg(o.handle ORDER BY o.handle) FROM room_members om
                JOIN members o ON o.id = om.member_id WHERE om.room_id = r.id AND om.member_id <> $1) END AS others
           FROM room_members m JOIN rooms r ON r.id = m.room_id
           WHERE m.member_id = $1 AND r.deleted_at IS NULL ORDER BY r.kind IN ('direct', 'conversation'), r.name, r.created_at`,
          [memberId],
        )
      ).rows;
      return rows.map((row) => {
        const room = toRoom(row);
        const unread = Number(row.unread);
        const summary: RoomSummary = {
          ...publicRoom(room),
          read_seq: Number(row.read_seq),
          unread,
          mentions: room.kind === 'direct' || room.kind === 'conversation' ? unread : Number(row.mentioned),
          notify: row.notify as RoomSummary['notify'],
          listen: row.listen as RoomSummary['listen'],
        };
        if (room.kind === 'direct' || room.kind === 'conversation') {
          summary.members = (row.others as string[] | null) ?? [];
        }
        return summary;
      });
    });
  }

  roomIdsOf(memberId: string): Promise<string[]> {
    return this.read(async (db) =>
      (await db.query('SELECT room_id FROM room_members WHERE member_id = $1', [memberId])).rows.map(
        (row) => row.room_id as string,
      ),
    );
  }

  membership(roomId: string, memberId: string): Promise<MembershipRecord | undefined> {
    return this.read(async (db) => {
      const row = await one(db, 'SELECT * FROM room_members WHERE room_id = $1 AND member_id = $2', [roomId, memberId]);
      return row ? toMembership(row) : undefined;
    });
  }

  roomMembers(roomId: string): Promise<MembershipRecord[]> {
    return this.read(async (db) =>
      (
        await db.query('SELECT * FROM room_members WHERE room_id = $1 ORDER BY joined_at, member_id', [roomId])
      ).rows.map(toMembership),
    );
  }

  addMembership(
    membership: Omit<MembershipRecord, 'read_seq'>,
    event: EventDraft,
  ): Promise<{ added: boolean; event?: StoredEvent }> {
    return this.write(async (client) => {
      if (!(await this.insertMembership(client, membership))) return { added: false };
      return { added: true, event: await this.appendEvent(client, membership.room_id, event) };
    });
  }

  removeMembership(
    roomId: string,
    memberId: string,
    event: EventDraft,
  ): Promise<{ removed: boolean; event?: StoredEvent }> {
    return this.write(async (client) => {
      const removed = await client.query('DELETE FROM room_members WHERE room_id = $1 AND member_id = $2', [
        roomId,
        memberId,
      ]);
      if ((removed.rowCount ?? 0) === 0) return { removed: false };
      await client.query('UPDATE rooms SET member_count = member_count - 1 WHERE id = $1', [roomId]);
      return { removed: true, event: await this.appendEvent(client, roomId, event) };
    });
  }

  updateMembership(roomId: string, memberId: string, patch: MembershipPatch): Promise<MembershipRecord | undefined> {
    return this.write(async (client) => {
      await update(client, 'room_members', definedOnly(patch), 'room_id = $1 AND member_id = $2', [roomId, memberId]);
      const row = await one(client, 'SELECT * FROM room_members WHERE room_id = $1 AND member_id = $2', [
        roomId,
        memberId,
      ]);
      return row ? toMembership(row) : undefined;
    });
  }

  markRead(roomId: string, memberId: string, seq: number): Promise<number | undefined> {
    return this.write(async (client) => {
      await client.query(
        `UPDATE room_members SET read_seq = least($1, (SELECT last_seq FROM rooms WHERE id = $2))
         WHERE room_id = $2 AND member_id = $3 AND read_seq < $1`,
        [seq, roomId, memberId],
      );
      const row = await one(client, 'SELECT read_seq FROM room_members WHERE room_id = $1 AND member_id = $2', [
        roomId,
        memberId,
      ]);
      return row ? Number(row.read_seq) : undefined;
    });
  }

  // Messages

  /**
   * Two round trips: the first locks the room's row (and finds a repeated client_id, which a
   * concurrent instance has committed by the time the lock is ours); holding the lock, the next seq
   * is known, so the second writes the room, message, addressees, thread and event in one statement.
   */
  insertMessage(
    input: NewMessage,
    event: (message: Message, quiet: boolean) => EventDraft,
  ): Promise<InsertMessageResult> {
    return this.write(async (client): Promise<InsertMessageResult> => {
      const roomRow = await one(
        client,
        `SELECT r.agent_chain, r.agent_depth_limit, r.last_seq,
           (SELECT to_jsonb(m) FROM messages m WHERE m.sender_id = $2 AND m.client_id = $3) AS existing
         FROM rooms r WHERE r.id = $1 FOR UPDATE OF r`,
        [input.room_id, input.sender_id, input.client_id],
      );
      if (!roomRow) throw new HubError('room_not_found');
      if (roomRow.existing) {
        return { duplicate: true, message: (await this.toMessages(client, [roomRow.existing as Row]))[0]! };
      }
      const { depth, depthExceeded, firstPastLimit } = chainAfter(
        input.sender_kind,
        Number(roomRow.agent_chain),
        Number(roomRow.agent_depth_limit),
      );
      const seq = Number(roomRow.last_seq) + 1;
      const wake = depthExceeded ? [] : input.wake;
      const message = newMessage(input, seq, depth);
      const draft = event(message, depthExceeded);
      await client.query(
        `WITH room AS (UPDATE rooms SET last_seq = $3, agent_chain = $12 WHERE id = $2),
         message AS (
           INSERT INTO messages (id, room_id, seq, sender_id, sender, sender_kind, content, mentions, targets, mention_all,
             thread_id, depth, status, parts, metadata, client_id, created_at, wake, quiet)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)),
         addressed AS (
           INSERT INTO message_addressees (member_id, room_id, seq) SELECT unnest($20::text[]), $2, $3 ON CONFLICT DO NOTHING),
         thread AS (UPDATE messages SET reply_count = reply_count + 1, last_reply_at = $17 WHERE id = $11 AND room_id = $2)
         INSERT INTO events (room_id, seq, kind, at, actor, data, agents, quiet) VALUES ($2, $3, $21, $17, $22, $23, $24, $19)`,
        [
          input.id,
          input.room_id,
          seq,
          input.sender_id,
          input.sender,
          input.sender_kind,
          input.content,
          JSON.stringify(input.mentions),
          JSON.stringify(input.targets),
          input.mention_all,
          input.thread_id,
          depth,
          input.status,
          JSON.stringify(input.parts),
          JSON.stringify(input.metadata),
          input.client_id,
          input.created_at,
          JSON.stringify(wake),
          depthExceeded,
          input.addressed,
          draft.kind,
          draft.actor,
          JSON.stringify(draft.data),
          json(draft.agents),
        ],
      );
      return {
        duplicate: false,
        message,
        event: {
          room: input.room_id,
          seq,
          kind: draft.kind,
          at: input.created_at,
          actor: draft.actor,
          data: draft.data,
          agents: draft.agents,
          quiet: depthExceeded,
        },
        depthExceeded,
        firstPastLimit,
      };
    }, this.lanes[laneOf(input.room_id)]);
  }

  messageByClientId(senderId: string, clientId: string): Promise<Message | undefined> {
    return this.read(async (db) => {
      const row = await one(db, 'SELECT * FROM messages WHERE sender_id = $1 AND client_id = $2', [senderId, clientId]);
      return row ? (await this.toMessages(db, [row]))[0] : undefined;
    });
  }

  messageById(id: string): Promise<Message | undefined> {
    return this.read(async (db) => {
      const row = await one(db, 'SELECT * FROM messages WHERE id = $1', [id]);
      return row ? (await this.toMessages(db, [row]))[0] : undefined;
    });
  }

  messageAudience(id: string): Promise<MessageAudience | undefined> {
    return this.read(async (db) => {
      const row = await one(db, 'SELECT * FROM messages WHERE id = $1', [id]);
      return row ? (await this.audiences(db, [row]))[0] : undefined;
    });
  }

  private async audiences(db: Db, rows: Row[]): Promise<MessageAudience[]> {
    const messages = await this.toMessages(db, rows);
    return rows.map((row, index) => ({
      message: messages[index]!,
      senderId: row.sender_id as string,
      wake: row.wake as string[],
      quiet: row.quiet === true,
    }));
  }

  updateMessage(
    id: string,
    patch: MessagePatch,
    event: (message: Message) => EventDraft,
  ): Promise<{ message: Message; event: StoredEvent } | undefined> {
    return this.write(async (client) => {
      const values = definedOnly(patch);
      for (const key of ['parts', 'metadata']) if (values[key] !== undefined) values[key] = JSON.stringify(values[key]);
      await update(client, 'messages', values, 'id = $1', [id]);
      const row = await one(client, 'SELECT * FROM messages WHERE id = $1', [id]);
      if (!row) return undefined;
      const message = (await this.toMessages(client, [row]))[0]!;
      return { message, event: await this.appendEvent(client, message.room, event(message)) };
    });
  }

  addReaction(messageId: string, member: string, emoji: string, event: EventDraft): Promise<StoredEvent | undefined> {
    return this.write(async (client) => {
      const row = await one(client, 'SELECT room_id FROM messages WHERE id = $1', [messageId]);
      if (!row) throw new HubError('message_not_found');
      const inserted = await client.query(
        'INSERT INTO reactions (message_id, emoji, member, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING',
        [messageId, emoji, member, event.at],
      );
      return (inserted.rowCount ?? 0) > 0 ? this.appendEvent(client, row.room_id as string, event) : undefined;
    });
  }

  removeReaction(
    messageId: string,
    member: string,
    emoji: string,
    event: EventDraft,
  ): Promise<StoredEvent | undefined> {
    return this.write(async (client) => {
      const row = await one(client, 'SELECT room_id FROM messages WHERE id = $1', [messageId]);
      if (!row) throw new HubError('message_not_found');
      const removed = await client.query('DELETE FROM reactions WHERE message_id = $1 AND emoji = $2 AND member = $3', [
        messageId,
        emoji,
        member,
      ]);
      return (removed.rowCount ?? 0) > 0 ? this.appendEvent(client, row.room_id as string, event) : undefined;
    });
  }

  history(roomId: string, query: HistoryQuery): Promise<{ messages: Message[]; has_more: boolean }> {
    return this.read(async (db) => {
      const params: unknown[] = [roomId];
      const where = ['room_id = $1'];
      const bounds: Array<[unknown, string]> = [
        [query.before, 'seq <'],
        [query.after, 'seq >'],
        [query.beforeTime, 'created_at <'],
        [query.afterTime, 'created_at >'],
        [query.sender, 'sender ='],
        [query.threadId, 'thread_id ='],
      ];
      for (const [value, clause] of bounds) {
        if (value === undefined) continue;
        params.push(value);
        where.push(`${clause} $${params.length}`);
      }
      // Paging forward from a cursor reads oldest first; every other page is the newest before its bound.
      const ascending = query.after !== undefined || (query.afterTime !== undefined && query.before === undefined);
      params.push(query.limit + 1);
      const rows = (
        await db.query(
          `SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY seq ${ascending ? 'ASC' : 'DESC'} LIMIT $${params.length}`,
          params,
        )
      ).rows;
      const hasMore = rows.length > query.limit;
      const page = rows.slice(0, query.limit);
      if (!ascending) page.reverse();
      return { messages: await this.toMessages(db, page), has_more: hasMore };
    });
  }

  searchMessages(query: MessageSearch): Promise<Array<{ message: Message; score: number }>> {
    if (query.roomIds.length === 0 || query.terms.length === 0) return Promise.resolve([]);
    return this.read(async (db) => {
      const { rows } = await db.query(
        `SELECT m.*, ts_rank(to_tsvector('simple', m.content), q) / ${AGE_DIVISOR('m')} AS score
         FROM messages m, to_tsquery('simple', $2) q
         WHERE to_tsvector('simple', m.content) @@ q AND m.room_id = ANY($3)
           AND m.deleted_at IS NULL AND m.status = 'complete'
         ORDER BY score DESC, m.created_at DESC LIMIT $4`,
        [query.now, tsQuery(query.terms), query.roomIds, query.limit],
      );
      const messages = await this.toMessages(db, rows);
      return messages.map((message, index) => ({ message, score: Number(rows[index]!.score) }));
    });
  }

  agentDefinitions(): Promise<AgentDefinitionRecord[]> {
    return this.read(
      async (db) =>
        (await db.query('SELECT handle, definition, updated_at FROM agent_definitions ORDER BY handle'))
          .rows as AgentDefinitionRecord[],
    );
  }

  putAgentDefinition(record: AgentDefinitionRecord): Promise<void> {
    return this.write(async (client) => {
      await client.query(
        `INSERT INTO agent_definitions (handle, definition, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (handle) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
        [record.handle, record.definition, record.updated_at],
      );
    });
  }

  deleteAgentDefinition(handle: string): Promise<boolean> {
    return this.write(
      async (client) =>
        ((await client.query('DELETE FROM agent_definitions WHERE handle = $1', [handle])).rowCount ?? 0) > 0,
    );
  }

  insertNote(note: NoteRecord): Promise<NoteRecord> {
    return this.write(async (client) => {
      await client.query(
        'INSERT INTO notes (id, member_id, room_id, content, created_at) VALUES ($1, $2, $3, $4, $5)',
        [note.id, note.member_id, note.room_id, note.content, note.created_at],
      );
      return note;
    });
  }

  searchNotes(memberId: string, query: SearchQuery): Promise<Array<{ note: NoteRecord; score: number }>> {
    if (query.terms.length === 0) return Promise.resolve([]);
    return this.read(async (db) => {
      const { rows } = await db.query(
        `SELECT n.id, n.member_id, n.room_id, n.content, n.created_at,
           ts_rank(to_tsvector('simple', n.content), q) / ${AGE_DIVISOR('n')} AS score
         FROM notes n, to_tsquery('simple', $2) q
         WHERE to_tsvector('simple', n.content) @@ q AND n.member_id = $3
         ORDER BY score DESC, n.created_at DESC LIMIT $4`,
        [query.now, tsQuery(query.terms), memberId, query.limit],
      );
      return rows.map(({ score, ...note }) => ({ note: note as NoteRecord, score: Number(score) }));
    });
  }

  recentMessages(query: RecentQuery): Promise<Message[]> {
    if (query.roomIds.length === 0) return Promise.resolve([]);
    return this.read(async (db) => {
      const params: unknown[] = [query.roomIds];
      const where = ['room_id = ANY($1)'];
      if (query.afterTime !== undefined) {
        params.push(query.afterTime);
        where.push(`created_at > $${params.length}`);
      }
      if (query.deliveredTo) {
        // As in core/delivery.ts: woken by the message, or listening to all of a room (unless quiet), never its own.
        params.push(query.deliveredTo.agentId, query.deliveredTo.listensToAll);
        const agent = `$${params.length - 1}`;
        where.push(
          `sender_id <> ${agent} AND (jsonb_exists(wake, ${agent}) OR (room_id = ANY($${params.length}) AND NOT quiet))`,
        );
      }
      params.push(query.limit);
      const rows = (
        await db.query(
          `SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY created_at, seq LIMIT $${params.length}`,
          params,
        )
      ).rows;
      return this.toMessages(db, rows);
    });
  }

  streamingMessages(): Promise<MessageAudience[]> {
    return this.read(async (db) =>
      this.audiences(db, (await db.query("SELECT * FROM messages WHERE status = 'streaming'")).rows),
    );
  }

  threadAgents(rootId: string): Promise<string[]> {
    return this.read(async (db) =>
      (
        await db.query(
          `SELECT DISTINCT sender_id FROM messages WHERE (id = $1 OR thread_id = $1) AND sender_kind = 'agent'`,
          [rootId],
        )
      ).rows.map((row) => row.sender_id as string),
    );
  }

  // Tasks

  insertTask(row: TaskRow, event: (task: Task) => EventDraft): Promise<InsertTaskResult> {
    return this.write(async (client) => {
      if (row.task.client_id !== null) {
        const seen = await one(client, 'SELECT * FROM tasks WHERE creator_id = $1 AND client_id = $2', [
          row.creator_id,
          row.task.client_id,
        ]);
        if (seen) return { duplicate: true as const, task: toTaskRow(seen).task };
      }
      const values = taskValues(row);
      await client.query(
        `INSERT INTO tasks (${TASK_COLUMNS.join(', ')}) VALUES (${TASK_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
        values,
      );
      return {
        duplicate: false as const,
        task: row.task,
        event: await this.appendEvent(client, row.task.room, event(row.task)),
      };
    });
  }

  taskByClientId(creatorId: string, clientId: string): Promise<Task | undefined> {
    return this.read(async (db) => {
      const row = await one(db, 'SELECT * FROM tasks WHERE creator_id = $1 AND client_id = $2', [creatorId, clientId]);
      return row ? toTaskRow(row).task : undefined;
    });
  }

  taskRow(id: string): Promise<TaskRow | undefined> {
    return this.read((db) => findOne(db, 'tasks', 'id', id, toTaskRow));
  }

  replaceTask(
    row: TaskRow,
    event: ((task: Task) => EventDraft) | null,
  ): Promise<{ task: Task; event: StoredEvent | undefined } | undefined> {
    return this.write(async (client) => {
      const values = taskValues(row);
      const sets = TASK_COLUMNS.map((column, i) => `${column} = $${i + 1}`).join(', ');
      const id = TASK_COLUMNS.indexOf('id') + 1;
      // Under READ COMMITTED a concurrent writer's UPDATE waits for ours, then re-checks the version and matches nothing.
      const changed = await client.query(
        `UPDATE tasks SET ${sets} WHERE id = $${id} AND version = $${values.length + 1}`,
        [...values, row.task.version - 1],
      );
      if (changed.rowCount === 0) return undefined;
      return {
        task: row.task,
        event: event ? await this.appendEvent(client, row.task.room, event(row.task)) : undefined,
      };
    });
  }

  listTasks(query: TaskQuery): Promise<Task[]> {
    return this.read(async (db) => {
      const params: unknown[] = [];
      const sql = taskQuerySql(
        query,
        (value) => {
          params.push(value);
          return `$${params.length}`;
        },
        (placeholder) => `capabilities ? ${placeholder}`,
      );
      return (await db.query(`SELECT * FROM tasks ${sql}`, params)).rows.map((row) => toTaskRow(row).task);
    });
  }

  deleteTask(id: string, event: (task: Task) => EventDraft): Promise<StoredEvent | undefined> {
    return this.write(async (client) => {
      const row = await one(client, 'DELETE FROM tasks WHERE id = $1 RETURNING *', [id]);
      if (!row) return undefined;
      const { task } = toTaskRow(row);
      await client.query('DELETE FROM reservations WHERE task_id = $1', [id]);
      return this.appendEvent(client, task.room, event(task));
    });
  }

  pendingTasks(limit: number, offset: number): Promise<TaskRow[]> {
    return this.read(async (db) =>
      (
        await db.query(
          "SELECT * FROM tasks WHERE status = 'pending' ORDER BY priority DESC, created_at, id LIMIT $1 OFFSET $2",
          [limit, offset],
        )
      ).rows.map(toTaskRow),
    );
  }

  expiredTasks(now: string, limit: number): Promise<TaskRow[]> {
    return this.read(async (db) =>
      (
        await db.query(
          "SELECT * FROM tasks WHERE status IN ('assigned', 'running') AND lease_expires_at <= $1 ORDER BY lease_expires_at LIMIT $2",
          [now, limit],
        )
      ).rows.map(toTaskRow),
    );
  }

  activeTaskCounts(): Promise<Map<string, number>> {
    return this.read(async (db) => {
      const rows = (
        await db.query(
          "SELECT assignee_id, COUNT(*) AS n FROM tasks WHERE status IN ('assigned', 'running') GROUP BY assignee_id",
        )
      ).rows;
      return new Map(rows.map((row) => [row.assignee_id as string, Number(row.n)]));
    });
  }

  // File reservations

  reserveFiles(
    request: ReservationRequest,
    overlaps: PatternsOverlap,
  ): Promise<{ reservations: FileReservation[] } | { conflicts: FileReservation[] }> {
    return this.write(async (client) => {
      // Check-then-insert must not interleave with another instance's: one reserver at a time, until commit.
      await client.query('SELECT pg_advisory_xact_lock($1)', [RESERVATIONS_LOCK]);
      const live = (await client.query('SELECT * FROM reservations WHERE expires_at > $1', [request.now])).rows;
      const conflicts = reservationConflicts(request, live, overlaps);
      if (conflicts.length > 0) return { conflicts };
      const rows = reservationRows(request, () => newId('rsv'));
      for (const row of rows) {
        await client.query(
          'DELETE FROM reservations WHERE holder_id = $1 AND pattern = $2 AND task_id IS NOT DISTINCT FROM $3',
          [request.holder_id, row.pattern, request.task_id],
        );
        await client.query(
          `INSERT INTO reservations (${RESERVATION_COLUMNS.join(', ')}) VALUES (${RESERVATION_COLUMNS.map((_, i) => `$${i + 1}`).join(', ')})`,
          RESERVATION_COLUMNS.map((column) => row[column]),
        );
      }
      return { reservations: rows.map(toReservation) };
    });
  }

  releaseFiles(filter: { holder_id: string; patterns?: string[] } | { task_id: string }): Promise<number> {
    return this.write(async (client) => {
      if ('task_id' in filter) {
        return (await client.query('DELETE FROM reservations WHERE task_id = $1', [filter.task_id])).rowCount ?? 0;
      }
      if (!filter.patterns) {
        return (await client.query('DELETE FROM reservations WHERE holder_id = $1', [filter.holder_id])).rowCount ?? 0;
      }
      const result = await client.query('DELETE FROM reservations WHERE holder_id = $1 AND pattern = ANY($2)', [
        filter.holder_id,
        filter.patterns,
      ]);
      return result.rowCount ?? 0;
    });
  }

  renewLease(id: string, token: string, expiresAt: string): Promise<boolean> {
    return this.write(async (client) => {
      const result = await client.query(
        `UPDATE tasks SET lease_expires_at = $3, doc = jsonb_set(doc, '{lease_expires_at}', to_jsonb($3::text))
         WHERE id = $1 AND lease_token = $2 AND status IN ('assigned', 'running')`,
        [id, token, expiresAt],
      );
      return (result.rowCount ?? 0) > 0;
    });
  }

  extendReservations(taskId: string, expiresAt: string): Promise<void> {
    return this.write(async (client) => {
      await client.query('UPDATE reservations SET expires_at = $1 WHERE task_id = $2', [expiresAt, taskId]);
    });
  }

  listReservations(now: string, holderId?: string): Promise<FileReservation[]> {
    return this.read(async (db) => {
      const rows = holderId
        ? await db.query('SELECT * FROM reservations WHERE expires_at > $1 AND holder_id = $2 ORDER BY created_at', [
            now,
            holderId,
          ])
        : await db.query('SELECT * FROM reservations WHERE expires_at > $1 ORDER BY created_at', [now]);
      return rows.rows.map(toReservation);
    });
  }

  events(roomId: string, after: number, limit: number, viewer: LogViewer): Promise<StoredEvent[]> {
    return this.read(async (db) => {
      const params: unknown[] = [roomId, after];
      let filter = '';
      if (viewer.kind === 'agent') {
        // The delivery rule of core/delivery.ts `receives`, in SQL.
        params.push(viewer.handle, viewer.agentId);
        const woken = viewer.listen === 'all' ? '(NOT quiet OR jsonb_exists(agents, $4))' : 'jsonb_exists(agents, $4)';
        filter = `AND (agents IS NULL OR (NOT (kind = 'message.created' AND actor = $3) AND ${woken}))`;
      }
      params.push(limit);
      const rows = (
        await db.query(
          `SELECT * FROM events WHERE room_id = $1 AND seq > $2 ${filter} ORDER BY seq LIMIT $${params.length}`,
          params,
        )
      ).rows;
      return rows.map((row) => ({
        room: row.room_id as string,
        seq: Number(row.seq),
        kind: row.kind as StoredEvent['kind'],
        at: row.at as string,
        actor: row.actor as string,
        data: row.data as Record<string, unknown>,
        agents: (row.agents as string[] | null) ?? null,
        quiet: row.quiet === true,
      }));
    });
  }

  async *dump(roomId?: string): AsyncIterable<DumpRecord> {
    for (const table of TABLES) {
      if (roomId !== undefined && !table.roomFilter) continue;
      let last: unknown[] | undefined;
      for (;;) {
        const params: unknown[] = [];
        const where: string[] = [];
        if (roomId !== undefined) {
          params.push(roomId);
          where.push(table.roomFilter!.replaceAll('@room', '$1'));
        }
        if (last) {
          const start = params.length;
          params.push(...last);
          where.push(`(${table.key.join(', ')}) > (${table.key.map((_, i) => `$${start + i + 1}`).join(', ')})`);
        }
        params.push(DUMP_PAGE);
        const rows = (
          await this.pool.query(
            `SELECT * FROM ${table.name} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
             ORDER BY ${table.key.join(', ')} LIMIT $${params.length}`,
            params,
          )
        ).rows as Row[];
        for (const row of rows) yield { table: table.name, row };
        if (rows.length < DUMP_PAGE) break;
        last = table.key.map((key) => rows.at(-1)![key]);
      }
    }
  }

  async restore(records: AsyncIterable<DumpRecord>, onProgress?: (written: number) => void): Promise<number> {
    const columns = new Map<string, Map<string, string>>();
    for (const row of (
      await this.pool.query(
        'SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = current_schema()',
      )
    ).rows) {
      const table = columns.get(row.table_name) ?? new Map<string, string>();
      table.set(row.column_name, row.data_type);
      columns.set(row.table_name, table);
    }
    let written = 0;
    let batch: DumpRecord[] = [];
    const flush = async () => {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        for (const { table, row } of batch) {
          const types = columns.get(table)!;
          const keys = Object.keys(row).filter((key) => types.has(key));
          const values = keys.map((key) =>
            types.get(key) === 'jsonb' && row[key] !== null ? JSON.stringify(row[key]) : row[key],
          );
          const result = await client.query(
            `INSERT INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((_, i) => `$${i + 1}`).join(', ')}) ON CONFLICT DO NOTHING`,
            values,
          );
          written += result.rowCount ?? 0;
        }
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        client.release();
      }
      batch = [];
      onProgress?.(written);
    };
    for await (const record of records) {
      batch.push(record);
      if (batch.length >= DUMP_PAGE) await flush();
    }
    await flush();
    return written;
  }

  /** After a failed commit or a lost connection, ready again once a probe as large as a real batch commits. */
  async ready(): Promise<boolean> {
    if (this.closed) return false;
    if (!this.healthy) {
      if (await this.probe.check()) this.healthy = true;
      return this.healthy;
    }
    try {
      await this.pool.query('SELECT 1');
      return true;
    } catch {
      this.healthy = false;
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    const busy = () => this.lanes.filter((lane) => lane.flushing || lane.queue.length > 0 || lane.scheduled);
    for (let lanes = busy(); lanes.length > 0; lanes = busy()) {
      for (const lane of lanes) this.schedule(lane);
      const flushing = lanes.flatMap((lane) => (lane.flushing ? [lane.flushing] : []));
      await (flushing.length > 0 ? Promise.race(flushing) : new Promise((resolve) => setImmediate(resolve)));
    }
    this.closed = true;
    await this.pool.end();
  }

  private async toMessages(db: Db, rows: Row[]): Promise<Message[]> {
    const live = rows.filter((row) => row.deleted_at === null).map((row) => row.id as string);
    const reactions = groupReactions(
      live.length === 0
        ? []
        : (
            await db.query(
              'SELECT message_id, emoji, member FROM reactions WHERE message_id = ANY($1) ORDER BY created_at, emoji, member',
              [live],
            )
          ).rows,
    );
    return rows.map((row) => toMessage(row, reactions.get(row.id as string) ?? []));
  }
}

async function migrate(pool: pg.Pool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Several instances may start at once: one creates the schema and migrates, the others wait for it.
    await client.query('SELECT pg_advisory_xact_lock(4004)');
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL)',
    );
    const current = Number((await one(client, 'SELECT coalesce(max(version), 0) AS v FROM schema_migrations', []))!.v);
    if (current > PG_LATEST_VERSION) {
      throw new Error(
        `The database schema is at version ${current}, newer than this Roundtable knows (${PG_LATEST_VERSION}). ` +
          'Run a Roundtable release that matches the database, or restore a backup taken before the upgrade.',
      );
    }
    for (const migration of pgMigrations) {
      if (migration.version <= current) continue;
      await client.query(migration.sql);
      await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/** The row of `table` whose `column` equals `value`, as a record; names are the store's own, never input. */
async function findOne<T>(
  db: Db,
  table: string,
  column: string,
  value: unknown,
  map: (row: Row) => T,
): Promise<T | undefined> {
  const row = await one(db, `SELECT * FROM ${table} WHERE ${column} = $1`, [value]);
  return row ? map(row) : undefined;
}

async function one(db: Db, sql: string, params: unknown[]): Promise<Row | undefined> {
  return (await db.query(sql, params)).rows[0] as Row | undefined;
}

/** UPDATE table SET <patch> WHERE <where>; the where clause's parameters come first. */
async function update(
  db: Db,
  table: string,
  values: Record<string, unknown>,
  where: string,
  whereParams: unknown[],
): Promise<Row | undefined> {
  const keys = Object.keys(values);
  if (keys.length === 0) return undefined;
  const sets = keys.map((key, index) => `${key} = $${whereParams.length + index + 1}`);
  return one(db, `UPDATE ${table} SET ${sets.join(', ')} WHERE ${where} RETURNING *`, [
    ...whereParams,
    ...keys.map((key) => values[key]),
  ]);
}

/** The advisory lock that serializes file reservations across instances (any fixed number). */
const RESERVATIONS_LOCK = 7_311_021;

/** A task's column values in TASK_COLUMNS order, JSON columns serialized for jsonb. */
function taskValues(row: TaskRow): unknown[] {
  const columns = taskColumns(row);
  return TASK_COLUMNS.map((column) =>
    column === 'capabilities' || column === 'doc' ? json(columns[column]) : columns[column],
  );
}

function json(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

function definedOnly(patch: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

function isUniqueViolation(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === '23505';
}

/** How many times a batch aborted by a deadlock or serialization failure is run again. */
const LOCK_CONFLICT_ROUNDS = 5;

/** A deadlock (40P01) or serialization failure (40001): nothing was written, and running again may succeed. */
function isLockConflict(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && 'code' in error && ['40P01', '40001'].includes(String(error.code))
  );
}

/** Lost connections, a server shutting down or out of resources: the store cannot write right now. */
function isConnectionError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = 'code' in error ? String(error.code) : '';
  const message = 'message' in error ? String(error.message) : '';
  return (
    /^(08|57P|53)/.test(code) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND'].includes(code) ||
    /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
      message,
    )
  );
}

/**
 * Text PostgreSQL cannot hold (a NUL: 22021; in JSON, a NUL or lone surrogate escape: 22P05, 22P02)
 * is the input's fault, not the store's: the transports refuse it first, and this catches any path they missed.
 */
const UNSTORABLE_TEXT = new Set(['22021', '22P05', '22P02']);

function storeFailure(error: unknown): unknown {
  if (error instanceof HubError) return error;
  if (isConnectionError(error)) return new HubError('store_unavailable', undefined, { cause: error });
  if (typeof error === 'object' && error !== null && UNSTORABLE_TEXT.has(String((error as { code?: unknown }).code))) {
    return new HubError('invalid_request', 'Text may not contain NUL characters or unpaired surrogates.', {
      cause: error,
    });
  }
  return error;
}
