/** Rooms, their members, and each member's read cursor and unread counts. */
import type { RoomSummary } from '@roundtable/protocol';
import { TABLE_BY_NAME } from '../../core/dump.js';
import { HubError } from '../../core/hub-error.js';
import type {
  ConversationActivity,
  EventDraft,
  MembershipPatch,
  MembershipRecord,
  RoomRecord,
  RoomsStore,
  StoredEvent,
} from '../../core/ports.js';
import { publicRoom } from '../../core/wire.js';
import { update, type Dialect } from './dialect.js';
import { appendEvent } from './log.js';
import { toMembership, toRoom, type Row } from './records.js';
import { changes, row, rows, type SqlDriver, type Step } from './step.js';

/** Unread counts stop at this number: a badge does not need an exact count past it, and counting costs. */
const UNREAD_CAP = 10_000;

const ROOMS = TABLE_BY_NAME.get('rooms')!;
const ROOM_MEMBERS = TABLE_BY_NAME.get('room_members')!;
const ROOM_BY_ID = 'SELECT * FROM rooms WHERE id = @id';
const MEMBERSHIP = 'SELECT * FROM room_members WHERE room_id = @room AND member_id = @member';

type NewRoom = Parameters<RoomsStore['createRoom']>[0];
type NewMembership = Omit<MembershipRecord, 'read_seq'>;
type RoomPatch = Parameters<RoomsStore['updateRoom']>[1];

/** Direct rooms and conversations: every unread message counts as a mention, and their members are named. */
const PRIVATE_KINDS = "('direct', 'conversation')";

export function roomsStore(db: SqlDriver, d: Dialect): RoomsStore {
  const summaries = summariesSql(d);
  return {
    createRoom: (room, members, joinedEvent) => db.write(createRoom, d, room, members, joinedEvent),
    roomById: (id) => db.read(roomRow, id),
    roomByName: (name) => db.read(roomBy, 'name', name),
    roomByDirectKey: (key) => db.read(roomBy, 'direct_key', key),
    updateRoom: (id, patch, event) => db.write(updateRoom, d, id, patch, event),
    countMessages: (roomId) => db.read(countMessages, roomId),
    listPublicRooms: () => db.read(listPublicRooms),
    listRoomsOf: (memberId) => db.read(listRoomsOf, d, summaries, memberId),
    conversationsOf: (memberId, query) => db.read(conversationsOf, memberId, query),
    roomIdsOf: (memberId) => db.read(roomIdsOf, memberId),
    membership: (roomId, memberId) => db.read(membershipRow, roomId, memberId),
    roomMembers: (roomId) => db.read(roomMembers, roomId),
    addMembership: (membership, event) => db.write(addMembership, d, membership, event),
    removeMembership: (roomId, memberId, event) => db.write(removeMembership, d, roomId, memberId, event),
    updateMembership: (roomId, memberId, patch) => db.write(updateMembership, d, roomId, memberId, patch),
    markRead: (roomId, memberId, seq) => db.write(markRead, d, roomId, memberId, seq),
    endAgentChain: (roomId) => db.write(endAgentChain, roomId),
  };
}

function* createRoom(
  d: Dialect,
  room: NewRoom,
  members: NewMembership[],
  joinedEvent: (membership: NewMembership) => EventDraft,
): Step<{ room: RoomRecord; events: StoredEvent[] }> {
  try {
    yield* changes(
      `INSERT INTO rooms (id, name, kind, topic, created_by, created_at, agent_depth_limit, direct_key, title)
       VALUES (@id, @name, @kind, @topic, @created_by, @created_at, @agent_depth_limit, @direct_key, @title)`,
      room,
    );
  } catch (error) {
    if (d.isUniqueViolation(error)) throw new HubError('room_name_taken', `A room named #${room.name} exists.`);
    throw error;
  }
  const events: StoredEvent[] = [];
  for (const membership of members) {
    const inRoom = { ...membership, room_id: room.id };
    yield* insertMembership(d, inRoom);
    events.push(yield* appendEvent(d, room.id, joinedEvent(inRoom)));
  }
  return { room: (yield* roomRow(room.id))!, events };
}

/** Names are this file's own, never input. */
function* roomBy(column: 'name' | 'direct_key', value: string): Step<RoomRecord | undefined> {
  const stored = yield* row(`SELECT * FROM rooms WHERE ${column} = @value`, { value });
  return stored ? toRoom(stored) : undefined;
}

