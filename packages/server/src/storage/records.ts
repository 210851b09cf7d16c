/**
 * Rows to records, for every store: a row comes in normalized (JSON columns parsed, flags as
 * booleans; see core/dump.ts), whatever the database's own column types.
 */
import type { FileReservation, Message, MessagePart, Reaction, Task } from '@roundtable/protocol';
import type {
  MemberRecord,
  MembershipRecord,
  NewMessage,
  RoomRecord,
  PatternsOverlap,
  ReservationRequest,
  TaskQuery,
  TaskRow,
  TokenRecord,
} from '../core/ports.js';

export type Row = Record<string, unknown>;

export function toMember(row: Row): MemberRecord {
  return {
    id: row.id as string,
    handle: row.handle as string,
    display_name: row.display_name as string,
    kind: row.kind as MemberRecord['kind'],
    role: row.role as MemberRecord['role'],
    description: row.description as string,
    capabilities: row.capabilities as string[],
    owner_id: (row.owner_id as string | null) ?? null,
    password_hash: (row.password_hash as string | null) ?? null,
    disabled: row.disabled === true,
    created_at: row.created_at as string,
  };
}

export function toToken(row: Row): TokenRecord {
  return {
    id: row.id as string,
    member_id: row.member_id as string,
    name: row.name as string,
    kind: row.kind as TokenRecord['kind'],
    created_at: row.created_at as string,
    revoked_at: (row.revoked_at as string | null) ?? null,
  };
}

export function toMembership(row: Row): MembershipRecord {
  return {
    room_id: row.room_id as string,
    member_id: row.member_id as string,
    role: row.role as MembershipRecord['role'],
    joined_at: row.joined_at as string,
    read_seq: Number(row.read_seq),
    notify: row.notify as MembershipRecord['notify'],
    listen: row.listen as MembershipRecord['listen'],
  };
}

export function toRoom(row: Row): RoomRecord {
  return {
    id: row.id as string,
    name: (row.name as string | null) ?? null,
    kind: row.kind as RoomRecord['kind'],
    topic: row.topic as string,
    created_by: row.created_by as string,
    created_at: row.created_at as string,
    archived_at: (row.archived_at as string | null) ?? null,
    last_seq: Number(row.last_seq),
    agent_depth_limit: Number(row.agent_depth_limit),
    direct_key: (row.direct_key as string | null) ?? null,
    member_count: Number(row.member_count),
    title: (row.title as string | null) ?? null,
    deleted_at: (row.deleted_at as string | null) ?? null,
  };
}

/** Reaction rows (message_id, emoji, member), in the order they were made, grouped per message and emoji. */
export function groupReactions(rows: Row[]): Map<string, Reaction[]> {
  const reactions = new Map<string, Reaction[]>();
  for (const reaction of rows) {
    const messageId = reaction.message_id as string;
    const list = reactions.get(messageId) ?? [];
    let entry = list.find((item) => item.emoji === reaction.emoji);
    if (!entry) {
      entry = { emoji: reaction.emoji as string, count: 0, members: [] };
      list.push(entry);
    }
    entry.count += 1;
    entry.members.push(reaction.member as string);
    reactions.set(messageId, list);
  }
  return reactions;
}

export function toMessage(row: Row, reactions: Reaction[]): Message {
  return {
    id: row.id as string,
    room: row.room_id as string,
    seq: Number(row.seq),
    sender: row.sender as string,
    sender_kind: row.sender_kind as Message['sender_kind'],
    content: row.content as string,
    mentions: row.mentions as string[],
    targets: row.targets as string[],
    mention_all: row.mention_all === true,
    thread_id: (row.thread_id as string | null) ?? null,
    depth: Number(row.depth),
    status: row.status as Message['status'],
    parts: row.parts as MessagePart[],
    metadata: row.metadata as Record<string, unknown>,
    client_id: (row.client_id as string | null) ?? null,
    created_at: row.created_at as string,
    edited_at: (row.edited_at as string | null) ?? null,
    deleted: row.deleted_at !== null && row.deleted_at !== undefined,
    reactions,
    reply_count: Number(row.reply_count),
    last_reply_at: (row.last_reply_at as string | null) ?? null,
  };
}

/**
 * The agent chain after a message, as every store records it: an agent extends it, a person resets
 * it, the system leaves it; past the room's limit the message wakes no agent.
 */
export function chainAfter(senderKind: NewMessage['sender_kind'], chain: number, limit: number) {
  const depth = senderKind === 'agent' ? chain + 1 : senderKind === 'person' ? 0 : chain;
  const depthExceeded = senderKind === 'agent' && depth > limit;
  return { depth, depthExceeded, firstPastLimit: depthExceeded && depth === limit + 1 };
}

