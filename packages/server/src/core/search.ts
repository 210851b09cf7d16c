/**
 * Search for people: the messages a member may read that match some words, narrowed by room,
 * sender, time and thread, a page at a time. Memory (memory.ts) is the agents' counterpart.
 */
import type { ParsedParams, SearchHit } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { searchTerms } from './memory.js';
import type { MemberRecord } from './ports.js';

export class Search {
  constructor(private readonly ctx: HubContext) {}

  /**
   * Without `room`, the rooms the actor belongs to (never someone else's conversation with an
   * agent); with it, that room, which may be a public room not joined yet, as its history is
   * readable then too. Private rooms and direct messages are searched only by their members.
   */
  async messages(
    actor: MemberRecord,
    params: ParsedParams<'messages.search'>,
  ): Promise<{ hits: SearchHit[]; next_offset: number | null }> {
    const { ctx } = this;
    let roomIds: string[];
    if (params.room) {
      const room = await ctx.resolveRoom(params.room);
      if (room.kind !== 'public') await ctx.requireMembership(room.id, actor, room.kind);
      roomIds = [room.id];
    } else {
      const mine = await ctx.store.listRoomsOf(actor.id);
      roomIds = mine.filter((r) => r.kind !== 'conversation' || r.created_by === actor.handle).map((r) => r.id);
    }
    // One more than asked says whether another page follows.
    const found = await ctx.store.searchMessages({
      terms: searchTerms(params.query),
      roomIds,
      limit: params.limit + 1,
      offset: params.offset,
      now: ctx.now(),
      sender: params.sender,
      afterTime: params.after === undefined ? undefined : new Date(params.after).toISOString(),
      beforeTime: params.before === undefined ? undefined : new Date(params.before).toISOString(),
      inThread: params.in_thread,
      order: params.sort,
    });
    const more = found.length > params.limit;
    return { hits: found.slice(0, params.limit), next_offset: more ? params.offset + params.limit : null };
  }
}
