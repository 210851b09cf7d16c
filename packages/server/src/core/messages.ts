/**
 * Messages: send (mentions, targets, threads, who is woken), edit, delete, react, and the hub's
 * own notices. A member's sends are stored in the order they arrive and acknowledged after commit.
 */
import {
  Limits,
  MENTION_ALL,
  parseMentions,
  type Message,
  type MessageResult,
  type SendParams,
} from '@roundtable/protocol';
import type { Budgets } from './budgets.js';
import type { HubContext } from './context.js';
import { agentsToWake, audienceOf } from './delivery.js';
import { groupMentions } from './groups.js';
import { HubError } from './hub-error.js';
import { newId } from './ids.js';
import type { LoopDetector } from './loop-detector.js';
import { checkSizes } from './payload-limits.js';
import type { EventDraft, MemberRecord, MessageAudience, TrackedMember } from './ports.js';
import type { Receipts } from './receipts.js';
import type { Streams } from './streams.js';
import type { Usage } from './usage.js';
import type { WakeBudget } from './wake-budget.js';

/** What agents' messages pass besides the send itself: the wake budget, the repeat check, the usage report. */
export interface AgentChecks {
  wakeBudget: WakeBudget;
  loops: LoopDetector;
  usage: Usage;
}

/** What other features do after a message is stored. */
export interface SendHooks {
  /** A message in a conversation that has no title yet: its first message titles it. */
  untitledConversation(sender: MemberRecord, roomId: string, message: Message): Promise<void>;
}

export class Messages {
  /** Per member, the latest send still on its way to the store's queue. */
  private readonly sendOrder = new Map<string, Promise<void>>();

  constructor(
    private readonly ctx: HubContext,
    private readonly streams: Streams,
    private readonly budgets: Budgets,
    private readonly receipts: Receipts,
    private readonly checks: AgentChecks,
    private readonly hooks: SendHooks,
  ) {}

  private async checkRate(actor: MemberRecord): Promise<void> {
    const wait = await this.ctx.limiter.take(`msg:${actor.id}`, this.ctx.settings.memberRateLimit);
    if (wait > 0) throw new HubError('rate_limited', undefined, { retryAfterMs: wait });
  }

  /**
   * A member's sends are stored in the order they arrive: each waits until the one before it has
   * been queued for commit (not committed), so sends still share a transaction.
   */
  async send(
    actor: MemberRecord,
    params: SendParams,
    status: 'complete' | 'streaming' = 'complete',
  ): Promise<MessageResult> {
    const previous = this.sendOrder.get(actor.id);
    let queued!: () => void;
    const mine = new Promise<void>((resolve) => (queued = resolve));
    this.sendOrder.set(actor.id, mine);
    try {
      if (previous) await previous;
      return await this.sendInOrder(actor, params, status, queued);
    } finally {
      queued();
      if (this.sendOrder.get(actor.id) === mine) this.sendOrder.delete(actor.id);
    }
  }