/** A message as it is when first stored. */
export function newMessage(input: NewMessage, seq: number, depth: number): Message {
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

export function toTaskRow(row: Row): TaskRow {
  const task = row.doc as Task;
  return {
    // Tasks stored before workers could be named have none.
    task: task.workers ? task : { ...task, workers: [] },
    creator_id: row.creator_id as string,
    assignee_id: (row.assignee_id as string | null) ?? null,
    lease_token: (row.lease_token as string | null) ?? null,
  };
}

/** A task's columns, normalized: the queried fields beside the whole document. */
export function taskColumns(row: TaskRow): Row {
  const { task } = row;
  return {
    id: task.id,
    status: task.status,
    priority: task.priority,
    created_at: task.created_at,
    updated_at: task.updated_at,
    creator_id: row.creator_id,
    assignee_id: row.assignee_id,
    room_id: task.room,
    parent_id: task.parent,
    client_id: task.client_id,
    lease_token: row.lease_token,
    lease_expires_at: task.lease_expires_at,
    version: task.version,
    capabilities: task.capabilities,
    doc: task,
  };
}

export const TASK_COLUMNS = Object.keys(
  taskColumns({ task: { capabilities: [] } as unknown as Task, creator_id: '', assignee_id: null, lease_token: null }),
);

/**
 * The WHERE and ORDER BY of a task listing, for either database: `param` turns a value into the
 * dialect's placeholder, and `hasCapability` tests the capabilities column for one.
 */
export function taskQuerySql(
  query: TaskQuery,
  param: (value: unknown) => string,
  hasCapability: (placeholder: string) => string,
): string {
  const where: string[] = [];
  if (query.status?.length) where.push(`status IN (${query.status.map(param).join(', ')})`);
  if (query.assigneeId) where.push(`assignee_id = ${param(query.assigneeId)}`);
  if (query.creatorId) where.push(`creator_id = ${param(query.creatorId)}`);
  if (query.roomId) where.push(`room_id = ${param(query.roomId)}`);
  if (query.capability) where.push(hasCapability(param(query.capability)));
  if (query.createdAfter) where.push(`created_at >= ${param(query.createdAfter)}`);
  if (query.createdBefore) where.push(`created_at < ${param(query.createdBefore)}`);
  if (query.visibleTo) {
    const { memberId, roomIds } = query.visibleTo;
    const mine = [`creator_id = ${param(memberId)}`, `assignee_id = ${param(memberId)}`];
    if (roomIds.length > 0) mine.push(`room_id IN (${roomIds.map(param).join(', ')})`);
    where.push(`(${mine.join(' OR ')})`);
  }
  if (query.before) {
    const { created_at: at, id } = query.before;
    where.push(`(created_at < ${param(at)} OR (created_at = ${param(at)} AND id < ${param(id)}))`);
  }
  const clause = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  return `${clause} ORDER BY created_at DESC, id DESC LIMIT ${param(query.limit)}`;
}

export function toReservation(row: Row): FileReservation {
  return {
    id: row.id as string,
    pattern: row.pattern as string,
    mode: row.mode as FileReservation['mode'],
    holder: row.holder as string,
    task: (row.task_id as string | null) ?? null,
    expires_at: row.expires_at as string,
    created_at: row.created_at as string,
  };
}

/** The live reservations of other holders that the request would overlap. */
export function reservationConflicts(
  request: ReservationRequest,
  live: Row[],
  overlaps: PatternsOverlap,
): FileReservation[] {
  return live
    .filter((row) => row.holder_id !== request.holder_id || samePatternOtherTask(row, request))
    .filter((row) => request.mode === 'exclusive' || row.mode === 'exclusive')
    .filter((row) => request.patterns.some((pattern) => overlaps(pattern, row.pattern as string)))
    .map(toReservation);
}

/** One holder's locks for two different tasks exclude each other as if they were two holders'. */
function samePatternOtherTask(row: Row, request: ReservationRequest): boolean {
  return row.task_id !== null && request.task_id !== null && row.task_id !== request.task_id;
}

/** The rows a granted request stores, one per pattern. */
export function reservationRows(request: ReservationRequest, newId: () => string): Row[] {
  return [...new Set(request.patterns)].map((pattern) => ({
    id: newId(),
    holder_id: request.holder_id,
    holder: request.holder,
    task_id: request.task_id,
    pattern,
    mode: request.mode,
    expires_at: request.expires_at,
    created_at: request.now,
  }));
}

export const RESERVATION_COLUMNS = [
  'id',
  'holder_id',
  'holder',
  'task_id',
  'pattern',
  'mode',
  'expires_at',
  'created_at',
];
