/**
 * Delivery receipts (docs/receipts.md): for each member a message addresses, one state that only
 * moves forward, `stored` → `delivered` → `read` → `acted`, kept in the store with the time of each
 * step. The message insert stores them; each step is one UPDATE that sets a time still unset, so
 * instances racing to record the same step record it once, and each move is told to the room.
 */
import type { AgentNoticeFrame, Message, Receipt, ReceiptFrame, RoomKind } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import type { RoomMemberView } from './delivery.js';
import type {
  MemberRecord,
  MembershipRecord,
  MessageAudience,
  ReceiptRecord,
  StoredEvent,
  TrackedMember,
} from './ports.js';
import type { Presence } from './presence.js';
import { SettledMembers } from './receipt-hints.js';
import type { Session } from './sessions.js';

/**
 * Receipts one message keeps at most, agents first: `@all` in a room of thousands would otherwise
 * write thousands of rows per message, and a sender cannot read that many states anyway.
 */
export const MAX_RECEIPTS_PER_MESSAGE = 100;
/** A message older than this is not acted on by a reply any more: it bounds the scan each reply makes. */
const ACT_WINDOW_MS = 7 * 24 * 3_600_000;
/**
 * Deliveries are gathered this long, then recorded with one UPDATE: the receipts, and the frames
 * telling their senders, then share a statement and socket writes, and each member's rows in a room
 * (neighbours in the table) share the pages the commit writes. A sender sees "delivered" this much later.
 */
const DELIVERY_BATCH_MS = 200;
/** Room kinds this instance remembers (they never change); past this many it starts over. */
const MAX_KNOWN_ROOMS = 10_000;

export interface SendFacts {
  roomKind: RoomKind;
  sender: MemberRecord;
  views: RoomMemberView[];
  members: Map<string, MembershipRecord>;
  addressed: ReadonlySet<string>;
  mentionAll: boolean;
  wake: string[];
}

export class Receipts {
  /** Deliveries waiting for their UPDATE: per member, the messages it got, by room and seq. */
  private pending: Reached = new Map();
  private timer: NodeJS.Timeout | undefined;
  /** Writes under way that `close` waits for: the store closes after them. */
  private readonly writing = new Set<Promise<unknown>>();
  private readonly roomKinds = new Map<string, RoomKind>();

  private readonly settled = new SettledMembers();

  constructor(
    private readonly ctx: HubContext,
    private readonly presence: Presence,
    private readonly messageFor: (actor: MemberRecord, messageId: string) => Promise<MessageAudience>,
  ) {
    // Every instance hears of every new message, so a member settled here is unsettled in time.
    ctx.bus.subscribe((bus) => {
      if (bus.kind === 'event' && bus.event.kind === 'message.created')
        this.settled.messageSeen(bus.event.data, this.roomKinds.get(bus.event.room));
    });
    ctx.bus.onResync(() => this.settled.forgetAll());
  }

  /**
   * The members whose receipts a new message keeps: those it mentions or targets, everyone for
   * `@all`, the other members of a direct room or conversation, the agents it wakes (a thread they
   * take part in) and the agents listening to all. Never its sender or the hub itself.
   */
  tracked(facts: SendFacts): TrackedMember[] {
    const everyone = facts.mentionAll || facts.roomKind === 'direct' || facts.roomKind === 'conversation';
    const wake = new Set(facts.wake);
    const agents: TrackedMember[] = [];
    const people: TrackedMember[] = [];
    for (const view of facts.views) {
      if (view.id === facts.sender.id || view.kind === 'system') continue;
      const listensToAll = view.kind === 'agent' && facts.members.get(view.id)?.listen === 'all';
      if (!everyone && !facts.addressed.has(view.id) && !wake.has(view.id) && !listensToAll) continue;
      const entry = { member_id: view.id, member: view.handle, member_kind: view.kind };
      (view.kind === 'agent' ? agents : people).push(entry);
    }
    // Named people before those `@all` reached, when the cap cuts.
    people.sort((a, b) => Number(facts.addressed.has(b.member_id)) - Number(facts.addressed.has(a.member_id)));
    return [...agents, ...people].slice(0, MAX_RECEIPTS_PER_MESSAGE);
  }

