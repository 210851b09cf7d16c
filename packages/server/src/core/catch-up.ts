/**
 * Catching up: what happened in a room (or one of its threads) since a member last spoke there, so
 * an agent mentioned after a while away sees more than the last few messages. A member reads here
 * what its history pages show it: every message of a room it belongs to.
 */
import type { Message, ResultMap } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import type { MemberRecord } from './ports.js';
import type { Streams } from './streams.js';

export class CatchUp {
  constructor(
    private readonly ctx: HubContext,
    private readonly streams: Streams,
  ) {}

  /**
   * The newest `limit` messages after the actor's own last message, oldest first; `has_more` when
   * earlier ones since then were left out. Members only: reading before joining is for history.
   */
  async sinceLastSpoke(
    actor: MemberRecord,
    params: { room: string; thread_id?: string; limit: number },
  ): Promise<ResultMap['since_last_spoke']> {
    const { ctx } = this;
    const room = await ctx.visibleRoom(actor, params.room);
    const threadId = params.thread_id ? await ctx.threadIn(room.id, params.thread_id) : undefined;
    const own = await ctx.store.history(room.id, { sender: actor.handle, threadId, limit: 1 });
    const last: Message | undefined = own.messages[0];
    const since = last?.seq ?? 0;
    const newest = await ctx.store.history(room.id, { threadId, limit: params.limit });
    const messages = newest.messages.filter((message) => message.seq > since);
    let hasMore = false;
    // A full page after `since` may still reach back to it: only a message between the two says more were left out.
    if (messages.length === newest.messages.length && newest.has_more && messages.length > 0) {
      const between = await ctx.store.history(room.id, { threadId, after: since, before: messages[0]!.seq, limit: 1 });
      hasMore = between.messages.length > 0;
    }
    return {
      last_spoke: last ? { message: last.id, seq: last.seq, at: last.created_at } : null,
      messages: messages.map((message) => this.streams.withStreamContent(message)),
      has_more: hasMore,
    };
  }
}
