/**
 * Rows to records: a row comes in decoded (JSON columns parsed, flags as booleans; see
 * dialect.ts `decode`), whatever the database's own column types.
 */
import type { FileReservation, Message, MessagePart, Reaction, Task } from '@roundtable/protocol';
import type { MemberRecord, MembershipRecord, RoomRecord, TaskRow, TokenRecord } from '../../core/ports.js';

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
    notify_default: row.notify_default as MemberRecord['notify_default'],
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
    expires_at: (row.expires_at as string | null) ?? null,
    last_used_at: (row.last_used_at as string | null) ?? null,
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
    agent_wake_limit:
      row.agent_wake_limit === null || row.agent_wake_limit === undefined ? null : Number(row.agent_wake_limit),
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
