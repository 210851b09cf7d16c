/**
 * The outbox: what a member sent, across the rooms it is in, each message with its receipts, so a
 * sender sees in one call how far each of its messages got. Pages in the inbox's order, by message id.
 */
import type { Message, OutboxMessage, ParsedParams } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import type { Inbox } from './inbox.js';
import type { MemberRecord, SentQuery } from './ports.js';
import { receiptOf } from './receipts.js';

export class Outbox {
  constructor(
    private readonly ctx: HubContext,
    private readonly inbox: Pick<Inbox, 'keyOfMessage'>,
    private readonly streams: { withStreamContent(message: Message): Message },
  ) {}

  /** After `after`, oldest first; without it, the newest page, oldest first. */
  async page(
    actor: MemberRecord,
    params: ParsedParams<'outbox'>,
  ): Promise<{ messages: OutboxMessage[]; has_more: boolean }> {
    let roomIds: string[];
    if (params.room !== undefined) {
      const room = await this.ctx.resolveRoom(params.room);
      await this.ctx.requireMembership(room.id, actor);
      roomIds = [room.id];
    } else roomIds = await this.ctx.store.roomIdsOf(actor.id);
    const query: SentQuery = { senderId: actor.id, roomIds, limit: params.limit + 1 };
    if (params.after !== undefined) query.after = await this.inbox.keyOfMessage(actor, params.after);
    const found = await this.ctx.store.sentMessages(query);
    // The one past the page is the oldest of a newest page, and the newest of a page after a message.
    const page = found.length > params.limit ? (query.after ? found.slice(0, -1) : found.slice(1)) : found;
    const receipts = new Map<string, OutboxMessage['receipts']>();
    for (const record of await this.ctx.store.receiptsOf(page.map((message) => message.id))) {
      const list = receipts.get(record.message_id);
      if (list) list.push(receiptOf(record));
      else receipts.set(record.message_id, [receiptOf(record)]);
    }
    const messages = page.map((message) => ({
      ...this.streams.withStreamContent(message),
      receipts: receipts.get(message.id) ?? [],
    }));
    return { messages, has_more: found.length > params.limit };
  }
}
