/**
 * Delivery receipts: for each member a message addresses, how far it got. The state only moves
 * forward, `stored` → `delivered` → `read` → `acted`; each step keeps the time it was first reached.
 */
import { z } from 'zod';
import { Id } from './model.js';

export const ReceiptState = z.enum(['stored', 'delivered', 'read', 'acted']);
export type ReceiptState = z.infer<typeof ReceiptState>;

export interface Receipt {
  /** The addressed member's handle. */
  member: string;
  kind: 'person' | 'agent';
  state: ReceiptState;
  stored_at: string;
  delivered_at: string | null;
  read_at: string | null;
  acted_at: string | null;
}

export const ReceiptRequestSchemas = {
  /** The receipts of a message you can read: one per member it addresses, agents first. */
  'message.receipts': z.object({ message: Id }),
} as const;

export interface ReceiptResultMap {
  'message.receipts': { message: string; receipts: Receipt[] };
}

/** A receipt moved: sent to the people of the message's room, and to its sender. */
export interface ReceiptFrame extends Receipt {
  type: 'receipt';
  room: string;
  message: string;
}

/**
 * Ephemeral, to the sender alone, at once: some addressed agents will not get the message now.
 * `offline` ones get it when they connect; `disabled` ones do not until an admin enables them.
 */
export interface AgentNoticeFrame {
  type: 'notice';
  code: 'agent_offline' | 'agent_disabled';
  room: string;
  message: string;
  thread_id: string | null;
  members: string[];
  text: string;
}