  /** Rooms whose kind this instance learnt (a session attached, a message was sent): deliveries there need no lookup. */
  noteRooms(rooms: Iterable<{ id: string; kind: RoomKind }>): void {
    for (const room of rooms) {
      if (this.roomKinds.has(room.id)) continue;
      if (this.roomKinds.size >= MAX_KNOWN_ROOMS) this.roomKinds.clear();
      this.roomKinds.set(room.id, room.kind);
    }
  }

  /**
   * Right after a message is stored: tells its sender at once which addressed agents will not get it
   * now, and records that the message acts on earlier ones addressed to its sender.
   */
  async afterSend(message: Message, facts: SendFacts, tracked: TrackedMember[]): Promise<AgentNoticeFrame[]> {
    const notices = await this.noticesFor(message, tracked);
    for (const notice of notices) {
      this.ctx.bus.publish({
        kind: 'signal',
        room: null,
        members: [facts.sender.id],
        agentsToo: true,
        frame: JSON.stringify(notice),
      });
    }
    const direct = facts.roomKind === 'direct' || facts.roomKind === 'conversation';
    // The sender's ack does not wait for it: the receipts it moves are told to the room as they move.
    if (message.thread_id !== null || direct) {
      void this.whileWriting(
        this.acted(message.room, facts.sender.id, message.seq, {
          threadKey: message.thread_id,
          senders: [...facts.addressed],
          anyInRoom: direct,
        }).catch((error: unknown) => this.ctx.logger.warn({ err: error }, 'could not record what a message acted on')),
      );
    } else if (facts.addressed.size > 0 && !this.settled.has(message.room, facts.sender.handle)) {
      void this.whileWriting(
        this.actByAddressing(message, facts.sender, [...facts.addressed]).catch((error: unknown) =>
          this.ctx.logger.warn({ err: error }, 'could not record what a message acted on'),
        ),
      );
    }
    return notices;
  }

  /**
   * A message outside threads addressing others acts on what they sent its sender. A sender found
   * to have nothing open in the room is remembered as settled until a message may address them again:
   * in a busy room most senders have nothing to act on, and then pay for no statement at all.
   */
  private async actByAddressing(message: Message, sender: MemberRecord, senders: string[]): Promise<void> {
    const token = this.settled.checking(message.room, sender.handle);
    const since = new Date(this.ctx.clock.now() - ACT_WINDOW_MS).toISOString();
    if (await this.ctx.store.hasOpenReceipts(message.room, sender.id, since)) {
      await this.acted(message.room, sender.id, message.seq, { threadKey: null, senders, anyInRoom: false });
      return;
    }
    // An agent listening to all keeps a receipt of every message: it is never settled.
    const listen = this.ctx.cachedMembership(message.room, sender.id)?.listen;
    if (listen === 'addressed') this.settled.settle(message.room, sender.handle, token);
  }

  private async noticesFor(message: Message, tracked: TrackedMember[]): Promise<AgentNoticeFrame[]> {
    const offline: string[] = [];
    const disabled: string[] = [];
    for (const entry of tracked) {
      if (entry.member_kind !== 'agent') continue;
      const member = await this.ctx.member(entry.member_id).catch(() => undefined);
      if (member?.disabled) disabled.push(entry.member);
      else if (this.presence.presenceOf(entry.member_id) === 'offline') offline.push(entry.member);
    }
    const notices: AgentNoticeFrame[] = [];
    const base = { type: 'notice' as const, room: message.room, message: message.id, thread_id: message.thread_id };
    if (offline.length > 0) {
      const one = offline.length === 1;
      notices.push({
        ...base,
        code: 'agent_offline',
        members: offline,
        text: `${listOf(offline)} ${one ? 'is' : 'are'} offline; ${one ? 'it' : 'they'} will get this when ${one ? 'it connects' : 'they connect'}.`,
      });
    }
    if (disabled.length > 0) {
      const one = disabled.length === 1;
      notices.push({
        ...base,
        code: 'agent_disabled',
        members: disabled,
        text: `${listOf(disabled)} ${one ? 'is' : 'are'} disabled; ${one ? 'it' : 'they'} will not get this until an admin enables ${one ? 'it' : 'them'}.`,
      });
    }
    return notices;
  }

