/**
 * The inbox: what is addressed to a member (see `addressedTo` in delivery.ts) after its inbox
 * cursors, across its rooms; acknowledging it; a wait for the next such message; and a member's live
 * view of its rooms (which of them are direct, which events are addressed to it) for MCP
 * subscriptions. The inbox cursors are the inbox's own: reading a room does not move them, and the
 * inbox moves no read cursor.
 */
import type { Message, ParsedParams, RoomKind } from '@roundtable/protocol';
import { viewerOf, type HubContext } from './context.js';
import { addressedTo } from './delivery.js';
import { HubError } from './hub-error.js';
import type { InboxRoom, MailboxKey, MemberRecord, StoredEvent, StoredEventOf } from './ports.js';

type Addressed = StoredEventOf<'message.created'>;

const SCAN_PAGE = 500;
/** Events an inbox reads per room and call, so a long-unacknowledged busy room cannot make one call huge. */
const INBOX_SCAN_LIMIT = 5_000;
/**
 * Scans one acknowledgement makes: each reads INBOX_SCAN_LIMIT events a room, so an ack passes up to
 * 100,000 events of a room at once, and a room long left unread still empties to the bound in one call.
 */
const MAX_ACK_PASSES = 20;
/** Waits one member may have at once on an instance: each one is told of every event. */
const MAX_WAITS_PER_MEMBER = 4;

export interface InboxPage {
  messages: Message[];
  has_more: boolean;
}

/** What a member's watch is told: each event of its rooms, and its own joins and leaves. */
export interface MemberWatcher {
  /** An event of one of the member's rooms; `addressed`: it belongs in the member's inbox. */
  event?(event: StoredEvent, addressed: boolean): void;
  /** The member joined or left a room (on any instance). */
  membership?(event: StoredEvent): void;
}

export interface InboxDeps {
  watchEvents(watcher: (event: StoredEvent) => void): () => void;
  withStreamContent(message: Message): Message;
  /** What an inbox returns has reached the member (a receipt's `delivered`). */
  delivered(member: MemberRecord, messages: Message[]): Promise<void>;
  /** The inbox was acknowledged from `from` up to `seq` in a room: the receipts it passed count as read. */
  acknowledged(member: MemberRecord, roomId: string, from: number, seq: number): Promise<void>;
}

export interface InboxQuery {
  limit: number;
  /** A room id: only that room. */
  roomId?: string;
  /** Only what comes after this place in the inbox's order. */
  after?: MailboxKey;
}

/** One room's part of an inbox read: what it found addressed, and how far it read. */
interface Scan {
  room: InboxRoom;
  found: Addressed[];
  through: number;
  complete: boolean;
}

/** The inbox's order, the outbox's too: by time, then room, then seq. */
export function compareKeys(a: MailboxKey, b: MailboxKey): number {
  return a.created_at.localeCompare(b.created_at) || a.room_id.localeCompare(b.room_id) || a.seq - b.seq;
}

function keyOf(event: Addressed): MailboxKey {
  return { created_at: event.at, room_id: event.room, seq: event.seq };
}

export class Inbox {
  /** Waits in progress per member on this instance. */
  private readonly waiting = new Map<string, number>();

  constructor(
    private readonly ctx: HubContext,
    private readonly deps: InboxDeps,
  ) {}

  /** The `inbox` request: its message id and room resolved for the actor, then `read`. */
  async page(actor: MemberRecord, params: ParsedParams<'inbox'>): Promise<InboxPage> {
    const query: InboxQuery = { limit: params.limit };
    if (params.room !== undefined) {
      const room = await this.ctx.resolveRoom(params.room);
      await this.ctx.requireMembership(room.id, actor);
      query.roomId = room.id;
    }
    if (params.after !== undefined) query.after = await this.keyOfMessage(actor, params.after);
    return this.read(actor, query);
  }

  /** What is addressed to the actor after its inbox cursors, oldest first across its rooms. Moves nothing. */
  async read(actor: MemberRecord, query: InboxQuery): Promise<InboxPage> {
    const { taken, has_more } = await this.scanAll(actor, query);
    return { messages: await this.current(actor, taken), has_more };
  }

  /** Reads as `read` does, then acknowledges what it returned (never a message still waiting to be returned). */
  async take(actor: MemberRecord, limit: number): Promise<InboxPage> {
    const { scans, taken, has_more } = await this.scanAll(actor, { limit });
    // Read before any cursor moves, so a failure here loses nothing.
    const messages = await this.current(actor, taken);
    const kept = new Set(taken);
    await this.advance(actor, scans, (event) => kept.has(event));
    return { messages, has_more };
  }

