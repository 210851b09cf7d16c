/** The mailbox slice of the Store: each member's inbox cursor per room, and the messages a member sent. */
import type { Message, RoomKind } from '@roundtable/protocol';

/** One of a member's rooms, with how far its inbox has been acknowledged there. */
export interface InboxRoom {
  room_id: string;
  kind: RoomKind;
  last_seq: number;
  /** Everything up to this seq is out of the member's inbox; moved only by the inbox, never by reading the room. */
  inbox_seq: number;
}

/** Where a message stands in a mailbox's order: by time, then room, then seq. */
export interface MailboxKey {
  created_at: string;
  room_id: string;
  seq: number;
}

export interface SentQuery {
  senderId: string;
  roomIds: readonly string[];
  /** Oldest first after this key; without it, the newest `limit`, oldest first. */
  after?: MailboxKey;
  limit: number;
}

export interface MailboxStore {
  /** The member's rooms that are not deleted, with its inbox cursor in each. */
  inboxRooms(memberId: string): Promise<InboxRoom[]>;
  /** Moves the inbox cursor forward only, never past the room's last seq; returns the cursor in force (undefined: not a member). */
  advanceInbox(roomId: string, memberId: string, seq: number): Promise<number | undefined>;
  /** Messages the member sent in these rooms and did not delete, in mailbox order. */
  sentMessages(query: SentQuery): Promise<Message[]>;
}