  /** A member's message, stream, or move of a task, made after `beforeSeq`: what it answers is acted on. */
  async acted(
    roomId: string,
    memberId: string,
    beforeSeq: number,
    how: { threadKey: string | null; senders: string[]; anyInRoom: boolean },
  ): Promise<void> {
    const at = this.ctx.clock.now();
    const moved = await this.ctx.store.markActed({
      roomId,
      memberId,
      beforeSeq,
      ...how,
      since: new Date(at - ACT_WINDOW_MS).toISOString(),
      at: new Date(at).toISOString(),
    });
    this.tell(moved);
  }

  /** A member claimed or reported the task whose card starts this thread: any message of it before now. */
  actedOnThread(roomId: string, memberId: string, threadKey: string): Promise<void> {
    // The largest seq a PostgreSQL integer column compares with.
    return this.acted(roomId, memberId, 2 ** 31 - 1, { threadKey, senders: [], anyInRoom: false });
  }

  /** A member's read cursor moved from `from` to `seq`: what it passed is read. */
  async read(roomId: string, memberId: string, from: number, seq: number): Promise<void> {
    if (seq <= from) return;
    this.tell(await this.ctx.store.markReadUpTo(roomId, memberId, from, seq, this.ctx.now()));
  }

  /**
   * An event reached one of a member's connections. Only a new message that may keep a receipt for
   * them is recorded; the UPDATE itself decides, and most messages never get this far.
   */
  deliveredEvent(event: StoredEvent, member: MemberRecord, listensToAll: boolean): void {
    if (event.kind !== 'message.created') return;
    const message = event.data;
    if (message.sender === member.handle) return;
    if (this.mayTrack(message, member, listensToAll) || (event.agents?.includes(member.id) ?? false)) {
      reached(this.pending, member, message);
      this.timer ??= setTimeout(() => void this.flush(), DELIVERY_BATCH_MS);
    }
  }

  /** Messages a member read through a call (a history page, an inbox, a wait): those are delivered. */
  async deliveredMessages(member: MemberRecord, messages: Message[]): Promise<void> {
    const batch: Reached = new Map();
    for (const message of messages) {
      if (message.sender !== member.handle && this.mayTrack(message, member, member.kind === 'agent'))
        reached(batch, member, message);
    }
    await this.record(batch);
  }

  private mayTrack(message: Message, member: MemberRecord, listensToAll: boolean): boolean {
    if (message.mention_all || (member.kind === 'agent' && listensToAll)) return true;
    if (message.mentions.includes(member.handle) || message.targets.includes(member.handle)) return true;
    if (message.thread_id !== null && member.kind === 'agent') return true;
    const kind = this.roomKinds.get(message.room);
    if (kind === undefined) {
      this.learnKind(message.room);
      return true;
    }
    return kind === 'direct' || kind === 'conversation';
  }

  private learnKind(roomId: string): void {
    void this.ctx.store
      .roomById(roomId)
      .then((room) => room && this.noteRooms([room]))
      .catch(() => undefined);
  }