  /**
   * Acknowledges the inbox up to and including the message `upTo`: in each room, what the inbox
   * order puts at or before it, and the unaddressed events among them. Returns how many addressed
   * messages left the inbox.
   */
  async ack(actor: MemberRecord, upTo: string): Promise<{ up_to: string; acknowledged: number }> {
    const bound = await this.keyOfMessage(actor, upTo);
    const within = (event: Addressed) => compareKeys(keyOf(event), bound) <= 0;
    let acknowledged = 0;
    let rooms: Set<string> | undefined;
    for (let pass = 0; pass < MAX_ACK_PASSES; pass++) {
      const { scans } = await this.scanAll(actor, { limit: INBOX_SCAN_LIMIT }, rooms);
      const { passed, moved } = await this.advance(actor, scans, within, bound);
      acknowledged += passed;
      // Only a room read in part, whose cursor moved, may hold more before the bound: the next pass reads those alone.
      rooms = new Set(
        scans.filter((scan) => !scan.complete && moved.has(scan.room.room_id)).map((s) => s.room.room_id),
      );
      if (rooms.size === 0) break;
    }
    return { up_to: upTo, acknowledged };
  }

  /** Where a message the actor can read stands in the inbox's (and the outbox's) order. */
  async keyOfMessage(actor: MemberRecord, messageId: string): Promise<MailboxKey> {
    const message = await this.ctx.store.messageById(messageId);
    if (!message || !(await this.ctx.roomMembers(message.room)).has(actor.id)) throw new HubError('message_not_found');
    return { created_at: message.created_at, room_id: message.room, seq: message.seq };
  }

  private async scanAll(
    actor: MemberRecord,
    query: InboxQuery,
    only?: ReadonlySet<string>,
  ): Promise<{ scans: Scan[]; taken: Addressed[]; has_more: boolean }> {
    const scans: Scan[] = [];
    for (const room of await this.ctx.store.inboxRooms(actor.id)) {
      if (query.roomId !== undefined && room.room_id !== query.roomId) continue;
      if (only && !only.has(room.room_id)) continue;
      if (room.last_seq <= room.inbox_seq) continue;
      const scan = await this.scan(actor, room, query);
      if (scan.found.length > 0 || scan.through > room.inbox_seq) scans.push(scan);
    }
    const all = scans.flatMap((scan) => scan.found).sort((a, b) => compareKeys(keyOf(a), keyOf(b)));
    const after = query.after;
    const past = after ? all.filter((event) => compareKeys(keyOf(event), after) > 0) : all;
    const taken = past.slice(0, query.limit);
    return { scans, taken, has_more: past.length > query.limit || scans.some((scan) => !scan.complete) };
  }

  private async scan(actor: MemberRecord, room: InboxRoom, query: InboxQuery): Promise<Scan> {
    const me = { id: actor.id, handle: actor.handle, kind: actor.kind };
    const viewer = viewerOf(actor, 'addressed');
    const after = query.after;
    const found: Addressed[] = [];
    let counted = 0;
    let through = room.inbox_seq;
    let complete = false;
    for (let scanned = 0; counted <= query.limit && scanned < INBOX_SCAN_LIMIT;) {
      const events = await this.ctx.store.events(room.room_id, through, SCAN_PAGE, viewer);
      for (const event of events) {
        if (event.kind === 'message.created' && addressedTo(event, me, room.kind)) {
          found.push(event);
          if (!after || compareKeys(keyOf(event), after) > 0) counted += 1;
        }
        through = event.seq;
      }
      scanned += events.length;
      if (events.length < SCAN_PAGE) {
        complete = true;
        break;
      }
    }
    // An agent's view skips what is not addressed to it, so the room's end is as far as it read.
    if (complete) through = Math.max(through, room.last_seq);
    return { room, found, through, complete };
  }

  /** The messages as they are now: edited since, finished streaming, or deleted (those are left out). */
  private async current(actor: MemberRecord, events: Addressed[]): Promise<Message[]> {
    const current = await Promise.all(events.map((event) => this.ctx.store.messageById(event.data.id)));
    const messages = current
      .filter((message): message is Message => message !== undefined && !message.deleted)
      .map((message) => this.deps.withStreamContent(message));
    await this.deps.delivered(actor, messages);
    return messages;
  }

  /**
   * Moves each scanned room's inbox cursor past what `done` accepts, and past the unaddressed events
   * up to the first addressed one it does not (or, with `bound`, up to the bound's place). Returns
   * how many addressed messages it passed, and the rooms whose cursor moved.
   */
  private async advance(
    actor: MemberRecord,
    scans: Scan[],
    done: (event: Addressed) => boolean,
    bound?: MailboxKey,
  ): Promise<{ passed: number; moved: Set<string> }> {
    let passed = 0;
    const movedIn = new Set<string>();
    for (const scan of scans) {
      const firstLeft = scan.found.find((event) => !done(event));
      let cursor = firstLeft ? firstLeft.seq - 1 : scan.through;
      if (bound && bound.room_id === scan.room.room_id) cursor = Math.max(cursor, Math.min(bound.seq, scan.through));
      if (cursor <= scan.room.inbox_seq) continue;
      passed += scan.found.filter((event) => event.seq <= cursor).length;
      const moved = await this.ctx.store.advanceInbox(scan.room.room_id, actor.id, cursor);
      // Left meanwhile: nothing of that room is left to acknowledge.
      if (moved === undefined) continue;
      movedIn.add(scan.room.room_id);
      await this.deps.acknowledged(actor, scan.room.room_id, scan.room.inbox_seq, moved);
    }
    return { passed, moved: movedIn };
  }

