/** The receipts slice of the Store: per message, each addressed member's state, which only moves forward. */
import type { ReceiptState } from '@roundtable/protocol';

/** A member a message addresses, as its receipt is first stored with the message. */
export interface TrackedMember {
  member_id: string;
  member: string;
  member_kind: 'person' | 'agent';
}

export interface ReceiptRecord extends TrackedMember {
  message_id: string;
  room_id: string;
  seq: number;
  sender_id: string;
  /** The thread the message starts or belongs to: a reply there acts on it. */
  thread_key: string;
  state: ReceiptState;
  stored_at: string;
  delivered_at: string | null;
  read_at: string | null;
  acted_at: string | null;
}

/** A member's message (or claim of a task) that may act on the receipts of earlier messages addressed to them. */
export interface ActedQuery {
  roomId: string;
  memberId: string;
  /** Only receipts of messages before this seq of the room. */
  beforeSeq: number;
  /** A reply in this thread acts on its messages. */
  threadKey: string | null;
  /** Addressing these members acts on their messages. */
  senders: string[];
  /** In a direct room or a conversation, any message acts on what came before it. */
  anyInRoom: boolean;
  /** Only receipts stored since then: a reply days later is a new topic, and the scan stays short. */
  since: string;
  at: string;
}

/** Messages of one room that reached one member. */
export interface Delivery {
  memberId: string;
  roomId: string;
  seqs: number[];
}

/** A receipt that became delivered: whose, of which message, and who sent that. */
export interface DeliveredReceipt {
  memberId: string;
  roomId: string;
  seq: number;
  senderId: string;
}

export interface ReceiptsStore {
  /** The receipts of these messages, in one read: per message, agents first, then people, each by handle. */
  receiptsOf(messageIds: string[]): Promise<ReceiptRecord[]>;
  /**
   * For each entry, each receipt of its member among those messages of its room not yet delivered
   * becomes so, all in one write; returns those that moved. The caller holds the messages, so only
   * their senders come back: a receipt just delivered was neither read nor acted on.
   */
  markDelivered(deliveries: Delivery[], at: string): Promise<DeliveredReceipt[]>;
  /**
   * A read cursor moved from `from` to `seq`: receipts after `from` and up to `seq` not yet read become
   * so (and delivered, if they were not). Only that span is looked at: an earlier move covered the rest.
   */
  markReadUpTo(roomId: string, memberId: string, from: number, seq: number, at: string): Promise<ReceiptRecord[]>;
  markActed(query: ActedQuery): Promise<ReceiptRecord[]>;
  /** Whether the member has a receipt in the room stored since then that is not acted on yet. */
  hasOpenReceipts(roomId: string, memberId: string, since: string): Promise<boolean>;
}
