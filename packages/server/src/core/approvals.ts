/**
 * Approvals: an agent asks the people of a room to allow an action and waits for the answer. The
 * request is a record of its own and a system message in the room (its card, `metadata.approval`),
 * which every decision or expiry updates: each step is a `message.updated` event of the room's log.
 * A timeout is a denial. The waiter may sit on another instance than the decider: it learns of the
 * decision from the card's event, which the fan-out brings to every instance in the room's order.
 */
import { Limits, type Approval, type ApprovalStatus, type ParsedParams } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { HubError } from './hub-error.js';
import { newId } from './ids.js';
import type { ApprovalRecord, MemberRecord, StoredEvent } from './ports.js';

export interface ApprovalsHooks {
  /** Posts the request's card as a system message with this id. */
  postSystem(
    roomId: string,
    content: string,
    options: { id: string; threadId: string | null; metadata: Record<string, unknown> },
  ): Promise<string>;
  /** Tells the approvals of every event this instance delivers; returns the function that stops it. */
  watchEvents(watcher: (event: StoredEvent) => void): () => void;
}

type Params = ParsedParams<'approval.request'>;
/** Called with the request once it is settled, or with nothing when the hub stops. */
type Waiter = (record: ApprovalRecord | undefined) => void;

/** Rows read per list before the caller's right to decide is checked: a list is for a person to read. */
const LIST_SCAN = 500;

export class Approvals {
  /** Requests someone on this instance waits for, by id. */
  private readonly waiters = new Map<string, Set<Waiter>>();
  private stopWatching: (() => void) | undefined;
  private stopped = false;

  constructor(
    private readonly ctx: HubContext,
    private readonly hooks: ApprovalsHooks,
  ) {}

  /** Expires what fell due while no instance ran, and starts following decisions made anywhere. */
  async start(): Promise<void> {
    this.stopped = false;
    this.stopWatching = this.hooks.watchEvents((event) => this.onEvent(event));
    // Pub/sub may have lost a decision's event: the store says what became of every awaited request.
    this.ctx.bus.onResync(() => {
      for (const id of this.waiters.keys()) void this.recheck(id);
    });
    await this.expireDue();
  }

  /** Waiters are answered `shutting_down`: the agent asks again on the instance it reconnects to. */
  stop(): void {
    this.stopped = true;
    this.stopWatching?.();
    this.stopWatching = undefined;
    for (const waiters of this.waiters.values()) for (const waiter of waiters) waiter(undefined);
    this.waiters.clear();
  }

  /** Posts a request and waits until it is decided or has expired (or `cancelled` fires): its outcome. */
  async request(actor: MemberRecord, params: Params, cancelled?: AbortSignal): Promise<Approval> {
    return view(await this.wait(await this.open(actor, params), cancelled));
  }

  /** Posts a request in the room (or thread), without waiting. */
  async open(actor: MemberRecord, params: Params): Promise<ApprovalRecord> {
    const { ctx } = this;
    ctx.requireMayPost(actor);
    const room = await ctx.visibleRoom(actor, params.room);
    if (room.archived_at) throw new HubError('room_archived');
    const threadId = params.thread_id ? await ctx.threadIn(room.id, params.thread_id) : null;
    const named = [...new Set(params.deciders ?? [])];
    const found = await ctx.store.membersByHandles(named);
    if (found.length < named.length) {
      const missing = named.filter((handle) => !found.some((member) => member.handle === handle));
      throw new HubError('member_not_found', `No member ${missing.map((handle) => `@${handle}`).join(', ')}.`);
    }
    const now = ctx.clock.now();
    const record: ApprovalRecord = {
      id: newId('apv'),
      room_id: room.id,
      thread_id: threadId,
      message_id: newId('msg'),
      requester_id: actor.id,
      requester: actor.handle,
      action: params.action,
      details: params.details ?? null,
      reason: params.reason ?? '',
      deciders: named,
      status: 'pending',
      decided_by: null,
      note: '',
      created_at: new Date(now).toISOString(),
      decided_at: null,
      expires_at: new Date(now + params.timeout_ms).toISOString(),
    };
    await ctx.store.insertApproval(record);
    await this.hooks.postSystem(room.id, cardText(record), {
      id: record.message_id,
      threadId,
      metadata: { approval: view(record) },
    });
    return record;
  }