  private async sendInOrder(
    actor: MemberRecord,
    params: SendParams,
    status: 'complete' | 'streaming',
    queued: () => void,
  ): Promise<MessageResult> {
    const { ctx } = this;
    ctx.requireMayPost(actor);
    await this.checkRate(actor);
    checkSizes(params.parts, params.metadata);
    const room = await ctx.roomForSend(params.room);
    await ctx.requireMembership(room.id, actor, room.kind);
    if (room.archived_at) throw new HubError('room_archived');
    if (actor.kind === 'agent') await this.budgets.requireBudget(actor, room.id);
    const members = await ctx.roomMembers(room.id);
    const views = await ctx.memberViews(room.id, members);
    const byHandle = new Map(views.map((view) => [view.handle, view]));

    const threadId = params.thread_id ? await ctx.threadIn(room.id, params.thread_id) : null;
    const mentioned = parseMentions(params.content);
    const mentionAll = mentioned.includes(MENTION_ALL);
    // A group's mention stands for those of its members who are in the room, as if each were mentioned.
    const elsewhere = mentioned.filter((handle) => handle !== MENTION_ALL && !byHandle.has(handle));
    const viaGroups = await groupMentions(ctx.store, elsewhere);
    const mentions = [
      ...new Set([...mentioned, ...viaGroups].filter((handle) => handle !== MENTION_ALL && byHandle.has(handle))),
    ];
    const targets = [...new Set(params.targets ?? [])];
    const unknown = targets.filter((handle) => !byHandle.has(handle));
    if (unknown.length > 0) {
      throw new HubError('unknown_target', `Not members of this room: ${unknown.map((h) => `@${h}`).join(', ')}.`, {
        details: { targets: unknown },
      });
    }
    const addressed = new Set(
      [...mentions, ...targets].map((handle) => byHandle.get(handle)!.id).filter((id) => id !== actor.id),
    );
    const threadAgents = new Set(threadId ? await ctx.store.threadAgents(threadId) : []);
    const wake = agentsToWake(views, {
      roomKind: room.kind,
      senderId: actor.id,
      mentionAll,
      addressed,
      threadAgents,
    });
    const woken = await this.checks.wakeBudget.admit(room, actor, wake);
    const looped = status === 'complete' && (await this.checks.loops.check(room.id, actor, params.content, wake));
    const facts = { roomKind: room.kind, sender: actor, views, members, addressed, mentionAll, wake: woken.wake };
    const receipts = this.receipts.tracked(facts);
    this.receipts.noteRooms([room]);
    const at = ctx.now();
    const insert = ctx.store.insertMessage(
      {
        id: newId('msg'),
        room_id: room.id,
        sender_id: actor.id,
        sender: actor.handle,
        sender_kind: actor.kind,
        content: params.content,
        mentions,
        targets,
        mention_all: mentionAll,
        thread_id: threadId,
        status,
        parts: params.parts ?? [],
        metadata: params.metadata ?? {},
        client_id: params.client_id ?? null,
        created_at: at,
        addressed: [...addressed],
        wake: woken.wake,
        receipts,
      },
      (message, quiet) => ({
        kind: 'message.created',
        actor: actor.handle,
        at,
        data: message,
        agents: quiet ? [] : woken.wake,
      }),
    );
    queued();
    const result = await insert;
    if (result.duplicate) {
      ctx.stats.duplicatesSuppressed += 1;
      return { message: this.streams.withStreamContent(result.message), duplicate: true };
    }
    ctx.publishEvent(result.event);
    ctx.stats.messagesSent += 1;
    if (status === 'complete' && actor.kind === 'agent') await this.spent(actor, room.id, params.metadata);
    if (status === 'streaming') {
      this.streams.open(result.message, {
        quiet: result.depthExceeded,
        senderId: actor.id,
        audience: audienceOf(result.depthExceeded ? [] : woken.wake, actor),
      });
    }
    if (room.kind === 'conversation' && room.title === null) {
      await this.hooks.untitledConversation(actor, room.id, result.message);
    }
    if (result.firstPastLimit) await this.postDepthNotice(room.id, room.agent_depth_limit);
    if (looped) await this.checks.loops.tell(room.id);
    if (woken.refused.length > 0) await this.checks.wakeBudget.tell(room, woken.refused);
    const notices = await this.receipts.afterSend(result.message, facts, receipts);
    if (notices.length === 0) return { message: result.message, duplicate: false };
    return { message: result.message, duplicate: false, notices: notices.map(({ type: _type, ...notice }) => notice) };
  }

  /** An agent's finished message counts toward its token budget and the usage report. */
  private async spent(actor: MemberRecord, roomId: string, metadata: Record<string, unknown> | undefined) {
    await this.budgets.spend(actor.id, roomId, metadata);
    await this.checks.usage.record(actor, roomId, metadata);
  }

  /**
   * An agent's streamed message has ended: what it reports is spent, and its text, now whole, is
   * checked for repeats. `audience`: whom its events reach; null when it woke no agent.
   */
  async streamFinished(
    actor: MemberRecord,
    roomId: string,
    content: string,
    audience: string[] | null,
    metadata: Record<string, unknown> | undefined,
  ): Promise<void> {
    if (actor.kind !== 'agent') return;
    await this.spent(actor, roomId, metadata);
    if (audience && (await this.checks.loops.check(roomId, actor, content, audience))) {
      await this.checks.loops.tell(roomId);
    }
  }

  private async postDepthNotice(roomId: string, limit: number): Promise<void> {
    const content =
      `Agent chain limit reached: ${limit} agent messages in a row without a person. ` +
      'Agents will not be woken in this room until a person posts.';
    await this.postSystem(roomId, content, { metadata: { notice: 'agent_depth_limit', limit } });
  }

