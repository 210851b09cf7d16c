/**
 * Reading the past: history pages of a room or thread (by seq or time, by sender), and the
 * recent messages across a member's rooms that the simple `/messages` endpoint lists.
 */
import type { HistoryParams, Message } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { HubError } from './hub-error.js';
import type { MemberRecord, RecentPlace, RecentQuery } from './ports.js';
import type { Streams } from './streams.js';

export class History {
  constructor(
    private readonly ctx: HubContext,
    private readonly streams: Streams,
    /** What a member reads here has reached it (a receipt's `delivered`). */
    private readonly delivered: (member: MemberRecord, messages: Message[]) => Promise<void>,
  ) {}

  async page(
    actor: MemberRecord,
    params: HistoryParams,
  ): Promise<{ messages: Message[]; has_more: boolean; has_more_after?: boolean }> {
    const { ctx } = this;
    const room = await ctx.resolveRoom(params.room);
    // Public rooms can be read before joining, as in any team chat; others only by members.
    if (room.kind !== 'public') await ctx.requireMembership(room.id, actor, room.kind);
    if (params.around !== undefined) {
      const page = await this.around(room.id, params.around, params.limit ?? 50, params);
      this.recordDelivered(actor, page.messages);
      return page;
    }
    // A thread of another room is refused as a missing one would be: its id says nothing here.
    // A reply's id names the thread it is in.
    const threadId = params.thread_id ? await ctx.threadIn(room.id, params.thread_id) : undefined;
    const page = await ctx.store.history(room.id, {
      before: params.before,
      after: params.after,
      beforeTime: params.before_time === undefined ? undefined : new Date(params.before_time).toISOString(),
      afterTime: params.after_time === undefined ? undefined : new Date(params.after_time).toISOString(),
      limit: params.limit ?? 50,
      sender: params.sender,
      threadId,
    });
    this.recordDelivered(actor, page.messages);
    return {
      messages: page.messages.map((message) => this.streams.withStreamContent(message)),
      has_more: page.has_more,
    };
  }

  /** A page as `page` reads it, with how many messages the room holds (deleted ones not counted). */
  async pageWithTotal(
    actor: MemberRecord,
    params: HistoryParams,
  ): Promise<{ messages: Message[]; has_more: boolean; has_more_after?: boolean; total_count: number }> {
    const page = await this.page(actor, params);
    const room = await this.ctx.resolveRoom(params.room);
    return { ...page, total_count: await this.ctx.store.countMessages(room.id) };
  }

  /**
   * The page around a message of the room: it, the older half before it and the newer half after
   * it, so that a reader can page on from there either way. Its thread's messages count as the
   * room's, as in any other page.
   */
  private async around(
    roomId: string,
    messageId: string,
    limit: number,
    params: HistoryParams,
  ): Promise<{ messages: Message[]; has_more: boolean; has_more_after: boolean }> {
    const { ctx } = this;
    const bounds = [params.before, params.after, params.before_time, params.after_time, params.sender];
    if (bounds.some((bound) => bound !== undefined) || params.thread_id !== undefined) {
      throw new HubError('invalid_request', '`around` goes alone: no other bound or filter with it.');
    }
    const target = await ctx.store.messageById(messageId);
    // A message of another room is refused as a missing one would be: its id says nothing here.
    if (!target || target.room !== roomId) throw new HubError('message_not_found');
    const newer = Math.floor((limit - 1) / 2);
    // A page of one is the message alone; whether newer ones exist is still asked.
    const [before, after] = await Promise.all([
      ctx.store.history(roomId, { before: target.seq + 1, limit: limit - newer }),
      ctx.store.history(roomId, { after: target.seq, limit: Math.max(newer, 1) }),
    ]);
    return {
      messages: [...before.messages, ...after.messages.slice(0, newer)].map((message) =>
        this.streams.withStreamContent(message),
      ),
      has_more: before.has_more,
      has_more_after: after.has_more || after.messages.length > newer,
    };
  }

  /** The reader's answer does not wait for the receipts it moves. */
  private recordDelivered(actor: MemberRecord, messages: Message[]): void {
    this.delivered(actor, messages).catch((error: unknown) =>
      this.ctx.logger.warn({ err: error }, 'could not record what a history read delivered'),
    );
  }

  /**
   * Messages of the actor's rooms (or one), for the simple `/messages` endpoint: oldest first after
   * `since`; without it the newest, before a time or a message when `before` names one.
   */
  async recent(
    actor: MemberRecord,
    query: {
      since?: string;
      before?: { time: string } | { message: string };
      room?: string;
      agent?: string;
      limit: number;
    },
  ): Promise<Message[]> {
    const { ctx } = this;
    const roomIds = query.room ? [(await ctx.visibleRoom(actor, query.room)).id] : await ctx.store.roomIdsOf(actor.id);
    const agent = query.agent ? await ctx.memberByHandle(query.agent) : undefined;
    let deliveredTo: RecentQuery['deliveredTo'];
    if (agent) {
      const listensToAll: string[] = [];
      for (const roomId of roomIds) {
        if ((await ctx.roomMembers(roomId)).get(agent.id)?.listen === 'all') listensToAll.push(roomId);
      }
      deliveredTo = { agentId: agent.id, listensToAll };
    }
    const messages = await ctx.store.recentMessages({
      roomIds,
      afterTime: query.since,
      before: query.before && (await this.placeOf(query.before, roomIds)),
      deliveredTo,
      limit: query.limit,
    });
    // Read for an agent by someone else, they have not reached that agent.
    if (!agent || agent.id === actor.id) this.recordDelivered(actor, messages);
    return messages.map((message) => this.streams.withStreamContent(message));
  }

  /** A message outside the rooms read is refused as a missing one would be: its id says nothing here. */
  private async placeOf(bound: { time: string } | { message: string }, roomIds: string[]): Promise<RecentPlace> {
    if ('time' in bound) return bound;
    const message = await this.ctx.store.messageById(bound.message);
    if (!message || !roomIds.includes(message.room)) throw new HubError('message_not_found');
    return { time: message.created_at, room: message.room, seq: message.seq };
  }
}
