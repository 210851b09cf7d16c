/** Conversions from store records to the wire forms of the protocol, shared by every adapter. */
import { NEW_CONVERSATION_TITLE, type Member, type Room } from '@roundtable/protocol';
import type { MemberRecord, RoomRecord, StoredEvent } from './ports.js';

export function publicRoom(room: RoomRecord): Room {
  return {
    id: room.id,
    name: room.name,
    kind: room.kind,
    topic: room.topic,
    created_by: room.created_by,
    created_at: room.created_at,
    archived: room.archived_at !== null,
    last_seq: room.last_seq,
    agent_depth_limit: room.agent_depth_limit,
    ...(room.agent_wake_limit === null ? {} : { agent_wake_limit: room.agent_wake_limit }),
    member_count: room.member_count,
    ...(room.kind === 'conversation' ? { title: room.title ?? NEW_CONVERSATION_TITLE } : {}),
  };
}

export function publicMember(member: MemberRecord): Member {
  return {
    id: member.id,
    handle: member.handle,
    display_name: member.display_name,
    kind: member.kind,
    role: member.role,
    description: member.description,
    capabilities: member.capabilities,
    disabled: member.disabled,
    created_at: member.created_at,
  };
}

/** An event as an `event` frame: serialized once, then sent as is to every recipient. */
export function eventFrame(event: StoredEvent): string {
  return JSON.stringify({
    type: 'event',
    room: event.room,
    seq: event.seq,
    kind: event.kind,
    at: event.at,
    actor: event.actor,
    data: event.data,
  });
}