  /** A notice from the hub itself; the members it mentions count it as a mention, and mentioned agents are woken. */
  async postSystem(
    roomId: string,
    content: string,
    options: {
      id?: string;
      mentions?: string[];
      threadId?: string | null;
      metadata?: Record<string, unknown>;
      /** Members whose receipts it keeps, beyond those it mentions: the workers a task card names. */
      track?: TrackedMember[];
    } = {},
  ): Promise<string> {
    const { ctx } = this;
    const system = ctx.system;
    const at = ctx.now();
    const mentioned = await ctx.store.membersByHandles(options.mentions ?? []);
    const agents = mentioned.filter((member) => member.kind === 'agent').map((member) => member.id);
    const result = await ctx.store.insertMessage(
      {
        id: options.id ?? newId('msg'),
        room_id: roomId,
        sender_id: system.id,
        sender: system.handle,
        sender_kind: 'system',
        content: content.slice(0, Limits.maxContentChars),
        mentions: mentioned.map((member) => member.handle),
        targets: [],
        mention_all: false,
        thread_id: options.threadId ?? null,
        status: 'complete',
        parts: [],
        metadata: options.metadata ?? {},
        client_id: null,
        created_at: at,
        addressed: mentioned.map((member) => member.id),
        wake: agents,
        receipts: [
          ...mentioned.map((member) => ({ member_id: member.id, member: member.handle, member_kind: member.kind })),
          ...(options.track ?? []),
        ].filter((tracked): tracked is TrackedMember => tracked.member_kind !== 'system'),
      },
      (message) => ({
        kind: 'message.created',
        actor: system.handle,
        at,
        data: message,
        agents,
      }),
    );
    if (!result.duplicate) ctx.publishEvent(result.event);
    return result.message.id;
  }

  /** The message, checked to be visible to the actor, with who it reached; `change` also requires a live room. */
  async messageFor(actor: MemberRecord, messageId: string, change = false): Promise<MessageAudience> {
    const { store } = this.ctx;
    const audience = await store.messageAudience(messageId);
    if (!audience) throw new HubError('message_not_found');
    const members = await this.ctx.roomMembers(audience.message.room);
    if (!members.has(actor.id)) throw new HubError('message_not_found');
    if (change && (await store.roomById(audience.message.room))?.archived_at) throw new HubError('room_archived');
    return audience;
  }

  async getMessage(actor: MemberRecord, messageId: string): Promise<Message> {
    return this.streams.withStreamContent((await this.messageFor(actor, messageId)).message);
  }

  async editMessage(actor: MemberRecord, messageId: string, content: string): Promise<Message> {
    this.ctx.requireMayPost(actor);
    const { message, senderId, wake, quiet } = await this.messageFor(actor, messageId, true);
    if (senderId !== actor.id && actor.role !== 'admin')
      throw new HubError('forbidden', 'Only the author or an admin may edit.');
    if (message.deleted) throw new HubError('message_not_found');
    if (message.status === 'streaming') throw new HubError('forbidden', 'A streaming message cannot be edited.');
    const at = this.ctx.now();
    const result = await this.ctx.store.updateMessage(messageId, { content, edited_at: at }, (updated) => ({
      kind: 'message.updated',
      actor: actor.handle,
      at,
      data: updated,
      agents: audienceOf(wake, { id: senderId, kind: message.sender_kind }),
      quiet,
    }));
    if (!result) throw new HubError('message_not_found');
    this.ctx.publishEvent(result.event);
    return result.message;
  }

  async deleteMessage(actor: MemberRecord, messageId: string): Promise<void> {
    const { message, senderId, wake, quiet } = await this.messageFor(actor, messageId, true);
    if (senderId !== actor.id && actor.role !== 'admin') {
      throw new HubError('forbidden', 'Only the author or an admin may delete.');
    }
    if (message.deleted) return;
    const at = this.ctx.now();
    this.streams.forget(messageId);
    const result = await this.ctx.store.updateMessage(
      messageId,
      { content: '', parts: [], metadata: {}, deleted_at: at },
      () => ({
        kind: 'message.deleted',
        actor: actor.handle,
        at,
        data: { id: messageId },
        agents: audienceOf(wake, { id: senderId, kind: message.sender_kind }),
        quiet,
      }),
    );
    if (result) this.ctx.publishEvent(result.event);
  }

  async react(actor: MemberRecord, messageId: string, emoji: string, add: boolean): Promise<boolean> {
    this.ctx.requireMayPost(actor);
    const { message, senderId, wake, quiet } = await this.messageFor(actor, messageId, true);
    if (message.deleted) throw new HubError('message_not_found');
    const draft: EventDraft = {
      kind: add ? 'reaction.added' : 'reaction.removed',
      actor: actor.handle,
      at: this.ctx.now(),
      data: { message_id: messageId, emoji, member: actor.handle },
      agents: audienceOf(wake, { id: senderId, kind: message.sender_kind }),
      quiet,
    };
    const { store } = this.ctx;
    const event = add
      ? await store.addReaction(messageId, actor.handle, emoji, draft)
      : await store.removeReaction(messageId, actor.handle, emoji, draft);
    if (event) this.ctx.publishEvent(event);
    return event !== undefined;
  }
}