  /** The request once it is no longer pending: decided anywhere, or expired by this instance's timer. */
  wait(record: ApprovalRecord, cancelled?: AbortSignal): Promise<ApprovalRecord> {
    if (record.status !== 'pending') return Promise.resolve(record);
    return new Promise((resolve, reject) => {
      if (cancelled?.aborted) return reject(new HubError('invalid_request', 'The wait was cancelled.'));
      // Past its time the request is a denial for its waiter, even when the store cannot say so yet:
      // every later read or decision expires it there too.
      const timer = setTimeout(
        () =>
          void this.expireOne(record.id, record.expires_at).then((final) =>
            done(
              final?.status === 'pending' || !final
                ? { ...record, status: 'expired', decided_at: this.ctx.now() }
                : final,
            ),
          ),
        Date.parse(record.expires_at) - this.ctx.clock.now(),
      );
      timer.unref();
      const finish = () => {
        clearTimeout(timer);
        cancelled?.removeEventListener('abort', onAbort);
        this.forgetWaiter(record.id, done);
      };
      const done: Waiter = (final) => {
        finish();
        if (final) resolve(final);
        else reject(new HubError('shutting_down'));
      };
      const onAbort = () => {
        finish();
        reject(new HubError('invalid_request', 'The wait was cancelled.'));
      };
      cancelled?.addEventListener('abort', onAbort, { once: true });
      let waiters = this.waiters.get(record.id);
      if (!waiters) this.waiters.set(record.id, (waiters = new Set()));
      waiters.add(done);
      // Registered first, then read: a decision made meanwhile is in the store or on its way as an event.
      void this.recheck(record.id);
    });
  }

  async decide(
    actor: MemberRecord,
    id: string,
    decision: 'approve' | 'deny',
    note: string | undefined,
  ): Promise<Approval> {
    const { store } = this.ctx;
    this.ctx.requireMayPost(actor);
    let record = await this.visible(actor, id);
    if (record.status === 'pending' && Date.parse(record.expires_at) <= this.ctx.clock.now()) {
      record = (await this.expireOne(id)) ?? record;
    }
    if (record.status !== 'pending') throw new HubError('approval_closed');
    if (!(await this.mayDecide(actor, record))) throw new HubError('not_approver');
    const decided = await store.decideApproval(id, {
      status: decision === 'approve' ? 'approved' : 'denied',
      decided_by: actor.handle,
      note: (note ?? '').trim(),
      at: this.ctx.now(),
    });
    if (!decided) {
      // Another decider won the race, or time ran out meanwhile.
      await this.expireOne(id);
      throw new HubError('approval_closed');
    }
    await this.showOutcome(decided, actor.handle);
    return view(decided);
  }

  /** Requests in the actor's rooms that the actor may decide, newest first. */
  async list(actor: MemberRecord, status: ApprovalStatus, limit: number): Promise<Approval[]> {
    await this.expireDue();
    const { store } = this.ctx;
    const rooms = await store.listRoomsOf(actor.id);
    const agents = await store.listMembers({ kind: 'agent' });
    const found = await store.listApprovals({
      roomIds: rooms.map((room) => room.id),
      requesterIds: agents.filter((agent) => agent.owner_id === actor.id).map((agent) => agent.id),
      status,
      limit: LIST_SCAN,
    });
    const shown: Approval[] = [];
    for (const record of found) {
      if (shown.length >= limit) break;
      if (await this.mayDecide(actor, record)) shown.push(view(record));
    }
    return shown;
  }

  /** The request, if the actor may see it: a member of its room, or the owner of the agent that asked. */
  private async visible(actor: MemberRecord, id: string): Promise<ApprovalRecord> {
    const record = await this.ctx.store.approvalById(id);
    if (!record) throw new HubError('approval_not_found');
    if ((await this.ctx.roomMembers(record.room_id)).has(actor.id)) return record;
    if (await this.ownsRequester(actor, record)) return record;
    throw new HubError('approval_not_found');
  }

  /** Owners answer for their agents; a person's `owner_id` is only the admin who created the account. */
  private async ownsRequester(actor: MemberRecord, record: ApprovalRecord): Promise<boolean> {
    const requester = await this.ctx.member(record.requester_id);
    return requester.kind === 'agent' && requester.owner_id === actor.id;
  }

