/** The rooms slice of the Store: rooms, who is in them, and how far each member has read. */
import type { ListenMode, NotifyLevel, RoomKind, RoomSummary } from '@roundtable/protocol';
import type { EventDraft, StoredEvent } from './log.js';

export interface RoomRecord {
  id: string;
  name: string | null;
  kind: RoomKind;
  topic: string;
  created_by: string;
  created_at: string;
  archived_at: string | null;
  last_seq: number;
  agent_depth_limit: number;
  /** Wakes per minute of each agent by agents' messages (0: no limit); null: the hub's default. */
  agent_wake_limit: number | null;
  direct_key: string | null;
  member_count: number;
  /** A conversation's title. */
  title: string | null;
  /** A deleted conversation: hidden from everyone, its rows kept. */
  deleted_at: string | null;
}

export interface MembershipRecord {
  room_id: string;
  member_id: string;
  role: 'owner' | 'member';
  joined_at: string;
  read_seq: number;
  notify: NotifyLevel;
  listen: ListenMode;
}

export type MembershipPatch = Partial<Pick<MembershipRecord, 'notify' | 'listen'>>;

/** A conversation's place in its member's list: when it was last active (a message or a rename). */
export interface ConversationActivity {
  id: string;
  active_at: string;
}

export interface RoomsStore {
  createRoom(
    room: Omit<RoomRecord, 'last_seq' | 'member_count' | 'archived_at' | 'deleted_at' | 'agent_wake_limit'>,
    members: Omit<MembershipRecord, 'read_seq'>[],
    joinedEvent: (membership: Omit<MembershipRecord, 'read_seq'>) => EventDraft,
  ): Promise<{ room: RoomRecord; events: StoredEvent[] }>;
  roomById(id: string): Promise<RoomRecord | undefined>;
  roomByName(name: string): Promise<RoomRecord | undefined>;
  roomByDirectKey(key: string): Promise<RoomRecord | undefined>;
  updateRoom(
    id: string,
    patch: Partial<
      Pick<RoomRecord, 'topic' | 'agent_depth_limit' | 'agent_wake_limit' | 'archived_at' | 'title' | 'deleted_at'>
    >,
    event: (room: RoomRecord) => EventDraft,
  ): Promise<{ room: RoomRecord; event: StoredEvent }>;
  /**
   * Puts the room's agent chain past its depth limit, so agents are not woken there until a person
   * posts; false when it already was.
   */
  endAgentChain(roomId: string): Promise<boolean>;
  listPublicRooms(): Promise<RoomRecord[]>;
  /** Messages of a room that are not deleted. */
  countMessages(roomId: string): Promise<number>;
  listRoomsOf(memberId: string): Promise<RoomSummary[]>;
  /**
   * The member's conversations that are not deleted, most recently active first (ties: larger id
   * first), starting after `before` when given: a keyset page.
   */
  conversationsOf(
    memberId: string,
    query: { limit: number; before?: ConversationActivity },
  ): Promise<ConversationActivity[]>;
  roomIdsOf(memberId: string): Promise<string[]>;

  membership(roomId: string, memberId: string): Promise<MembershipRecord | undefined>;
  roomMembers(roomId: string): Promise<MembershipRecord[]>;
  addMembership(
    membership: Omit<MembershipRecord, 'read_seq'>,
    event: EventDraft,
  ): Promise<{ added: boolean; event?: StoredEvent }>;
  removeMembership(
    roomId: string,
    memberId: string,
    event: EventDraft,
  ): Promise<{ removed: boolean; event?: StoredEvent }>;
  updateMembership(roomId: string, memberId: string, patch: MembershipPatch): Promise<MembershipRecord | undefined>;
  /** Moves the read cursor forward only; returns the cursor in force. */
  markRead(roomId: string, memberId: string, seq: number): Promise<number | undefined>;
}
