/**
 * AI conversations: a person's private room with one agent, titled, listed with a preview,
 * renamed, and soft-deleted. Only the two of them can ever see it.
 */
import {
  MAX_TITLE_CHARS,
  NEW_CONVERSATION_TITLE,
  type Conversation,
  type Message,
  type RoomSummary,
} from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { HubError } from './hub-error.js';
import { newId } from './ids.js';
import type { Messages } from './messages.js';
import type { ConversationActivity, MemberRecord, MembershipRecord, RoomRecord } from './ports.js';
import { roomUpdated, type Rooms } from './rooms.js';

export class Conversations {
  constructor(
    private readonly ctx: HubContext,
    private readonly rooms: Rooms,
    private readonly messages: Messages,
  ) {}

  /**
   * A person starts a private conversation with an agent; only the two of them can ever see it.
   * Started without a message, it is untitled (its title null in the store, NEW_CONVERSATION_TITLE
   * on the wire) until its first message titles it.
   */
  async createConversation(
    actor: MemberRecord,
    params: { agent: string; content?: string; client_id?: string },
  ): Promise<{ conversation: Conversation; message: Message | null }> {
    const { ctx } = this;
    ctx.requireMayPost(actor);
    if (actor.kind !== 'person') throw new HubError('forbidden', 'Conversations are started by people.');
    if (params.content === undefined && params.client_id !== undefined) {
      throw new HubError('invalid_request', '`client_id` is the first message’s: it goes with `content`.');
    }
    const agent = await ctx.memberByHandle(params.agent);
    if (agent.kind !== 'agent') throw new HubError('invalid_request', `@${agent.handle} is not an agent.`);
    if (agent.disabled) throw new HubError('forbidden', `@${agent.handle} is disabled.`);
    // A create repeated after a lost answer (same client_id) returns the conversation it made.
    const earlier = params.client_id ? await ctx.store.messageByClientId(actor.id, params.client_id) : undefined;
    if (earlier) {
      const room = await ctx.store.roomById(earlier.room);
      if (room?.kind !== 'conversation' || room.deleted_at) throw new HubError('invalid_request', 'client_id reused.');
      return { conversation: await this.conversationOf(actor, room.id), message: earlier };
    }
    const room = await this.rooms.create(
      {
        id: newId('r'),
        name: null,
        kind: 'conversation',
        topic: '',
        created_by: actor.handle,
        created_at: ctx.now(),
        agent_depth_limit: ctx.settings.defaultAgentDepthLimit,
        direct_key: null,
        title: params.content === undefined ? null : titleFrom(params.content),
      },
      [actor, agent],
      'owner',
      actor,
    );
    if (params.content === undefined) return { conversation: await this.conversationOf(actor, room.id), message: null };
    const { message } = await this.messages.send(actor, {
      room: room.id,
      content: params.content,
      client_id: params.client_id,
    });
    return { conversation: await this.conversationOf(actor, room.id), message };
  }

  /**
   * The actor's conversations (a person's own, or an agent's with people), most recently active
   * first (a new message or a rename counts), a page at a time.
   */
  async listConversations(
    actor: MemberRecord,
    params: { limit: number; cursor?: string } = { limit: 50 },
  ): Promise<{ conversations: Conversation[]; next: string | null }> {
    const { store } = this.ctx;
    const before = params.cursor ? decodeCursor(params.cursor) : undefined;
    const found = await store.conversationsOf(actor.id, { limit: params.limit + 1, before });
    const page = found.slice(0, params.limit);
    if (page.length === 0) return { conversations: [], next: null };
    const summaries = new Map((await store.listRoomsOf(actor.id)).map((room) => [room.id, room]));
    const conversations = await Promise.all(
      page.map((entry) => this.conversationOf(actor, entry.id, summaries.get(entry.id), entry.active_at)),
    );
    const last = page.at(-1);
    return { conversations, next: found.length > params.limit && last ? encodeCursor(last) : null };
  }

  async renameConversation(actor: MemberRecord, id: string, title: string): Promise<Conversation> {
    const room = await this.ownConversation(actor, id);
    const at = this.ctx.now();
    const { event } = await this.ctx.store.updateRoom(room.id, { title: title.trim() }, roomUpdated(actor, at));
    this.ctx.publishEvent(event);
    return this.conversationOf(actor, room.id, undefined, at);
  }

