/** Messages: the insert under the room's seq and agent chain, reactions, threads, and paging through history. */
import type { Message } from '@roundtable/protocol';
import { TABLE_BY_NAME } from '../../core/dump.js';
import { HubError } from '../../core/hub-error.js';
import type {
  EventDraft,
  HistoryQuery,
  InsertMessageResult,
  MessageAudience,
  MessagePatch,
  MessagesStore,
  NewMessage,
  RecentQuery,
  StoredEvent,
} from '../../core/ports.js';
import { decode, update, type Dialect } from './dialect.js';
import { appendEvent, eventParams, storedEvent } from './log.js';
import { groupReactions, toMessage, type Row } from './records.js';
import { addresseeRows } from './receipts.js';
import { changes, row, rows, type Params, type SqlDriver, type Step } from './step.js';

const MESSAGES = TABLE_BY_NAME.get('messages')!;

const MESSAGE_COLUMNS = [
  'id',
  'room_id',
  'seq',
  'sender_id',
  'sender',
  'sender_kind',
  'content',
  'mentions',
  'targets',
  'mention_all',
  'thread_id',
  'depth',
  'status',
  'parts',
  'metadata',
  'client_id',
  'created_at',
  'wake',
  'quiet',
  'receipt_members',
];

/**
 * The statements of a message insert, each dialect running them its own way: their parameters are
 * the message's columns, `eventParams` (the same seq, time and quietness), and `addressees`: the
 * members it names or keeps a receipt for (receipts.ts).
 */
export const SET_ROOM_COUNTERS = 'UPDATE rooms SET last_seq = @seq, agent_chain = @depth WHERE id = @room_id';
export const INSERT_MESSAGE = `INSERT INTO messages (${MESSAGE_COLUMNS.join(', ')})
  VALUES (${MESSAGE_COLUMNS.map((column) => `@${column}`).join(', ')})`;
export const BUMP_THREAD =
  'UPDATE messages SET reply_count = reply_count + 1, last_reply_at = @created_at WHERE id = @thread_id AND room_id = @room_id';

/** The time of the room's last message, as a column of the room's row read for an insert. */
export const LAST_MESSAGE_AT =
  '(SELECT created_at FROM messages WHERE room_id = @room_id ORDER BY seq DESC LIMIT 1) AS last_at';
export const MESSAGE_BY_CLIENT_ID = 'SELECT * FROM messages WHERE sender_id = @sender_id AND client_id = @client_id';
const MESSAGE_BY_ID = 'SELECT * FROM messages WHERE id = @id';
const REACTIONS = 'SELECT message_id, emoji, member FROM reactions';
const REACTIONS_ORDER = 'ORDER BY created_at, emoji, member';
const REMOVE_REACTION = 'DELETE FROM reactions WHERE message_id = @messageId AND emoji = @emoji AND member = @member';
const REACTIONS_OF_ONE = `${REACTIONS} WHERE message_id = @id ${REACTIONS_ORDER}`;

export interface MessagesDialect {
  /**
   * The room's row (agent_chain, agent_depth_limit, last_seq, and `last_at`: LAST_MESSAGE_AT), unless the sender already sent this
   * client_id (`existing`). Where other instances write too, the room stays locked until commit.
   */
  roomForInsert(input: NewMessage): Step<{ room: Row | undefined; existing: Row | undefined }>;
  /** Runs SET_ROOM_COUNTERS, INSERT_MESSAGE, the addressees, BUMP_THREAD (for a reply) and INSERT_EVENT. */
  writeInsert(params: Params): Step<void>;
}

export function messagesStore(db: SqlDriver, d: Dialect): MessagesStore {
  const addReaction = d.insertIgnore(
    'reactions (message_id, emoji, member, created_at)',
    'VALUES (@messageId, @emoji, @member, @at)',
  );
  return {
    insertMessage: (input, event) => db.writeInRoom(input.room_id, insertMessage, d, input, event),
    messageById: (id) => db.read(messageRow, d, MESSAGE_BY_ID, { id }),
    messageByClientId: (senderId, clientId) =>
      db.read(messageRow, d, MESSAGE_BY_CLIENT_ID, { sender_id: senderId, client_id: clientId }),
    messageAudience: (id) => db.read(messageAudience, d, id),
    updateMessage: (id, patch, event) => db.write(updateMessage, d, id, patch, event),
    addReaction: (messageId, member, emoji, event) => db.write(react, d, addReaction, messageId, member, emoji, event),
    removeReaction: (messageId, member, emoji, event) =>
      db.write(react, d, REMOVE_REACTION, messageId, member, emoji, event),
    history: (roomId, query) => db.read(history, d, roomId, query),
    recentMessages: (query) => (query.roomIds.length === 0 ? Promise.resolve([]) : db.read(recentMessages, d, query)),
    streamingMessages: () => db.read(streamingMessages, d),
    threadAgents: (rootId) => db.read(threadAgents, rootId),
  };
}