  /**
   * Returns what is addressed to the actor (acknowledged), at once if something is waiting, else at
   * the next such message; empty with `timed_out` after `timeoutMs`. `cancelled`: the caller went
   * away (nothing more is read, so nothing is acknowledged); `stopping`: the hub is shutting down.
   */
  async waitForAddressed(
    actor: MemberRecord,
    options: { timeoutMs: number; limit: number; cancelled: AbortSignal; stopping: AbortSignal },
  ): Promise<InboxPage & { timed_out: boolean }> {
    const count = this.waiting.get(actor.id) ?? 0;
    if (count >= MAX_WAITS_PER_MEMBER) {
      throw new HubError('rate_limited', `At most ${MAX_WAITS_PER_MEMBER} waits at once; let one return first.`);
    }
    this.waiting.set(actor.id, count + 1);
    try {
      return await this.waitOnce(actor, options);
    } finally {
      const left = (this.waiting.get(actor.id) ?? 1) - 1;
      if (left > 0) this.waiting.set(actor.id, left);
      else this.waiting.delete(actor.id);
    }
  }

  private async waitOnce(
    actor: MemberRecord,
    options: { timeoutMs: number; limit: number; cancelled: AbortSignal; stopping: AbortSignal },
  ): Promise<InboxPage & { timed_out: boolean }> {
    // AbortSignal.timeout takes whole milliseconds only.
    const deadline = AbortSignal.any([
      options.cancelled,
      options.stopping,
      AbortSignal.timeout(Math.ceil(options.timeoutMs)),
    ]);
    let arrived = false;
    let wake = () => {};
    // Watching before reading, so a message arriving in between is not missed.
    const stop = await this.watchMember(actor, {
      event: (_event, addressed) => {
        if (!addressed) return;
        arrived = true;
        wake();
      },
    });
    try {
      for (;;) {
        arrived = false;
        const page = await this.take(actor, options.limit);
        if (page.messages.length > 0) return { ...page, timed_out: false };
        // A long backlog read only in part: the cursors moved, so read on at once.
        if (page.has_more && !deadline.aborted) continue;
        if (!deadline.aborted && !arrived) {
          await new Promise<void>((resolve) => {
            wake = resolve;
            deadline.addEventListener('abort', () => resolve(), { once: true });
          });
          wake = () => {};
        }
        if (options.stopping.aborted) throw new HubError('shutting_down');
        if (options.cancelled.aborted) return { messages: [], has_more: true, timed_out: true };
        if (deadline.aborted) return { messages: [], has_more: page.has_more, timed_out: true };
      }
    } finally {
      stop();
    }
  }

  /**
   * Tells `watcher` of the member's rooms' events from now on, each marked addressed or not by the
   * one rule of `addressedTo`, and of the member's joins and leaves. A room joined meanwhile counts
   * as direct until its kind is read, so nothing addressed is missed (a spurious wake costs the
   * caller one more inbox read). Returns the function that stops it.
   */
  async watchMember(member: MemberRecord, watcher: MemberWatcher): Promise<() => void> {
    const me = { id: member.id, handle: member.handle, kind: member.kind };
    const kinds = new Map<string, RoomKind>();
    const handle = (event: StoredEvent) => {
      if ((event.kind === 'member.joined' || event.kind === 'member.left') && event.data.member_id === member.id) {
        if (event.kind === 'member.left') kinds.delete(event.room);
        else {
          kinds.set(event.room, 'direct');
          this.ctx
            .resolveRoom(event.room)
            .then((room) => kinds.has(room.id) && kinds.set(room.id, room.kind))
            .catch(() => undefined);
        }
        watcher.membership?.(event);
        return;
      }
      const kind = kinds.get(event.room);
      if (kind !== undefined) watcher.event?.(event, addressedTo(event, me, kind));
    };
    // Events arriving while the rooms are read wait, so none is judged without its room's kind.
    let early: StoredEvent[] | undefined = [];
    const stop = this.deps.watchEvents((event) => (early ? early.push(event) : handle(event)));
    try {
      for (const room of await this.ctx.store.listRoomsOf(member.id)) kinds.set(room.id, room.kind);
    } catch (error) {
      stop();
      throw error;
    }
    const waiting = early;
    early = undefined;
    for (const event of waiting) handle(event);
    return stop;
  }
}
