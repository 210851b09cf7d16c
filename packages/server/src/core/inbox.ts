/**
 * The inbox: what is addressed to a member (see `addressedTo` in delivery.ts) after its read
 * cursors, across its rooms; a wait for the next such message; and a member's live view of its
 * rooms (which of them are direct, which events are addressed to it) for MCP subscriptions.
 */
import type { Message, RoomKind, RoomSummary } from '@roundtable/protocol';
import { viewerOf, type HubContext } from './context.js';
import { addressedTo } from './delivery.js';
import { HubError } from './hub-error.js';
import type { MemberRecord, StoredEvent, StoredEventOf } from './ports.js';

type Addressed = StoredEventOf<'message.created'>;

const SCAN_PAGE = 500;
/** Events an inbox reads per room and call, so a person's long-unread busy room cannot make one call huge. */
const INBOX_SCAN_LIMIT = 5_000;
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
  markRead(actor: MemberRecord, roomId: string, seq: number): Promise<unknown>;
  withStreamContent(message: Message): Message;
  /** What an inbox returns has reached the member (a receipt's `delivered`). */
  delivered(member: MemberRecord, messages: Message[]): Promise<void>;
}

export class Inbox {
  /** Waits in progress per member on this instance. */
  private readonly waiting = new Map<string, number>();

  constructor(
    private readonly ctx: HubContext,
    private readonly deps: InboxDeps,
  ) {}

  /**
   * What is addressed to the actor after its read cursors, oldest first across its rooms. With
   * `markRead`, each room's cursor moves past what was returned and past what was not addressed,
   * but never past a message still waiting to be returned.
   */
  async read(actor: MemberRecord, options: { limit: number; markRead: boolean }): Promise<InboxPage> {
    const { store } = this.ctx;
    const me = { id: actor.id, handle: actor.handle, kind: actor.kind };
    const viewer = viewerOf(actor, 'addressed');
    const scans: Array<{ room: RoomSummary; found: Addressed[]; through: number; complete: boolean }> = [];
    for (const room of await store.listRoomsOf(actor.id)) {
      if (room.last_seq <= room.read_seq) continue;
      const found: Addressed[] = [];
      let through = room.read_seq;
      let complete = false;
      for (let scanned = 0; found.length <= options.limit && scanned < INBOX_SCAN_LIMIT;) {
        const events = await store.events(room.id, through, SCAN_PAGE, viewer);
        for (const event of events) {
          if (event.kind === 'message.created' && addressedTo(event, me, room.kind)) found.push(event);
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
      if (found.length > 0 || through > room.read_seq) scans.push({ room, found, through, complete });
    }
    const all = scans
      .flatMap((scan) => scan.found)
      .sort((a, b) => a.at.localeCompare(b.at) || a.room.localeCompare(b.room) || a.seq - b.seq);
    const taken = new Set(all.slice(0, options.limit));
    // As they are now: edited since, finished streaming, or deleted (those are left out). Read before
    // any cursor moves, so a failure here loses nothing.
    const current = await Promise.all([...taken].map((event) => store.messageById(event.data.id)));
    const messages = current
      .filter((message): message is Message => message !== undefined && !message.deleted)
      .map((message) => this.deps.withStreamContent(message));
    // Delivered before read, so that the sender sees both steps.
    await this.deps.delivered(actor, messages);
    if (options.markRead) {
      for (const scan of scans) {
        const firstLeft = scan.found.find((event) => !taken.has(event));
        const cursor = firstLeft ? firstLeft.seq - 1 : scan.through;
        if (cursor <= scan.room.read_seq) continue;
        try {
          await this.deps.markRead(actor, scan.room.id, cursor);
        } catch (error) {
          // Left meanwhile, or the room is gone: nothing of it is left to read.
          if (!(error instanceof HubError && (error.code === 'not_member' || error.code === 'room_not_found'))) {
            throw error;
          }
        }
      }
    }
    return { messages, has_more: all.length > options.limit || scans.some((scan) => !scan.complete) };
  }

  /**
   * Returns what is addressed to the actor (marked read), at once if something is waiting, else at
   * the next such message; empty with `timed_out` after `timeoutMs`. `cancelled`: the caller went
   * away (nothing more is read, so nothing is marked read); `stopping`: the hub is shutting down.
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
        const page = await this.read(actor, { limit: options.limit, markRead: true });
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