function* insertMessage(
  d: Dialect,
  input: NewMessage,
  event: (message: Message, quiet: boolean) => EventDraft,
): Step<InsertMessageResult> {
  const { room, existing } = yield* d.messages.roomForInsert(input);
  if (existing) return { duplicate: true, message: (yield* messagesOf(d, [existing]))[0]! };
  if (!room) throw new HubError('room_not_found');
  const { depth, depthExceeded, firstPastLimit } = chainAfter(
    input.sender_kind,
    Number(room.agent_chain),
    Number(room.agent_depth_limit),
  );
  const seq = Number(room.last_seq) + 1;
  const stamped = { ...input, created_at: timeAfter(input.created_at, room.last_at as string | null) };
  const message = newMessage(stamped, seq, depth);
  const stored = storedEvent(input.room_id, seq, stamped.created_at, event(message, depthExceeded), depthExceeded);
  const params = insertParams(d, stamped, seq, depth, depthExceeded);
  yield* d.messages.writeInsert(eventParams(d, stored, params));
  return { duplicate: false, message, event: stored, depthExceeded, firstPastLimit };
}

/**
 * A message's time: now, or a millisecond after the room's last message when that is not earlier.
 * Times strictly increase within a room, so a reader that passes back only the last time it saw
 * (`/messages?since=`) neither skips nor repeats a message of a batch committed in one millisecond.
 */
function timeAfter(now: string, last: string | null): string {
  return last === null || now > last ? now : new Date(Date.parse(last) + 1).toISOString();
}

/** The parameters of the insert's statements but the event's: the message's columns, and whom it addressed. */
function insertParams(d: Dialect, input: NewMessage, seq: number, depth: number, quiet: boolean): Params {
  return {
    id: input.id,
    room_id: input.room_id,
    seq,
    sender_id: input.sender_id,
    sender: input.sender,
    sender_kind: input.sender_kind,
    content: input.content,
    mentions: JSON.stringify(input.mentions),
    targets: JSON.stringify(input.targets),
    mention_all: d.bool(input.mention_all),
    thread_id: input.thread_id,
    depth,
    status: input.status,
    parts: JSON.stringify(input.parts),
    metadata: JSON.stringify(input.metadata),
    client_id: input.client_id,
    created_at: input.created_at,
    // A message past the depth limit wakes no agent.
    wake: JSON.stringify(quiet ? [] : input.wake),
    quiet: d.bool(quiet),
    addressees: addresseeRows(input.addressed, input.receipts ?? []),
    receipt_members: JSON.stringify((input.receipts ?? []).map((tracked) => tracked.member_id)),
  };
}

/** A message as it is when first stored. */
function newMessage(input: NewMessage, seq: number, depth: number): Message {
  return {
    id: input.id,
    room: input.room_id,
    seq,
    sender: input.sender,
    sender_kind: input.sender_kind,
    content: input.content,
    mentions: input.mentions,
    targets: input.targets,
    mention_all: input.mention_all,
    thread_id: input.thread_id,
    depth,
    status: input.status,
    parts: input.parts,
    metadata: input.metadata,
    client_id: input.client_id,
    created_at: input.created_at,
    edited_at: null,
    deleted: false,
    reactions: [],
    reply_count: 0,
    last_reply_at: null,
  };
}

function* messageAudience(d: Dialect, id: string): Step<MessageAudience | undefined> {
  const stored = yield* row(MESSAGE_BY_ID, { id });
  return stored ? (yield* audiencesOf(d, [stored]))[0] : undefined;
}

function* updateMessage(
  d: Dialect,
  id: string,
  patch: MessagePatch,
  event: (message: Message) => EventDraft,
): Step<{ message: Message; event: StoredEvent } | undefined> {
  const stored = (yield* update(d, MESSAGES, patch, 'id = @id', { id })) ?? (yield* row(MESSAGE_BY_ID, { id }));
  if (!stored) return undefined;
  const message = (yield* messagesOf(d, [stored]))[0]!;
  return { message, event: yield* appendEvent(d, message.room, event(message)) };
}

/** Runs `sql` (which adds or removes the reaction); the log records it only when something changed. */
function* react(
  d: Dialect,
  sql: string,
  messageId: string,
  member: string,
  emoji: string,
  event: EventDraft,
): Step<StoredEvent | undefined> {
  const target = yield* row('SELECT room_id FROM messages WHERE id = @messageId', { messageId });
  if (!target) throw new HubError('message_not_found');
  const changed = yield* changes(sql, { messageId, emoji, member, at: event.at });
  return changed > 0 ? yield* appendEvent(d, target.room_id as string, event) : undefined;
}