function* updateRoom(
  d: Dialect,
  id: string,
  patch: RoomPatch,
  event: (room: RoomRecord) => EventDraft,
): Step<{ room: RoomRecord; event: StoredEvent }> {
  yield* update(d, ROOMS, patch, 'id = @id', { id });
  const before = yield* roomRow(id);
  if (!before) throw new HubError('room_not_found');
  // Inside this transaction the event takes the next seq: the room it carries already counts it.
  const after = { ...before, last_seq: before.last_seq + 1 };
  return { room: after, event: yield* appendEvent(d, id, event(after)) };
}

function* endAgentChain(roomId: string): Step<boolean> {
  const ended = yield* changes(
    'UPDATE rooms SET agent_chain = agent_depth_limit + 1 WHERE id = @roomId AND agent_chain <= agent_depth_limit',
    { roomId },
  );
  return ended > 0;
}

function* countMessages(roomId: string): Step<number> {
  const counted = yield* row('SELECT count(*) AS n FROM messages WHERE room_id = @roomId AND deleted_at IS NULL', {
    roomId,
  });
  return Number(counted!.n);
}

function* listPublicRooms(): Step<RoomRecord[]> {
  return (yield* rows("SELECT * FROM rooms WHERE kind = 'public' ORDER BY name")).map(toRoom);
}

function* listRoomsOf(d: Dialect, summaries: string, memberId: string): Step<RoomSummary[]> {
  return (yield* rows(summaries, { member: memberId })).map((stored) => toSummary(d, stored));
}

/**
 * A conversation is as recent as its newest message or rename in its log (the log's seq follows
 * time, so the newest such event is found from the end of the room's key); one that has neither
 * dates from its start.
 */
const CONVERSATION_ACTIVITY = `SELECT r.id, COALESCE((SELECT e.at FROM events e WHERE e.room_id = r.id
    AND e.kind IN ('message.created', 'room.updated') ORDER BY e.seq DESC LIMIT 1), r.created_at) AS active_at
  FROM room_members m JOIN rooms r ON r.id = m.room_id
  WHERE m.member_id = @member AND r.kind = 'conversation' AND r.deleted_at IS NULL`;

function* conversationsOf(
  memberId: string,
  query: { limit: number; before?: ConversationActivity },
): Step<ConversationActivity[]> {
  const after = query.before ? 'WHERE c.active_at < @at OR (c.active_at = @at AND c.id < @id)' : '';
  const found = yield* rows(
    `SELECT c.id, c.active_at FROM (${CONVERSATION_ACTIVITY}) c ${after}
     ORDER BY c.active_at DESC, c.id DESC LIMIT @limit`,
    { member: memberId, limit: query.limit, ...(query.before && { at: query.before.active_at, id: query.before.id }) },
  );
  return found.map((stored) => ({ id: stored.id as string, active_at: stored.active_at as string }));
}

function* roomIdsOf(memberId: string): Step<string[]> {
  const found = yield* rows('SELECT room_id FROM room_members WHERE member_id = @memberId', { memberId });
  return found.map((stored) => stored.room_id as string);
}

function* roomMembers(roomId: string): Step<MembershipRecord[]> {
  const found = yield* rows('SELECT * FROM room_members WHERE room_id = @roomId ORDER BY joined_at, member_id', {
    roomId,
  });
  return found.map(toMembership);
}

function* addMembership(
  d: Dialect,
  membership: NewMembership,
  event: EventDraft,
): Step<{ added: boolean; event?: StoredEvent }> {
  if (!(yield* insertMembership(d, membership))) return { added: false };
  return { added: true, event: yield* appendEvent(d, membership.room_id, event) };
}

function* removeMembership(
  d: Dialect,
  roomId: string,
  memberId: string,
  event: EventDraft,
): Step<{ removed: boolean; event?: StoredEvent }> {
  const removed = yield* changes('DELETE FROM room_members WHERE room_id = @room AND member_id = @member', {
    room: roomId,
    member: memberId,
  });
  if (removed === 0) return { removed: false };
  yield* changes('UPDATE rooms SET member_count = member_count - 1 WHERE id = @roomId', { roomId });
  return { removed: true, event: yield* appendEvent(d, roomId, event) };
}

