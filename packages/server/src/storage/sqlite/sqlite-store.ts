/**
 * The SQLite store: WAL mode, durable commits, and every write of one event-loop tick committed
 * in a single transaction, so that durability does not cost throughput.
 */
import { mkdirSync } from 'node:fs';
import { ReadinessProbe } from '../readiness-probe.js';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
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
  AgentDefinitionRecord,
  MessagePatch,
  MessageSearch,
  NewMember,
  NewMessage,
  NoteRecord,
  RecentQuery,
  RoomRecord,
  SearchQuery,
  Store,
  StoredEvent,
  PatternsOverlap,
  ReservationRequest,
  TaskQuery,
  TaskRow,
  TokenRecord,
} from '../../core/ports.js';
import { LATEST_VERSION, migrations } from './migrations.js';
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
  toMessage,
  toRoom,
  toTaskRow,
  toToken,
  type Row,
} from '../records.js';
import { TABLES, TABLE_BY_NAME, type DumpRecord, type TableSpec } from '../../core/dump.js';

type Db = Database.Database;

interface QueuedWrite {
  run: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Rows read or written at once by dump and restore. */
const DUMP_PAGE = 1_000;

/** Unread counts stop at this number: a badge does not need an exact count past it, and counting costs. */
const UNREAD_CAP = 10_000;

export interface SqliteStoreOptions {
  /** File path, or ':memory:' for a throwaway database. */
  path: string;
  /** Called when a batch fails to commit (disk full, I/O error): every write in it is rejected. */
  onCommitError?: (error: unknown) => void;
}

const STATEMENT_CACHE_SIZE = 500;

export class SqliteStore implements Store {
  private readonly db: Db;
  private queue: QueuedWrite[] = [];
  private flushScheduled = false;
  private closed = false;
  private healthy = true;
  private readonly probe = new ReadinessProbe(async (payload) => {
    this.statement('INSERT OR REPLACE INTO health_probe (id, at, payload) VALUES (1, ?, ?)').run(
      new Date().toISOString(),
      payload,
    );
    this.statement('UPDATE health_probe SET payload = NULL WHERE id = 1').run();
  });
  private readonly runInSavepoint: (write: QueuedWrite) => unknown;
  private readonly runBatch: Database.Transaction<(writes: QueuedWrite[]) => Array<{ ok: boolean; value: unknown }>>;
  private readonly onCommitError: ((error: unknown) => void) | undefined;
  private readonly stmt: ReturnType<SqliteStore['prepare']>;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(options: SqliteStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    // FULL fsyncs the WAL on every commit: an acknowledged message survives power loss, not just a crash.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    // A lock held by another process (a backup tool) is waited for this long, with the event loop blocked.
    this.db.pragma('busy_timeout = 2000');
    this.onCommitError = options.onCommitError;
    migrate(this.db);
    this.stmt = this.prepare();
    // A nested better-sqlite3 transaction is a savepoint: one failing write rolls back alone.
    this.runInSavepoint = this.db.transaction((write: QueuedWrite) => write.run());
    this.runBatch = this.db.transaction((writes: QueuedWrite[]) =>
      writes.map((write) => {
        try {
          return { ok: true, value: this.runInSavepoint(write) };
        } catch (error) {
          return { ok: false, value: storeFailure(error) };
        }
      }),
    );
  }