function* history(d: Dialect, roomId: string, query: HistoryQuery): Step<{ messages: Message[]; has_more: boolean }> {
  const bounds: Array<[unknown, string]> = [
    [query.before, 'seq < @before'],
    [query.after, 'seq > @after'],
    [query.beforeTime, 'created_at < @beforeTime'],
    [query.afterTime, 'created_at > @afterTime'],
    [query.sender, 'sender = @sender'],
    [query.threadId, 'thread_id = @threadId'],
  ];
  const where = ['room_id = @room', ...bounds.filter(([value]) => value !== undefined).map(([, clause]) => clause)];
  // Paging forward from a cursor reads oldest first; every other page is the newest before its bound.
  const ascending = query.after !== undefined || (query.afterTime !== undefined && query.before === undefined);
  const found = yield* rows(
    `SELECT * FROM messages WHERE ${where.join(' AND ')} ORDER BY seq ${ascending ? 'ASC' : 'DESC'} LIMIT @limit`,
    { ...query, room: roomId, limit: query.limit + 1 },
  );
  const page = found.slice(0, query.limit);
  if (!ascending) page.reverse();
  return { messages: yield* messagesOf(d, page), has_more: found.length > query.limit };
}

function* recentMessages(d: Dialect, query: RecentQuery): Step<Message[]> {
  const params: Params = { after: query.afterTime, limit: query.limit };
  const where = [d.anyOf('room_id', 'rooms', query.roomIds, params)];
  if (query.afterTime !== undefined) where.push('created_at > @after');
  if (query.before !== undefined) {
    const { time, room, seq } = query.before;
    Object.assign(params, { before_time: time, before_room: room, before_seq: seq });
    where.push(
      room === undefined || seq === undefined
        ? 'created_at < @before_time'
        : `(created_at < @before_time OR (created_at = @before_time AND
            (room_id < @before_room OR (room_id = @before_room AND seq < @before_seq))))`,
    );
  }
  if (query.deliveredTo) {
    // As in core/delivery.ts: woken by the message, or listening to all of a room (unless quiet), never its own.
    const { agentId, listensToAll } = query.deliveredTo;
    params.agent = agentId;
    const listening =
      listensToAll.length > 0 ? `OR (${d.anyOf('room_id', 'all', listensToAll, params)} AND NOT quiet)` : '';
    where.push(`sender_id <> @agent AND (${d.holdsId('wake', 'woken', agentId, params)} ${listening})`);
  }
  // Paging forward from a time reads oldest first; otherwise the page is the newest, turned oldest first.
  const direction = query.afterTime === undefined ? 'DESC' : 'ASC';
  const found = yield* rows(
    `SELECT * FROM messages WHERE ${where.join(' AND ')}
     ORDER BY created_at ${direction}, room_id ${direction}, seq ${direction} LIMIT @limit`,
    params,
  );
  if (direction === 'DESC') found.reverse();
  return yield* messagesOf(d, found);
}

function* streamingMessages(d: Dialect): Step<MessageAudience[]> {
  return yield* audiencesOf(d, yield* rows("SELECT * FROM messages WHERE status = 'streaming'"));
}

function* threadAgents(rootId: string): Step<string[]> {
  const found = yield* rows(
    "SELECT DISTINCT sender_id FROM messages WHERE (id = @rootId OR thread_id = @rootId) AND sender_kind = 'agent'",
    { rootId },
  );
  return found.map((stored) => stored.sender_id as string);
}

/**
 * The agent chain after a message: an agent extends it, a person resets it, the system leaves it;
 * past the room's limit the message wakes no agent.
 */
function chainAfter(senderKind: NewMessage['sender_kind'], chain: number, limit: number) {
  const depth = senderKind === 'agent' ? chain + 1 : senderKind === 'person' ? 0 : chain;
  const depthExceeded = senderKind === 'agent' && depth > limit;
  return { depth, depthExceeded, firstPastLimit: depthExceeded && depth === limit + 1 };
}

/** Stored rows as messages, with their reactions (a deleted message keeps none). */
export function* messagesOf(d: Dialect, stored: Row[]): Step<Message[]> {
  const decoded = stored.map((message) => decode(d, MESSAGES, message));
  const live = decoded.filter((message) => message.deleted_at === null).map((message) => message.id);
  const reactions = groupReactions(yield* reactionsOf(d, live));
  return decoded.map((message) => toMessage(message, reactions.get(message.id as string) ?? []));
}

function* reactionsOf(d: Dialect, ids: unknown[]): Step<Row[]> {
  if (ids.length === 0) return [];
  // Most reads are of one message: a constant statement, where a list's is built and looked up anew each time.
  if (ids.length === 1) return yield* rows(REACTIONS_OF_ONE, { id: ids[0] });
  const params: Params = {};
  return yield* rows(`${REACTIONS} WHERE ${d.anyOf('message_id', 'ids', ids, params)} ${REACTIONS_ORDER}`, params);
}

/** Stored rows as messages with who they reached. */
export function* audiencesOf(d: Dialect, stored: Row[]): Step<MessageAudience[]> {
  const messages = yield* messagesOf(d, stored);
  return stored.map((message, index) => ({
    message: messages[index]!,
    senderId: message.sender_id as string,
    wake: d.readJson(message.wake) as string[],
    quiet: d.readBool(message.quiet),
  }));
}

function* messageRow(d: Dialect, sql: string, params: object): Step<Message | undefined> {
  const stored = yield* row(sql, params);
  return stored ? (yield* messagesOf(d, [stored]))[0] : undefined;
}
