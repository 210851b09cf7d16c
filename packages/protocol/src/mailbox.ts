/**
 * The mailbox: the inbox (what is addressed to you, under a cursor of its own per room that only the
 * inbox moves) and the outbox (what you sent, with its receipts). Both page by message id: `after`
 * names the last message a client got, and `up_to` the last one it is done with.
 */
import { z } from 'zod';
import { Limits } from './limits.js';
import { Id, RoomRef, type Message } from './model.js';
import type { Receipt } from './receipts.js';

const Page = z.object({
  /** A message id: the page starts after that message in mailbox order (by time, then room, then seq). */
  after: Id.optional(),
  limit: z.number().int().min(1).max(Limits.maxPageSize).default(50),
  /** Only this room. */
  room: RoomRef.optional(),
});

export const MailboxRequestSchemas = {
  /**
   * What is addressed to you and not acknowledged yet, oldest first across your rooms. Reading it
   * moves no cursor: neither the inbox's nor the rooms' read cursors.
   */
  inbox: Page,
  /**
   * Done with the inbox up to and including this message: in every room, what the inbox order puts
   * at or before it leaves the inbox (and its receipts count as read). The rooms' read cursors stay.
   */
  'inbox.ack': z.object({ up_to: Id }),
  /** What you sent, across your rooms, each message with its receipts: after `after` oldest first, else the newest page. */
  outbox: Page,
} as const;

export type OutboxMessage = Message & { receipts: Receipt[] };

export interface MailboxResultMap {
  inbox: { messages: Message[]; has_more: boolean };
  /** `acknowledged`: how many addressed messages left the inbox. */
  'inbox.ack': { up_to: string; acknowledged: number };
  outbox: { messages: OutboxMessage[]; has_more: boolean };
}