  /**
   * The requester's owner, the room's owners, hub admins and the members the request names decide;
   * never the requester itself, whatever its role.
   */
  private async mayDecide(actor: MemberRecord, record: ApprovalRecord): Promise<boolean> {
    if (actor.id === record.requester_id) return false;
    if (await this.ownsRequester(actor, record)) return true;
    const membership = (await this.ctx.roomMembers(record.room_id)).get(actor.id);
    if (!membership) return false;
    return actor.role === 'admin' || membership.role === 'owner' || record.deciders.includes(actor.handle);
  }

  /**
   * Expires one request if its time is up, and shows it; the request as it now stands. Its own timer
   * gives its expiry as `due`: the wall clock may read a hair earlier than the timer's.
   */
  private async expireOne(id: string, due = ''): Promise<ApprovalRecord | undefined> {
    if (this.stopped) return undefined;
    try {
      const now = this.ctx.now();
      const [expired] = await this.ctx.store.expireApprovals(due > now ? due : now, id);
      if (expired) await this.showOutcome(expired, this.ctx.system.handle);
      return expired ?? (await this.recheck(id));
    } catch (error) {
      this.ctx.logger.warn({ err: error, approval: id }, 'could not expire an approval request');
      return undefined;
    }
  }

  private async expireDue(): Promise<void> {
    for (const expired of await this.ctx.store.expireApprovals(this.ctx.now())) {
      await this.showOutcome(expired, this.ctx.system.handle);
    }
  }

  /** Updates the card with the outcome, as an event of the room's log; wakes this instance's waiters at once. */
  private async showOutcome(record: ApprovalRecord, actor: string): Promise<void> {
    const { ctx } = this;
    const at = record.decided_at ?? ctx.now();
    const result = await ctx.store.updateMessage(
      record.message_id,
      { content: cardText(record), metadata: { approval: view(record) } },
      (message) => ({ kind: 'message.updated', actor, at, data: message, agents: [] }),
    );
    this.settle(record);
    if (result) ctx.publishEvent(result.event);
  }

  private onEvent(event: StoredEvent): void {
    if (event.kind !== 'message.updated' || event.data.sender_kind !== 'system') return;
    const approval = (event.data.metadata as { approval?: { id?: unknown } }).approval;
    if (typeof approval?.id === 'string' && this.waiters.has(approval.id)) void this.recheck(approval.id);
  }

  /** Reads the request and, once it is no longer pending, answers whoever waits for it here. */
  private async recheck(id: string): Promise<ApprovalRecord | undefined> {
    try {
      const record = await this.ctx.store.approvalById(id);
      if (record && record.status !== 'pending') this.settle(record);
      return record;
    } catch (error) {
      this.ctx.logger.warn({ err: error, approval: id }, 'could not read an approval request');
      return undefined;
    }
  }

  private settle(record: ApprovalRecord): void {
    for (const waiter of [...(this.waiters.get(record.id) ?? [])]) waiter(record);
  }

  private forgetWaiter(id: string, waiter: Waiter): void {
    const waiters = this.waiters.get(id);
    waiters?.delete(waiter);
    if (waiters?.size === 0) this.waiters.delete(id);
  }
}

export function view(record: ApprovalRecord): Approval {
  return {
    id: record.id,
    room: record.room_id,
    thread_id: record.thread_id,
    message_id: record.message_id,
    requester: record.requester,
    action: record.action,
    details: record.details,
    reason: record.reason,
    deciders: record.deciders,
    status: record.status,
    decided_by: record.decided_by,
    note: record.note,
    created_at: record.created_at,
    decided_at: record.decided_at,
    expires_at: record.expires_at,
  };
}

/** The card as text, for readers that do not draw it (agents, the CLI, search). */
function cardText(record: ApprovalRecord): string {
  const asked = `@${record.requester} asks for approval: \`${record.action.replace(/`/g, "'")}\``;
  const reason = record.reason ? `\n\n> ${record.reason.replace(/\n/g, '\n> ')}` : '';
  const outcome =
    record.status === 'pending'
      ? `\n\nWaiting for a decision until ${record.expires_at}.`
      : record.status === 'expired'
        ? '\n\nNo decision in time: denied.'
        : `\n\n${record.status === 'approved' ? 'Approved' : 'Denied'} by @${record.decided_by}` +
          (record.note ? `: ${record.note}` : '.');
  return `${asked}${reason}${outcome}`.slice(0, Limits.maxContentChars);
}