  private prepare() {
    const db = this.db;
    return {
      memberById: db.prepare('SELECT * FROM members WHERE id = ?'),
      memberByHandle: db.prepare('SELECT * FROM members WHERE handle = ?'),
      insertMember: db.prepare(
        `INSERT INTO members (id, handle, display_name, kind, role, description, capabilities, owner_id, password_hash, created_at)
         VALUES (@id, @handle, @display_name, @kind, @role, @description, @capabilities, @owner_id, @password_hash, @created_at)`,
      ),
      tokenByHash: db.prepare('SELECT * FROM tokens WHERE hash = ?'),
      tokenById: db.prepare('SELECT * FROM tokens WHERE id = ?'),
      roomById: db.prepare('SELECT * FROM rooms WHERE id = ?'),
      nextSeq: db.prepare('UPDATE rooms SET last_seq = last_seq + 1 WHERE id = ? RETURNING last_seq'),
      insertEvent: db.prepare(
        'INSERT INTO events (room_id, seq, kind, at, actor, data, agents, quiet) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ),
      membership: db.prepare('SELECT * FROM room_members WHERE room_id = ? AND member_id = ?'),
      messageById: db.prepare('SELECT * FROM messages WHERE id = ?'),
      messageByClientId: db.prepare('SELECT * FROM messages WHERE sender_id = ? AND client_id = ?'),
      insertMessage: db.prepare(
        `INSERT INTO messages (id, room_id, seq, sender_id, sender, sender_kind, content, mentions, targets, mention_all,
           thread_id, depth, status, parts, metadata, client_id, created_at, wake, quiet)
         VALUES (@id, @room_id, @seq, @sender_id, @sender, @sender_kind, @content, @mentions, @targets, @mention_all,
           @thread_id, @depth, @status, @parts, @metadata, @client_id, @created_at, @wake, @quiet)`,
      ),
      insertAddressee: db.prepare(
        'INSERT OR IGNORE INTO message_addressees (member_id, room_id, seq) VALUES (?, ?, ?)',
      ),
      chain: db.prepare('SELECT agent_chain, agent_depth_limit FROM rooms WHERE id = ?'),
      setChain: db.prepare('UPDATE rooms SET agent_chain = ? WHERE id = ?'),
      bumpThread: db.prepare(
        'UPDATE messages SET reply_count = reply_count + 1, last_reply_at = ? WHERE id = ? AND room_id = ?',
      ),
      reactionsOf: db.prepare(
        'SELECT message_id, emoji, member FROM reactions WHERE message_id = ? ORDER BY created_at, emoji, member',
      ),
    };
  }

  /** A prepared statement for this SQL, kept for next time: preparing costs more than running most queries. */
  private statement(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      // SQL built from a list's length (IN (?, ?, ...)) has many shapes: start over rather than grow without end.
      if (this.statements.size >= STATEMENT_CACHE_SIZE) this.statements.clear();
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** Queues a write for this tick's transaction; resolves once that transaction is committed. */
  private write<T>(run: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new HubError('shutting_down'));
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ run, resolve: resolve as (value: unknown) => void, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.flushScheduled = false;
    const writes = this.queue;
    if (writes.length === 0) return;
    this.queue = [];
    let outcomes: Array<{ ok: boolean; value: unknown }>;
    try {
      // IMMEDIATE takes the write lock first (waiting up to busy_timeout), instead of failing mid-transaction.
      outcomes = this.runBatch.immediate(writes);
      this.healthy = true;
    } catch (error) {
      this.healthy = false;
      this.onCommitError?.(error);
      const failure = new HubError('store_unavailable', undefined, { cause: error });
      for (const write of writes) write.reject(failure);
      return;
    }
    outcomes.forEach((outcome, index) => {
      const write = writes[index]!;
      if (outcome.ok) write.resolve(outcome.value);
      else write.reject(outcome.value);
    });
  }

  private read<T>(run: () => T): Promise<T> {
    if (this.closed) return Promise.reject(new HubError('shutting_down'));
    try {
      return Promise.resolve(run());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  private appendEvent(roomId: string, draft: EventDraft): StoredEvent {
    const at = draft.at;
    const quiet = draft.quiet ?? false;
    const seqRow = this.stmt.nextSeq.get(roomId) as { last_seq: number } | undefined;
    if (!seqRow) throw new HubError('room_not_found');
    const seq = seqRow.last_seq;
    this.stmt.insertEvent.run(
      roomId,
      seq,
      draft.kind,
      at,
      draft.actor,
      JSON.stringify(draft.data),
      draft.agents ? JSON.stringify(draft.agents) : null,
      quiet ? 1 : 0,
    );
    return {
      room: roomId,
      seq,
      kind: draft.kind,
      at,
      actor: draft.actor,
      data: draft.data,
      agents: draft.agents,
      quiet,
    };
  }

  // Members and tokens

  createMember(member: NewMember): Promise<MemberRecord> {
    return this.write(() => {
      try {
        this.stmt.insertMember.run({ ...member, capabilities: JSON.stringify(member.capabilities) });
      } catch (error) {
        if (isUniqueViolation(error)) throw new HubError('handle_taken', `The handle @${member.handle} is taken.`);
        throw error;
      }
      return { ...member, disabled: false };
    });
  }

  updateMember(id: string, patch: MemberPatch): Promise<MemberRecord | undefined> {
    return this.write(() => {
      const sets: string[] = [];
      const values: Row = { id };
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) continue;
        sets.push(`${key} = @${key}`);
        values[key] =
          key === 'capabilities' ? JSON.stringify(value) : typeof value === 'boolean' ? (value ? 1 : 0) : value;
      }
      if (sets.length > 0) this.statement(`UPDATE members SET ${sets.join(', ')} WHERE id = @id`).run(values);
      const row = this.stmt.memberById.get(id) as Row | undefined;
      return row ? memberFrom(row) : undefined;
    });
  }

  memberById(id: string): Promise<MemberRecord | undefined> {
    return this.read(() => {
      const row = this.stmt.memberById.get(id) as Row | undefined;
      return row ? memberFrom(row) : undefined;
    });
  }

  memberByHandle(handle: string): Promise<MemberRecord | undefined> {
    return this.read(() => {
      const row = this.stmt.memberByHandle.get(handle) as Row | undefined;
      return row ? memberFrom(row) : undefined;
    });
  }

  membersByHandles(handles: string[]): Promise<MemberRecord[]> {
    if (handles.length === 0) return Promise.resolve([]);
    return this.read(() =>
      (
        this.statement(`SELECT * FROM members WHERE handle IN (${handles.map(() => '?').join(',')})`).all(
          ...handles,
        ) as Row[]
      ).map(memberFrom),
    );
  }

  listMembers(filter: { kind?: string }): Promise<MemberRecord[]> {
    return this.read(() => {
      const rows = filter.kind
        ? this.statement('SELECT * FROM members WHERE kind = ? ORDER BY handle').all(filter.kind)
        : this.statement('SELECT * FROM members ORDER BY handle').all();
      return (rows as Row[]).map(memberFrom);
    });
  }

  countMembers(): Promise<number> {
    return this.read(() => (this.statement('SELECT count(*) AS n FROM members').get() as { n: number }).n);
  }

  createToken(token: TokenRecord & { hash: string }): Promise<TokenRecord> {
    return this.write(() => {
      this.statement(
        'INSERT INTO tokens (id, member_id, hash, name, kind, created_at, revoked_at) VALUES (@id, @member_id, @hash, @name, @kind, @created_at, @revoked_at)',
      ).run(token);
      const { hash: _hash, ...record } = token;
      return record;
    });
  }

  tokenByHash(hash: string): Promise<TokenRecord | undefined> {
    return this.read(() => {
      const row = this.stmt.tokenByHash.get(hash) as Row | undefined;
      return row ? toToken(row) : undefined;
    });
  }

  tokenById(id: string): Promise<TokenRecord | undefined> {
    return this.read(() => {
      const row = this.stmt.tokenById.get(id) as Row | undefined;
      return row ? toToken(row) : undefined;
    });
  }

  listTokens(memberId?: string): Promise<TokenRecord[]> {
    return this.read(() => {
      const rows = memberId
        ? this.statement('SELECT * FROM tokens WHERE member_id = ? ORDER BY created_at').all(memberId)
        : this.statement('SELECT * FROM tokens ORDER BY created_at').all();
      return (rows as Row[]).map(toToken);
    });
  }

  revokeToken(id: string, at: string): Promise<TokenRecord | undefined> {
    return this.write(() => {
      this.statement('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id);
      const row = this.stmt.tokenById.get(id) as Row | undefined;
      return row ? toToken(row) : undefined;
    });
  }

  listDenylist(): Promise<DenyEntry[]> {
    return this.read(() => this.statement('SELECT * FROM denylist ORDER BY handle').all() as unknown as DenyEntry[]);
  }

  addDenylist(entry: DenyEntry): Promise<DenyEntry> {
    return this.write(() => {
      this.statement(
        `INSERT INTO denylist (handle, reason, created_by, created_at) VALUES (@handle, @reason, @created_by, @created_at)
           ON CONFLICT (handle) DO UPDATE SET reason = excluded.reason`,
      ).run(entry);
      return this.statement('SELECT * FROM denylist WHERE handle = ?').get(entry.handle) as DenyEntry;
    });
  }

  removeDenylist(handle: string): Promise<boolean> {
    return this.write(() => this.statement('DELETE FROM denylist WHERE handle = ?').run(handle).changes > 0);
  }

  // Rooms and membership

  createRoom(
    room: Omit<RoomRecord, 'last_seq' | 'member_count' | 'archived_at' | 'deleted_at'>,
    members: Omit<MembershipRecord, 'read_seq'>[],
    joinedEvent: (membership: Omit<MembershipRecord, 'read_seq'>) => EventDraft,
  ): Promise<{ room: RoomRecord; events: StoredEvent[] }> {
    return this.write(() => {
      try {
        this.statement(
          `INSERT INTO rooms (id, name, kind, topic, created_by, created_at, agent_depth_limit, direct_key, title)
             VALUES (@id, @name, @kind, @topic, @created_by, @created_at, @agent_depth_limit, @direct_key, @title)`,
        ).run(room);
      } catch (error) {
        if (isUniqueViolation(error)) throw new HubError('room_name_taken', `A room named #${room.name} exists.`);
        throw error;
      }
      const events = members.map((membership) => {
        const inRoom = { ...membership, room_id: room.id };
        this.insertMembership(inRoom);
        return this.appendEvent(room.id, joinedEvent(inRoom));
      });
      return { room: this.roomRow(room.id)!, events };
    });
  }

  private insertMembership(membership: Omit<MembershipRecord, 'read_seq'>): boolean {
    const last = this.stmt.roomById.get(membership.room_id) as Row | undefined;
    const inserted = this.statement(
      `INSERT OR IGNORE INTO room_members (room_id, member_id, role, joined_at, read_seq, notify, listen)
         VALUES (@room_id, @member_id, @role, @joined_at, @read_seq, @notify, @listen)`,
    ).run({ ...membership, read_seq: Number(last?.last_seq ?? 0) }).changes;
    if (inserted > 0)
      this.statement('UPDATE rooms SET member_count = member_count + 1 WHERE id = ?').run(membership.room_id);
    return inserted > 0;
  }

  private roomRow(id: string): RoomRecord | undefined {
    const row = this.stmt.roomById.get(id) as Row | undefined;
    return row ? toRoom(row) : undefined;
  }

  roomById(id: string): Promise<RoomRecord | undefined> {
    return this.read(() => this.roomRow(id));
  }

  roomByName(name: string): Promise<RoomRecord | undefined> {
    return this.read(() => {
      const row = this.statement('SELECT * FROM rooms WHERE name = ?').get(name) as Row | undefined;
      return row ? toRoom(row) : undefined;
    });
  }

  roomByDirectKey(key: string): Promise<RoomRecord | undefined> {
    return this.read(() => {
      const row = this.statement('SELECT * FROM rooms WHERE direct_key = ?').get(key) as Row | undefined;
      return row ? toRoom(row) : undefined;
    });
  }

  updateRoom(
    id: string,
    patch: Partial<Pick<RoomRecord, 'topic' | 'agent_depth_limit' | 'archived_at' | 'title' | 'deleted_at'>>,
    event: (room: RoomRecord) => EventDraft,
  ): Promise<{ room: RoomRecord; event: StoredEvent }> {
    return this.write(() => {
      const values = definedOnly(patch);
      const sets = Object.keys(values);
      if (sets.length > 0) {
        this.statement(`UPDATE rooms SET ${sets.map((key) => `${key} = @${key}`).join(', ')} WHERE id = @id`).run({
          ...values,
          id,
        });
      }
      const before = this.roomRow(id);
      if (!before) throw new HubError('room_not_found');
      // Inside this transaction the event takes the next seq: the room it carries already counts it.
      const after = { ...before, last_seq: before.last_seq + 1 };
      const stored = this.appendEvent(id, event(after));
      return { room: after, event: stored };
    });
  }

  countMessages(roomId: string): Promise<number> {
    return this.read(
      () =>
        (
          this.statement('SELECT count(*) AS n FROM messages WHERE room_id = ? AND deleted_at IS NULL').get(roomId) as {
            n: number;
          }
        ).n,
    );
  }

  listPublicRooms(): Promise<RoomRecord[]> {
    return this.read(() =>
      (this.statement("SELECT * FROM rooms WHERE kind = 'public' ORDER BY name").all() as Row[]).map(toRoom),
    );
  }

  listRoomsOf(memberId: string): Promise<RoomSummary[]> {
    return this.read(() => {
      const rows = this.statement(
        `SELECT r.*, m.read_seq, m.notify, m.listen FROM room_members m JOIN rooms r ON r.id = m.room_id
           WHERE m.member_id = ? AND r.deleted_at IS NULL ORDER BY r.kind IN ('direct', 'conversation'), r.name, r.created_at`,
      ).all(memberId) as Row[];
      const unread = this.statement(
        `SELECT count(*) AS n FROM (SELECT 1 FROM messages WHERE room_id = ? AND seq > ? AND sender_id <> ?
           AND deleted_at IS NULL LIMIT ${UNREAD_CAP})`,
      );
      const mentions = this.statement(
        `SELECT count(*) AS n FROM (SELECT 1 FROM messages m WHERE m.room_id = ? AND m.seq > ? AND m.sender_id <> ?
           AND m.deleted_at IS NULL AND (m.mention_all = 1 OR m.seq IN
             (SELECT seq FROM message_addressees WHERE member_id = ? AND room_id = ? AND seq > ?)) LIMIT ${UNREAD_CAP})`,
      );
      const others = this.statement(
        `SELECT x.handle FROM room_members rm JOIN members x ON x.id = rm.member_id WHERE rm.room_id = ? AND rm.member_id <> ?
         ORDER BY x.handle`,
      );
      return rows.map((row) => {
        const room = toRoom(row);
        const readSeq = Number(row.read_seq);
        const unreadCount = (unread.get(room.id, readSeq, memberId) as { n: number }).n;
        const summary: RoomSummary = {
          ...publicRoom(room),
          read_seq: readSeq,
          unread: unreadCount,
          mentions:
            room.kind === 'direct' || room.kind === 'conversation'
              ? unreadCount
              : (mentions.get(room.id, readSeq, memberId, memberId, room.id, readSeq) as { n: number }).n,
          notify: row.notify as RoomSummary['notify'],
          listen: row.listen as RoomSummary['listen'],
        };
        if (room.kind === 'direct' || room.kind === 'conversation') {
          summary.members = (others.all(room.id, memberId) as Array<{ handle: string }>).map((other) => other.handle);
        }
        return summary;
      });
    });
  }

  roomIdsOf(memberId: string): Promise<string[]> {
    return this.read(() =>
      (this.statement('SELECT room_id FROM room_members WHERE member_id = ?').all(memberId) as Row[]).map(
        (row) => row.room_id as string,
      ),
    );
  }

  membership(roomId: string, memberId: string): Promise<MembershipRecord | undefined> {
    return this.read(() => this.stmt.membership.get(roomId, memberId) as MembershipRecord | undefined);
  }

  roomMembers(roomId: string): Promise<MembershipRecord[]> {
    return this.read(
      () =>
        this.statement('SELECT * FROM room_members WHERE room_id = ? ORDER BY joined_at, member_id').all(
          roomId,
        ) as MembershipRecord[],
    );
  }

  addMembership(
    membership: Omit<MembershipRecord, 'read_seq'>,
    event: EventDraft,
  ): Promise<{ added: boolean; event?: StoredEvent }> {
    return this.write(() => {
      if (!this.insertMembership(membership)) return { added: false };
      return { added: true, event: this.appendEvent(membership.room_id, event) };
    });
  }

  removeMembership(
    roomId: string,
    memberId: string,
    event: EventDraft,
  ): Promise<{ removed: boolean; event?: StoredEvent }> {
    return this.write(() => {
      const removed = this.statement('DELETE FROM room_members WHERE room_id = ? AND member_id = ?').run(
        roomId,
        memberId,
      ).changes;
      if (removed === 0) return { removed: false };
      this.statement('UPDATE rooms SET member_count = member_count - 1 WHERE id = ?').run(roomId);
      return { removed: true, event: this.appendEvent(roomId, event) };
    });
  }

  updateMembership(roomId: string, memberId: string, patch: MembershipPatch): Promise<MembershipRecord | undefined> {
    return this.write(() => {
      const values = definedOnly(patch);
      const sets = Object.keys(values);
      if (sets.length > 0) {
        this.statement(
          `UPDATE room_members SET ${sets.map((key) => `${key} = @${key}`).join(', ')} WHERE room_id = @room_id AND member_id = @member_id`,
        ).run({ ...values, room_id: roomId, member_id: memberId });
      }
      return this.stmt.membership.get(roomId, memberId) as MembershipRecord | undefined;
    });
  }

  markRead(roomId: string, memberId: string, seq: number): Promise<number | undefined> {
    return this.write(() => {
      this.statement(
        `UPDATE room_members SET read_seq = min(?, (SELECT last_seq FROM rooms WHERE id = ?))
           WHERE room_id = ? AND member_id = ? AND read_seq < ?`,
      ).run(seq, roomId, roomId, memberId, seq);
      const row = this.stmt.membership.get(roomId, memberId) as MembershipRecord | undefined;
      return row?.read_seq;
    });
  }

  // Messages

  insertMessage(
    input: NewMessage,
    event: (message: Message, quiet: boolean) => EventDraft,
  ): Promise<InsertMessageResult> {
    return this.write((): InsertMessageResult => {
      if (input.client_id !== null) {
        const existing = this.stmt.messageByClientId.get(input.sender_id, input.client_id) as Row | undefined;
        if (existing) return { duplicate: true, message: this.toMessage(existing) };
      }
      const chainRow = this.stmt.chain.get(input.room_id) as
        { agent_chain: number; agent_depth_limit: number } | undefined;
      if (!chainRow) throw new HubError('room_not_found');
      const { depth, depthExceeded, firstPastLimit } = chainAfter(
        input.sender_kind,
        chainRow.agent_chain,
        chainRow.agent_depth_limit,
      );
      if (depth !== chainRow.agent_chain) this.stmt.setChain.run(depth, input.room_id);
      const seqRow = this.stmt.nextSeq.get(input.room_id) as { last_seq: number };
      const seq = seqRow.last_seq;
      const wake = depthExceeded ? [] : input.wake;
      this.stmt.insertMessage.run({
        id: input.id,
        room_id: input.room_id,
        seq,
        sender_id: input.sender_id,
        sender: input.sender,
        sender_kind: input.sender_kind,
        content: input.content,
        mentions: JSON.stringify(input.mentions),
        targets: JSON.stringify(input.targets),
        mention_all: input.mention_all ? 1 : 0,
        thread_id: input.thread_id,
        depth,
        status: input.status,
        parts: JSON.stringify(input.parts),
        metadata: JSON.stringify(input.metadata),
        client_id: input.client_id,
        created_at: input.created_at,
        wake: JSON.stringify(wake),
        quiet: depthExceeded ? 1 : 0,
      });
      for (const memberId of input.addressed) this.stmt.insertAddressee.run(memberId, input.room_id, seq);
      if (input.thread_id) this.stmt.bumpThread.run(input.created_at, input.thread_id, input.room_id);
      const message = newMessage(input, seq, depth);
      const draft = event(message, depthExceeded);
      this.stmt.insertEvent.run(
        input.room_id,
        seq,
        draft.kind,
        input.created_at,
        draft.actor,
        JSON.stringify(draft.data),
        draft.agents ? JSON.stringify(draft.agents) : null,
        depthExceeded ? 1 : 0,
      );
      const stored: StoredEvent = {
        room: input.room_id,
        seq,
        kind: draft.kind,
        at: input.created_at,
        actor: draft.actor,
        data: draft.data,
        agents: draft.agents,
        quiet: depthExceeded,
      };
      return {
        duplicate: false,
        message,
        event: stored,
        depthExceeded,
        firstPastLimit,
      };
    });
  }

  messageByClientId(senderId: string, clientId: string): Promise<Message | undefined> {
    return this.read(() => {
      const row = this.stmt.messageByClientId.get(senderId, clientId) as Row | undefined;
      return row ? this.toMessage(row) : undefined;
    });
  }

  messageById(id: string): Promise<Message | undefined> {
    return this.read(() => {
      const row = this.stmt.messageById.get(id) as Row | undefined;
      return row ? this.toMessage(row) : undefined;
    });
  }

  messageAudience(id: string): Promise<MessageAudience | undefined> {
    return this.read(() => {
      const row = this.stmt.messageById.get(id) as Row | undefined;
      if (!row) return undefined;
      return {
        message: this.toMessage(row),
        senderId: row.sender_id as string,
        wake: JSON.parse(row.wake as string) as string[],
        quiet: row.quiet === 1,
      };
    });
  }

  updateMessage(
    id: string,
    patch: MessagePatch,
    event: (message: Message) => EventDraft,
  ): Promise<{ message: Message; event: StoredEvent } | undefined> {
    return this.write(() => {
      const values: Row = { id };
      const sets: string[] = [];
      for (const [key, value] of Object.entries(patch)) {
        if (value === undefined) continue;
        sets.push(`${key} = @${key}`);
        values[key] = key === 'parts' || key === 'metadata' ? JSON.stringify(value) : value;
      }
      if (sets.length > 0) this.statement(`UPDATE messages SET ${sets.join(', ')} WHERE id = @id`).run(values);
      const row = this.stmt.messageById.get(id) as Row | undefined;
      if (!row) return undefined;
      const message = this.toMessage(row);
      return { message, event: this.appendEvent(message.room, event(message)) };
    });
  }

  addReaction(messageId: string, member: string, emoji: string, event: EventDraft): Promise<StoredEvent | undefined> {
    return this.write(() => {
      const row = this.stmt.messageById.get(messageId) as Row | undefined;
      if (!row) throw new HubError('message_not_found');
      const inserted = this.statement(
        'INSERT OR IGNORE INTO reactions (message_id, emoji, member, created_at) VALUES (?, ?, ?, ?)',
      ).run(messageId, emoji, member, event.at).changes;
      return inserted > 0 ? this.appendEvent(row.room_id as string, event) : undefined;
    });
  }

  removeReaction(
    messageId: string,
    member: string,
    emoji: string,
    event: EventDraft,
  ): Promise<StoredEvent | undefined> {
    return this.write(() => {
      const row = this.stmt.messageById.get(messageId) as Row | undefined;
      if (!row) throw new HubError('message_not_found');
      const removed = this.statement('DELETE FROM reactions WHERE message_id = ? AND emoji = ? AND member = ?').run(
        messageId,
        emoji,
        member,
      ).changes;
      return removed > 0 ? this.appendEvent(row.room_id as string, event) : undefined;
    });
  }

  history(roomId: string, query: HistoryQuery): Promise<{ messages: Message[]; has_more: boolean }> {
    return this.read(() => {
      const where = ['room_id = @room'];
      const params: Row = { room: roomId, limit: query.limit + 1 };
      const bounds: Array<[unknown, string, string]> = [
        [query.before, 'seq < @before', 'before'],
        [query.after, 'seq > @after', 'after'],
        [query.beforeTime, 'created_at < @beforeTime', 'beforeTime'],
        [query.afterTime, 'created_at > @afterTime', 'afterTime'],
        [query.sender, 'sender = @sender', 'sender'],
        [query.threadId, 'thread_id = @thread', 'thread'],
      ];
      for (const [value, clause, name] of bounds) {
        if (value === undefined) continue;
        where.push(clause);
        params[name] = value;
      }
      // Paging forward from a cursor reads oldest first; every other page is the newest before its bound.
      const ascending = query.after !== undefined || (query.afterTime !== undefined && query.before === undefined);
      const rows = this.statement(
        `SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY seq ${ascending ? 'ASC' : 'DESC'} LIMIT @limit`,
      ).all(params) as Row[];
      const hasMore = rows.length > query.limit;
      const page = rows.slice(0, query.limit);
      if (!ascending) page.reverse();
      return { messages: this.toMessages(page), has_more: hasMore };
    });
  }

  searchMessages(query: MessageSearch): Promise<Array<{ message: Message; score: number }>> {
    if (query.roomIds.length === 0 || query.terms.length === 0) return Promise.resolve([]);
    return this.read(() => {
      const rows = this.statement(
        `SELECT m.*, -bm25(messages_fts) / (1.0 + (julianday(?) - julianday(m.created_at)) / 30.0) AS score
         FROM messages_fts JOIN messages m ON m.rowid = messages_fts.rowid
         WHERE messages_fts MATCH ? AND m.room_id IN (${query.roomIds.map(() => '?').join(',')})
           AND m.deleted_at IS NULL AND m.status = 'complete'
         ORDER BY score DESC, m.created_at DESC LIMIT ?`,
      ).all(query.now, matchExpression(query.terms), ...query.roomIds, query.limit) as Row[];
      const messages = this.toMessages(rows);
      return messages.map((message, index) => ({ message, score: rows[index]!.score as number }));
    });
  }

  agentDefinitions(): Promise<AgentDefinitionRecord[]> {
    return this.read(
      () => this.statement('SELECT * FROM agent_definitions ORDER BY handle').all() as AgentDefinitionRecord[],
    );
  }

  putAgentDefinition(record: AgentDefinitionRecord): Promise<void> {
    return this.write(() => {
      this.statement(
        `INSERT INTO agent_definitions (handle, definition, updated_at) VALUES (@handle, @definition, @updated_at)
         ON CONFLICT (handle) DO UPDATE SET definition = excluded.definition, updated_at = excluded.updated_at`,
      ).run(record);
    });
  }

  deleteAgentDefinition(handle: string): Promise<boolean> {
    return this.write(() => this.statement('DELETE FROM agent_definitions WHERE handle = ?').run(handle).changes > 0);
  }

  insertNote(note: NoteRecord): Promise<NoteRecord> {
    return this.write(() => {
      this.statement(
        'INSERT INTO notes (id, member_id, room_id, content, created_at) VALUES (@id, @member_id, @room_id, @content, @created_at)',
      ).run(note);
      return note;
    });
  }

  searchNotes(memberId: string, query: SearchQuery): Promise<Array<{ note: NoteRecord; score: number }>> {
    if (query.terms.length === 0) return Promise.resolve([]);
    return this.read(() => {
      const rows = this.statement(
        `SELECT n.id, n.member_id, n.room_id, n.content, n.created_at,
           -bm25(notes_fts) / (1.0 + (julianday(?) - julianday(n.created_at)) / 30.0) AS score
         FROM notes_fts JOIN notes n ON n.rowid = notes_fts.rowid
         WHERE notes_fts MATCH ? AND n.member_id = ?
         ORDER BY score DESC, n.created_at DESC LIMIT ?`,
      ).all(query.now, matchExpression(query.terms), memberId, query.limit) as Row[];
      return rows.map(({ score, ...note }) => ({ note: note as unknown as NoteRecord, score: score as number }));
    });
  }

  recentMessages(query: RecentQuery): Promise<Message[]> {
    if (query.roomIds.length === 0) return Promise.resolve([]);
    return this.read(() => {
      const where = [`room_id IN (${query.roomIds.map(() => '?').join(',')})`];
      const params: unknown[] = [...query.roomIds];
      if (query.afterTime !== undefined) {
        where.push('created_at > ?');
        params.push(query.afterTime);
      }
      if (query.deliveredTo) {
        // As in core/delivery.ts: woken by the message, or listening to all of a room (unless quiet), never its own.
        const all = query.deliveredTo.listensToAll;
        const listening = all.length > 0 ? `OR (room_id IN (${all.map(() => '?').join(',')}) AND quiet = 0)` : '';
        where.push(`sender_id <> ? AND (instr(wake, ?) > 0 ${listening})`);
        params.push(query.deliveredTo.agentId, JSON.stringify(query.deliveredTo.agentId), ...all);
      }
      params.push(query.limit);
      const rows = this.statement(
        `SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY created_at, seq LIMIT ?`,
      ).all(...params) as Row[];
      return this.toMessages(rows);
    });
  }

  streamingMessages(): Promise<MessageAudience[]> {
    return this.read(() =>
      (this.statement("SELECT * FROM messages WHERE status = 'streaming'").all() as Row[]).map((row) => ({
        message: this.toMessage(row),
        senderId: row.sender_id as string,
        wake: JSON.parse(row.wake as string) as string[],
        quiet: row.quiet === 1,
      })),
    );
  }

  threadAgents(rootId: string): Promise<string[]> {
    return this.read(() =>
      (
        this.statement(
          `SELECT DISTINCT sender_id FROM messages WHERE (id = ? OR thread_id = ?) AND sender_kind = 'agent'`,
        ).all(rootId, rootId) as Row[]
      ).map((row) => row.sender_id as string),
    );
  }

  // Tasks

  insertTask(row: TaskRow, event: (task: Task) => EventDraft): Promise<InsertTaskResult> {
    return this.write(() => {
      if (row.task.client_id !== null) {
        const seen = this.statement('SELECT * FROM tasks WHERE creator_id = ? AND client_id = ?').get(
          row.creator_id,
          row.task.client_id,
        ) as Row | undefined;
        if (seen) return { duplicate: true as const, task: taskFrom(seen).task };
      }
      this.statement(
        `INSERT INTO tasks (${TASK_COLUMNS.join(', ')}) VALUES (${TASK_COLUMNS.map((c) => `@${c}`).join(', ')})`,
      ).run(toSqlite(TASKS, taskColumns(row)));
      return { duplicate: false as const, task: row.task, event: this.appendEvent(row.task.room, event(row.task)) };
    });
  }

  taskByClientId(creatorId: string, clientId: string): Promise<Task | undefined> {
    return this.read(() => {
      const row = this.statement('SELECT * FROM tasks WHERE creator_id = ? AND client_id = ?').get(
        creatorId,
        clientId,
      ) as Row | undefined;
      return row ? taskFrom(row).task : undefined;
    });
  }

  taskRow(id: string): Promise<TaskRow | undefined> {
    return this.read(() => {
      const row = this.statement('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
      return row ? taskFrom(row) : undefined;
    });
  }

  replaceTask(
    row: TaskRow,
    event: ((task: Task) => EventDraft) | null,
  ): Promise<{ task: Task; event: StoredEvent | undefined } | undefined> {
    return this.write(() => {
      const columns = TASK_COLUMNS.filter((column) => column !== 'id');
      const changed = this.statement(
        `UPDATE tasks SET ${columns.map((c) => `${c} = @${c}`).join(', ')} WHERE id = @id AND version = @previous`,
      ).run({ ...toSqlite(TASKS, taskColumns(row)), previous: row.task.version - 1 });
      if (changed.changes === 0) return undefined;
      return { task: row.task, event: event ? this.appendEvent(row.task.room, event(row.task)) : undefined };
    });
  }

  listTasks(query: TaskQuery): Promise<Task[]> {
    return this.read(() => {
      const params: unknown[] = [];
      const sql = taskQuerySql(
        query,
        (value) => {
          params.push(value);
          return '?';
        },
        (placeholder) => `EXISTS (SELECT 1 FROM json_each(capabilities) WHERE value = ${placeholder})`,
      );
      return (this.statement(`SELECT * FROM tasks ${sql}`).all(...params) as Row[]).map((row) => taskFrom(row).task);
    });
  }

  deleteTask(id: string, event: (task: Task) => EventDraft): Promise<StoredEvent | undefined> {
    return this.write(() => {
      const row = this.statement('SELECT * FROM tasks WHERE id = ?').get(id) as Row | undefined;
      if (!row) return undefined;
      const { task } = taskFrom(row);
      this.statement('DELETE FROM tasks WHERE id = ?').run(id);
      this.statement('DELETE FROM reservations WHERE task_id = ?').run(id);
      return this.appendEvent(task.room, event(task));
    });
  }

  pendingTasks(limit: number, offset: number): Promise<TaskRow[]> {
    return this.read(() =>
      (
        this.statement(
          "SELECT * FROM tasks WHERE status = 'pending' ORDER BY priority DESC, created_at, id LIMIT ? OFFSET ?",
        ).all(limit, offset) as Row[]
      ).map(taskFrom),
    );
  }

  expiredTasks(now: string, limit: number): Promise<TaskRow[]> {
    return this.read(() =>
      (
        this.statement(
          "SELECT * FROM tasks WHERE status IN ('assigned', 'running') AND lease_expires_at <= ? ORDER BY lease_expires_at LIMIT ?",
        ).all(now, limit) as Row[]
      ).map(taskFrom),
    );
  }

  activeTaskCounts(): Promise<Map<string, number>> {
    return this.read(
      () =>
        new Map(
          (
            this.statement(
              "SELECT assignee_id, COUNT(*) AS n FROM tasks WHERE status IN ('assigned', 'running') GROUP BY assignee_id",
            ).all() as Row[]
          ).map((row) => [row.assignee_id as string, Number(row.n)]),
        ),
    );
  }

  // File reservations

  reserveFiles(
    request: ReservationRequest,
    overlaps: PatternsOverlap,
  ): Promise<{ reservations: FileReservation[] } | { conflicts: FileReservation[] }> {
    return this.write(() => {
      const live = this.statement('SELECT * FROM reservations WHERE expires_at > ?').all(request.now) as Row[];
      const conflicts = reservationConflicts(request, live, overlaps);
      if (conflicts.length > 0) return { conflicts };
      const rows = reservationRows(request, () => newId('rsv'));
      const drop = this.statement('DELETE FROM reservations WHERE holder_id = ? AND pattern = ? AND task_id IS ?');
      const insert = this.statement(
        `INSERT INTO reservations (${RESERVATION_COLUMNS.join(', ')}) VALUES (${RESERVATION_COLUMNS.map((c) => `@${c}`).join(', ')})`,
      );
      for (const row of rows) {
        drop.run(request.holder_id, row.pattern, request.task_id);
        insert.run(row);
      }
      return { reservations: rows.map(toReservation) };
    });
  }

  releaseFiles(filter: { holder_id: string; patterns?: string[] } | { task_id: string }): Promise<number> {
    return this.write(() => {
      if ('task_id' in filter)
        return this.statement('DELETE FROM reservations WHERE task_id = ?').run(filter.task_id).changes;
      if (!filter.patterns)
        return this.statement('DELETE FROM reservations WHERE holder_id = ?').run(filter.holder_id).changes;
      const drop = this.statement('DELETE FROM reservations WHERE holder_id = ? AND pattern = ?');
      return filter.patterns.reduce((sum, pattern) => sum + drop.run(filter.holder_id, pattern).changes, 0);
    });
  }

  renewLease(id: string, token: string, expiresAt: string): Promise<boolean> {
    return this.write(
      () =>
        this.statement(
          `UPDATE tasks SET lease_expires_at = @at, doc = json_set(doc, '$.lease_expires_at', @at)
             WHERE id = @id AND lease_token = @token AND status IN ('assigned', 'running')`,
        ).run({ id, token, at: expiresAt }).changes > 0,
    );
  }

  extendReservations(taskId: string, expiresAt: string): Promise<void> {
    return this.write(() => {
      this.statement('UPDATE reservations SET expires_at = ? WHERE task_id = ?').run(expiresAt, taskId);
    });
  }

  listReservations(now: string, holderId?: string): Promise<FileReservation[]> {
    return this.read(() => {
      const rows = holderId
        ? this.statement('SELECT * FROM reservations WHERE expires_at > ? AND holder_id = ? ORDER BY created_at').all(
            now,
            holderId,
          )
        : this.statement('SELECT * FROM reservations WHERE expires_at > ? ORDER BY created_at').all(now);
      return (rows as Row[]).map(toReservation);
    });
  }

  events(roomId: string, after: number, limit: number, viewer: LogViewer): Promise<StoredEvent[]> {
    return this.read(() => {
      let filter = '';
      const params: unknown[] = [roomId, after];
      if (viewer.kind === 'agent') {
        // The delivery rule of core/delivery.ts `receives`, in SQL.
        const woken = viewer.listen === 'all' ? '(quiet = 0 OR instr(agents, ?) > 0)' : 'instr(agents, ?) > 0';
        filter = `AND (agents IS NULL OR (NOT (kind = 'message.created' AND actor = ?) AND ${woken}))`;
        params.push(viewer.handle, JSON.stringify(viewer.agentId));
      }
      params.push(limit);
      const rows = this.statement(
        `SELECT * FROM events WHERE room_id = ? AND seq > ? ${filter} ORDER BY seq LIMIT ?`,
      ).all(...params) as Row[];
      return rows.map((row) => ({
        room: row.room_id as string,
        seq: Number(row.seq),
        kind: row.kind as StoredEvent['kind'],
        at: row.at as string,
        actor: row.actor as string,
        data: JSON.parse(row.data as string) as Record<string, unknown>,
        agents: row.agents === null ? null : (JSON.parse(row.agents as string) as string[]),
        quiet: row.quiet === 1,
      }));
    });
  }

  async *dump(roomId?: string): AsyncIterable<DumpRecord> {
    for (const table of TABLES) {
      if (roomId !== undefined && !table.roomFilter) continue;
      let last: unknown[] | undefined;
      for (;;) {
        const where: string[] = [];
        const params: Record<string, unknown> = { limit: DUMP_PAGE };
        if (roomId !== undefined) {
          where.push(table.roomFilter!);
          params.room = roomId;
        }
        if (last) {
          where.push(`(${table.key.join(', ')}) > (${table.key.map((_, i) => `@k${i}`).join(', ')})`);
          last.forEach((value, i) => (params[`k${i}`] = value));
        }
        const rows = this.statement(
          `SELECT * FROM ${table.name} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${table.key.join(', ')} LIMIT @limit`,
        ).all(params) as Row[];
        for (const row of rows) yield { table: table.name, row: fromSqlite(table, row) };
        if (rows.length < DUMP_PAGE) break;
        last = table.key.map((key) => rows.at(-1)![key]);
      }
    }
  }

  async restore(records: AsyncIterable<DumpRecord>, onProgress?: (written: number) => void): Promise<number> {
    const columns = new Map(
      TABLES.map((table) => [
        table.name,
        new Set(
          (this.statement(`PRAGMA table_info(${table.name})`).all() as Array<{ name: string }>).map((c) => c.name),
        ),
      ]),
    );
    let written = 0;
    let batch: DumpRecord[] = [];
    const insert = this.db.transaction((rows: DumpRecord[]) => {
      for (const { table, row } of rows) {
        const spec = TABLE_BY_NAME.get(table)!;
        const keys = Object.keys(row).filter((key) => columns.get(table)!.has(key));
        const values = toSqlite(spec, row);
        written += this.statement(
          `INSERT OR IGNORE INTO ${table} (${keys.join(', ')}) VALUES (${keys.map((key) => `@${key}`).join(', ')})`,
        ).run(Object.fromEntries(keys.map((key) => [key, values[key]]))).changes;
      }
    });
    for await (const record of records) {
      batch.push(record);
      if (batch.length >= DUMP_PAGE) {
        insert(batch);
        batch = [];
        onProgress?.(written);
      }
    }
    insert(batch);
    onProgress?.(written);
    return written;
  }

  /**
   * After a failed commit, ready again once a probe as large as a real batch commits (see
   * ReadinessProbe), so an instance taken out of rotation (and so sent no writes) comes back by itself.
   */
  async ready(): Promise<boolean> {
    if (this.closed) return false;
    if (this.healthy) return true;
    if (await this.probe.check()) this.healthy = true;
    return this.healthy;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.db.close();
  }

  private toMessage(row: Row): Message {
    return this.toMessages([row])[0]!;
  }

  private toMessages(rows: Row[]): Message[] {
    const live = rows.filter((row) => row.deleted_at === null).map((row) => row.id as string);
    const reactionRows = (
      live.length === 0
        ? []
        : live.length === 1
          ? this.stmt.reactionsOf.all(live[0])
          : this.statement(
              `SELECT message_id, emoji, member FROM reactions WHERE message_id IN (${live.map(() => '?').join(',')})
                 ORDER BY created_at, emoji, member`,
            ).all(...live)
    ) as Row[];
    const reactions = groupReactions(reactionRows);
    return rows.map((row) => toMessage(fromSqlite(MESSAGES, row), reactions.get(row.id as string) ?? []));
  }
}

function migrate(db: Db): void {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
  const current = (db.prepare('SELECT max(version) AS v FROM schema_migrations').get() as { v: number | null }).v ?? 0;
  if (current > LATEST_VERSION) {
    throw new Error(
      `The database schema is at version ${current}, newer than this Roundtable knows (${LATEST_VERSION}). ` +
        'Run a Roundtable release that matches the database, or restore a backup taken before the upgrade.',
    );
  }
  for (const migration of migrations) {
    if (migration.version <= current) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
        migration.version,
        migration.name,
        new Date().toISOString(),
      );
    })();
  }
}

const MESSAGES = TABLE_BY_NAME.get('messages')!;
const TASKS = TABLE_BY_NAME.get('tasks')!;

function taskFrom(row: Row): TaskRow {
  return toTaskRow(fromSqlite(TASKS, row));
}
const MEMBERS = TABLE_BY_NAME.get('members')!;

function memberFrom(row: Row): MemberRecord {
  return toMember(fromSqlite(MEMBERS, row));
}

function fromSqlite(table: TableSpec, row: Row): Row {
  const out: Row = { ...row };
  for (const key of table.json ?? []) if (typeof out[key] === 'string') out[key] = JSON.parse(out[key] as string);
  for (const key of table.bool ?? []) out[key] = out[key] === 1;
  return out;
}

function toSqlite(table: TableSpec, row: Row): Row {
  const out: Row = { ...row };
  for (const key of table.json ?? [])
    if (out[key] !== undefined && out[key] !== null) out[key] = JSON.stringify(out[key]);
  for (const key of table.bool ?? []) if (typeof out[key] === 'boolean') out[key] = out[key] ? 1 : 0;
  return out;
}

/** better-sqlite3 refuses undefined parameters: a patch names only what it changes. */
function definedOnly(patch: object): Record<string, unknown> {
  return Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
}

/** Constraint violations are the caller's mistake; any other SQLite failure means the store cannot write. */
function storeFailure(error: unknown): unknown {
  if (error instanceof HubError) return error;
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code.startsWith('SQLITE_') && !code.startsWith('SQLITE_CONSTRAINT')) {
    return new HubError('store_unavailable', undefined, { cause: error });
  }
  return error;
}

function isUniqueViolation(error: unknown): boolean {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    (error.code === 'SQLITE_CONSTRAINT_UNIQUE' || error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY')
  );
}

/** Any of the words, each quoted so that FTS5 reads it as a word and never as an operator. */
function matchExpression(terms: string[]): string {
  return terms.map((term) => `"${term.replaceAll('"', '""')}"`).join(' OR ');
}