function* updateMembership(
  d: Dialect,
  roomId: string,
  memberId: string,
  patch: MembershipPatch,
): Step<MembershipRecord | undefined> {
  yield* update(d, ROOM_MEMBERS, patch, 'room_id = @room AND member_id = @member', { room: roomId, member: memberId });
  return yield* membershipRow(roomId, memberId);
}

function* markRead(d: Dialect, roomId: string, memberId: string, seq: number): Step<number | undefined> {
  yield* changes(
    `UPDATE room_members SET read_seq = ${d.least('@seq', '(SELECT last_seq FROM rooms WHERE id = @room)')}
     WHERE room_id = @room AND member_id = @member AND read_seq < @seq`,
    { room: roomId, member: memberId, seq },
  );
  return (yield* membershipRow(roomId, memberId))?.read_seq;
}

/** The member joins at the room's current seq: what was said before counts as read, and is not in its inbox. */
function* insertMembership(d: Dialect, membership: NewMembership): Step<boolean> {
  const inserted = yield* changes(
    d.insertIgnore(
      'room_members (room_id, member_id, role, joined_at, read_seq, inbox_seq, notify, listen)',
      'SELECT @room_id, @member_id, @role, @joined_at, last_seq, last_seq, @notify, @listen FROM rooms WHERE id = @room_id',
    ),
    membership,
  );
  if (inserted > 0) yield* changes('UPDATE rooms SET member_count = member_count + 1 WHERE id = @room_id', membership);
  return inserted > 0;
}

function* roomRow(id: string): Step<RoomRecord | undefined> {
  const stored = yield* row(ROOM_BY_ID, { id });
  return stored ? toRoom(stored) : undefined;
}

function* membershipRow(room: string, member: string): Step<MembershipRecord | undefined> {
  const stored = yield* row(MEMBERSHIP, { room, member });
  return stored ? toMembership(stored) : undefined;
}

/** One statement for every room of a member, so that PostgreSQL answers the list in one round trip. */
function summariesSql(d: Dialect): string {
  // What counts of a message: someone else's, not deleted.
  const counted = 'x.sender_id <> @member AND x.deleted_at IS NULL';
  const newer = `FROM messages x WHERE x.room_id = r.id AND x.seq > m.read_seq AND ${counted}`;
  // Mentions are looked for among the seqs the unread count can reach: the member's rows also hold
  // the receipts of what only reached them (an agent listening to all has one for every message).
  return `SELECT r.*, m.read_seq, m.notify, m.listen,
      (SELECT count(*) FROM (SELECT 1 ${newer} LIMIT ${UNREAD_CAP}) u) AS unread,
      CASE WHEN r.kind NOT IN ${PRIVATE_KINDS} THEN (SELECT count(*) FROM (
        SELECT a.seq FROM message_addressees a JOIN messages x ON x.room_id = a.room_id AND x.seq = a.seq
          WHERE a.member_id = @member AND a.room_id = r.id AND a.seq > m.read_seq
            AND a.seq <= m.read_seq + ${UNREAD_CAP} AND a.mentioned AND ${counted}
        UNION SELECT x.seq ${newer} AND x.mention_all
        LIMIT ${UNREAD_CAP}) c) END AS mentioned,
      CASE WHEN r.kind IN ${PRIVATE_KINDS} THEN (SELECT ${d.jsonArray('o.handle', 'o.handle')} FROM room_members om
        JOIN members o ON o.id = om.member_id WHERE om.room_id = r.id AND om.member_id <> @member) END AS others
    FROM room_members m JOIN rooms r ON r.id = m.room_id
    WHERE m.member_id = @member AND r.deleted_at IS NULL ORDER BY r.kind IN ${PRIVATE_KINDS}, r.name, r.created_at`;
}

function toSummary(d: Dialect, stored: Row): RoomSummary {
  const room = toRoom(stored);
  const unread = Number(stored.unread);
  const isPrivate = room.kind === 'direct' || room.kind === 'conversation';
  const summary: RoomSummary = {
    ...publicRoom(room),
    read_seq: Number(stored.read_seq),
    unread,
    mentions: isPrivate ? unread : Number(stored.mentioned),
    notify: stored.notify as RoomSummary['notify'],
    listen: stored.listen as RoomSummary['listen'],
  };
  if (isPrivate) summary.members = (d.readJson(stored.others) as string[] | null) ?? [];
  return summary;
}