  /** What was delivered since the last flush, recorded in one write. */
  private async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    const batch = this.pending;
    this.pending = new Map();
    await this.whileWriting(
      this.record(batch).catch((error: unknown) =>
        this.ctx.logger.warn({ err: error, members: batch.size }, 'could not record deliveries'),
      ),
    );
  }

  private async whileWriting(write: Promise<unknown>): Promise<void> {
    this.writing.add(write);
    try {
      await write;
    } finally {
      this.writing.delete(write);
    }
  }

  /** Records the deliveries still gathered and waits for every step being recorded: call before the store closes. */
  async close(): Promise<void> {
    if (this.timer) await this.flush();
    await Promise.all([...this.writing]);
  }

  /** One UPDATE for the batch; each receipt that moved is told from the message in hand. */
  private async record(batch: Reached): Promise<void> {
    const deliveries = [...batch.values()].flatMap(({ member, rooms }) =>
      [...rooms].map(([roomId, messages]) => ({ memberId: member.id, roomId, seqs: [...messages.keys()] })),
    );
    if (deliveries.length === 0) return;
    const at = this.ctx.now();
    const moved: ReceiptRecord[] = [];
    for (const { memberId, roomId, seq, senderId } of await this.ctx.store.markDelivered(deliveries, at)) {
      const entry = batch.get(memberId);
      const message = entry?.rooms.get(roomId)?.get(seq);
      if (entry && message) moved.push(deliveredReceipt(entry.member, message, senderId, at));
    }
    this.tell(moved);
  }

  /**
   * Each receipt that moved, to the message's sender and to the connections that asked for its
   * receipts: a frame to every member of a big room for every step would cost more than the message.
   */
  private tell(moved: ReceiptRecord[]): void {
    for (const record of moved) {
      const frame: ReceiptFrame = {
        type: 'receipt',
        room: record.room_id,
        message: record.message_id,
        ...receiptOf(record),
      };
      this.ctx.bus.publish({
        kind: 'signal',
        room: null,
        members: [record.sender_id],
        agentsToo: true,
        frame: JSON.stringify(frame),
        follow: record.message_id,
        lazy: true,
      });
    }
  }

  /** The receipts of a message the actor can read; a live connection that asks hears of them moving from then on. */
  async list(
    actor: MemberRecord,
    messageId: string,
    session?: Session,
  ): Promise<{ message: string; receipts: Receipt[] }> {
    await this.messageFor(actor, messageId);
    if (session) this.ctx.sessions.follow(session, messageId);
    return { message: messageId, receipts: (await this.ctx.store.receiptsOf([messageId])).map(receiptOf) };
  }
}

/** Per member, the messages that reached it, by room and seq. */
type Reached = Map<string, { member: MemberRecord; rooms: Map<string, Map<number, Message>> }>;

function reached(batch: Reached, member: MemberRecord, message: Message): void {
  let entry = batch.get(member.id);
  if (!entry) batch.set(member.id, (entry = { member, rooms: new Map() }));
  let messages = entry.rooms.get(message.room);
  if (!messages) entry.rooms.set(message.room, (messages = new Map()));
  messages.set(message.seq, message);
}

/** A receipt the moment it becomes delivered: neither read nor acted on, or it would have been delivered already. */
function deliveredReceipt(member: MemberRecord, message: Message, senderId: string, at: string): ReceiptRecord {
  return {
    message_id: message.id,
    room_id: message.room,
    seq: message.seq,
    member_id: member.id,
    member: member.handle,
    member_kind: member.kind === 'agent' ? 'agent' : 'person',
    sender_id: senderId,
    thread_key: message.thread_id ?? message.id,
    state: 'delivered',
    stored_at: message.created_at,
    delivered_at: at,
    read_at: null,
    acted_at: null,
  };
}

export function receiptOf(record: ReceiptRecord): Receipt {
  return {
    member: record.member,
    kind: record.member_kind,
    state: record.state,
    stored_at: record.stored_at,
    delivered_at: record.delivered_at,
    read_at: record.read_at,
    acted_at: record.acted_at,
  };
}

function listOf(handles: string[]): string {
  const named = handles.map((handle) => `@${handle}`);
  return named.length === 1 ? named[0]! : `${named.slice(0, -1).join(', ')} and ${named.at(-1)!}`;
}
