/**
 * The delivery rule (docs/concepts.md), in one place: who is woken by a message, and who receives an
 * event of a room's log. The stores' sync queries mirror `receives` in SQL; the resume tests keep
 * the two equal.
 */
import type { ListenMode, RoomKind } from '@roundtable/protocol';
import type { StoredEvent } from './ports.js';

export interface RoomMemberView {
  id: string;
  handle: string;
  kind: 'person' | 'agent' | 'system';
}

export interface WakeInput {
  roomKind: RoomKind;
  senderId: string;
  mentionAll: boolean;
  /** Member ids mentioned or targeted. */
  addressed: ReadonlySet<string>;
  /** Agent ids that wrote the thread's root or a reply in it, when the message is a reply. */
  threadAgents: ReadonlySet<string>;
}

/** Agents woken by a message: direct rooms and conversations, `@all`, mentions, targets, and threads they take part in. Never the sender. */
export function agentsToWake(agents: Iterable<RoomMemberView>, input: WakeInput): string[] {
  const woken: string[] = [];
  for (const agent of agents) {
    if (agent.kind !== 'agent' || agent.id === input.senderId) continue;
    if (
      input.roomKind === 'direct' ||
      input.roomKind === 'conversation' ||
      input.mentionAll ||
      input.addressed.has(agent.id) ||
      input.threadAgents.has(agent.id)
    ) {
      woken.push(agent.id);
    }
  }
  return woken;
}

export interface Viewer {
  id: string;
  handle: string;
  kind: 'person' | 'agent' | 'system';
  listen: ListenMode;
}

/** Whether a member receives one event of a room they belong to. */
export function receives(event: Pick<StoredEvent, 'kind' | 'actor' | 'agents' | 'quiet'>, viewer: Viewer): boolean {
  if (viewer.kind !== 'agent') return true;
  if (event.agents === null) return true;
  if (event.kind === 'message.created' && event.actor === viewer.handle) return false;
  if (viewer.listen === 'all' && !event.quiet) return true;
  return event.agents.includes(viewer.id);
}

/**
 * Whether a message is addressed to a member, which is what an inbox holds: for an agent, what wakes
 * it; for a person, a mention, a target, `@all`, or any message of a direct room or conversation.
 * Never one's own message.
 */
export function addressedTo(event: StoredEvent, member: RoomMemberView, roomKind: RoomKind): boolean {
  if (event.kind !== 'message.created' || event.actor === member.handle) return false;
  if (member.kind === 'agent') return event.agents?.includes(member.id) ?? false;
  const message = event.data;
  return (
    roomKind === 'direct' ||
    roomKind === 'conversation' ||
    message.mention_all ||
    message.mentions.includes(member.handle) ||
    message.targets.includes(member.handle)
  );
}

/** Events about a message reach the agents it woke, and its sender when that is an agent. */
export function audienceOf(wake: string[], sender: { id: string; kind: string }): string[] {
  return sender.kind === 'agent' && !wake.includes(sender.id) ? [...wake, sender.id] : wake;
}