  /**
   * The first message of an untitled conversation titles it, as a rename would (one `room.updated`).
   * The room is read again here, so that of two first messages sent together the later one rarely
   * titles it over the first; when it does, the title is still one of its own messages.
   */
  async titleFromFirstMessage(sender: MemberRecord, roomId: string, message: Message): Promise<void> {
    const room = await this.ctx.store.roomById(roomId);
    if (room?.kind !== 'conversation' || room.title !== null) return;
    const { event } = await this.ctx.store.updateRoom(
      room.id,
      { title: titleFrom(message.content) },
      roomUpdated(sender, message.created_at),
    );
    this.ctx.publishEvent(event);
  }

  /**
   * Soft delete: the room is marked deleted and both sides leave it, so every check that asks for
   * membership refuses it from then on; its messages stay in the store (and in exports).
   */
  async deleteConversation(actor: MemberRecord, id: string): Promise<string> {
    const { ctx } = this;
    const room = await this.ownConversation(actor, id);
    const at = ctx.now();
    const { event } = await ctx.store.updateRoom(room.id, { deleted_at: at }, roomUpdated(actor, at));
    ctx.publishEvent(event);
    for (const memberId of [...(await ctx.roomMembers(room.id)).keys()]) {
      await this.rooms.removeFromRoom(room.id, await ctx.member(memberId), actor, at);
    }
    return room.id;
  }

  /**
   * A conversation the actor takes part in. Any other room is not found here, even one the actor
   * may read: a conversation's routes are a conversation's only.
   */
  async requireConversation(actor: MemberRecord, id: string): Promise<void> {
    await this.conversationWith(actor, id);
  }

  private async conversationWith(
    actor: MemberRecord,
    id: string,
  ): Promise<{ room: RoomRecord; membership: MembershipRecord }> {
    const room = await this.ctx.resolveRoom(id);
    const membership = (await this.ctx.roomMembers(room.id)).get(actor.id);
    if (room.kind !== 'conversation' || !membership) throw new HubError('room_not_found');
    return { room, membership };
  }

  private async ownConversation(actor: MemberRecord, id: string): Promise<RoomRecord> {
    const { room, membership } = await this.conversationWith(actor, id);
    if (membership.role !== 'owner') throw new HubError('forbidden', 'Only the person who started it may do this.');
    return room;
  }

  private async conversationOf(
    actor: MemberRecord,
    roomId: string,
    summary?: RoomSummary,
    activeAt?: string,
  ): Promise<Conversation> {
    const { ctx } = this;
    const room = summary ?? (await ctx.store.listRoomsOf(actor.id)).find((candidate) => candidate.id === roomId);
    if (!room) throw new HubError('room_not_found');
    const members = await ctx.roomMembers(roomId);
    const [page, count, views] = await Promise.all([
      ctx.store.history(roomId, { limit: 1 }),
      ctx.store.countMessages(roomId),
      ctx.memberViews(roomId, members),
    ]);
    const last = page.messages.at(-1);
    const active = activeAt ?? last?.created_at ?? room.created_at;
    const excerpt = last ? excerptOf(last.content) : null;
    return {
      id: room.id,
      title: room.title ?? NEW_CONVERSATION_TITLE,
      owner: room.created_by,
      agent: views.find((view) => view.kind === 'agent')?.handle ?? '',
      created_at: room.created_at,
      // Outside a list page, the caller knows of a rename; otherwise the last message dates it.
      active_at: active,
      updated_at: active,
      message_count: count,
      unread: room.unread,
      last_message: last ? { id: last.id, sender: last.sender, excerpt: excerpt!, created_at: last.created_at } : null,
      preview: excerpt,
    };
  }
}

/** A conversation's first title: the first line of its first message, cut at a word near 200 characters. */
function titleFrom(content: string): string {
  const line = content.trim().split('\n')[0]!.trim();
  if (line.length <= MAX_TITLE_CHARS) return line;
  const cut = line.slice(0, MAX_TITLE_CHARS - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > MAX_TITLE_CHARS / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

function excerptOf(content: string): string {
  const flat = content.replace(/\s+/g, ' ').trim();
  return flat.length <= 140 ? flat : `${flat.slice(0, 139)}…`;
}

function encodeCursor(entry: ConversationActivity): string {
  return Buffer.from(JSON.stringify([entry.active_at, entry.id])).toString('base64url');
}

function decodeCursor(cursor: string): ConversationActivity {
  try {
    const [active_at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown];
    if (typeof active_at === 'string' && typeof id === 'string') return { active_at, id };
  } catch {
    // fall through to the error below
  }
  throw new HubError('invalid_request', 'The cursor is not one this hub gave out.');
}
