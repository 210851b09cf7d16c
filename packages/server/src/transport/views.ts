/**
 * How the simple endpoints and MCP show a message: flatter than the protocol's message, in the
 * words each audience already uses (scripts of the simple endpoints, coding agents).
 */
import type { Message } from '@roundtable/protocol';

/** A message in the shape the simple endpoints speak. */
export function simpleMessage(message: Message, roomName: string | null | undefined) {
  return {
    type: 'message',
    id: message.id,
    seq: message.seq,
    room: roomName ?? message.room,
    room_id: message.room,
    sender: message.sender,
    message: message.content,
    timestamp: message.created_at,
    target_agents: message.targets,
    mentions: message.mentions,
    thread_id: message.thread_id,
  };
}

/** A message as a tool returns it: what an agent reads, without rendering details. */
export function brief(message: Message) {
  return {
    id: message.id,
    room: message.room,
    seq: message.seq,
    sender: message.sender,
    sender_kind: message.sender_kind,
    content: message.content,
    thread_id: message.thread_id,
    mentions: message.mentions,
    targets: message.targets,
    mention_all: message.mention_all,
    status: message.status,
    created_at: message.created_at,
  };
}
