/**
 * Live connections and what each has been sent: per room a cursor, so that fan-out and catch-up
 * after a resume never send an event twice, and send each room's events in seq order.
 */
import { CloseCode, type ListenMode } from '@roundtable/protocol';
import { receives, type Viewer } from './delivery.js';
import type { MemberRecord, StoredEvent } from './ports.js';
import type { TokenLife } from './token-lifetimes.js';

/** What the core needs of a client connection, whatever the transport. */
export interface Connection {
  /**
   * Sends one serialized frame; the transport enforces its own backpressure limit. `bytes`, when
   * given, is the same frame as UTF-8, encoded once for every recipient of a fan-out.
   */
  send(frame: string, bytes?: Buffer): void;
  /**
   * Sends a frame that may wait a moment for the connection's next write (a receipt): a transport
   * without it sends at once.
   */
  sendLater?(frame: string): void;
  close(code: number, reason: string): void;
  /** Told its session before the first frame is sent, so the transport can detach it however it ends. */
  bind?(session: Session): void;
  /** How full the outgoing buffer is, from 0 to 1 (the slow-consumer limit): a catch-up waits while it is high. */
  pressure?(): number;
  /**
   * Marks its member present and nothing more (an MCP session): frames sent to it reach nobody, so
   * they are no delivery; its member gets messages from its calls instead.
   */
  readonly presenceOnly?: boolean;
}

export interface RoomCursor {
  /** The highest seq sent on this connection for the room (or the boundary it started from). */
  cursor: number;
  listen: ListenMode;
  /** While catching up from the store, live events wait in `buffer` so the order holds. */
  syncing: boolean;
  buffer: Array<{ event: StoredEvent; frame: string }>;
}

/** Live events one room may hold back for a connection while it catches up from the store. */
const MAX_CATCH_UP_BUFFER = 10_000;

export class Session {
  readonly rooms = new Map<string, RoomCursor>();
  /** Messages whose receipts this connection asked for, oldest first. */
  readonly following = new Set<string>();
  status: 'online' | 'away' = 'online';

  constructor(
    readonly id: string,
    readonly connection: Connection,
    public member: MemberRecord,
    readonly tokenId: string | null,
    /** Its token's end, and whether the connection renews it while it lasts. */
    readonly tokenLife?: TokenLife,
  ) {}

  viewer(room: RoomCursor): Viewer {
    return { id: this.member.id, handle: this.member.handle, kind: this.member.kind, listen: room.listen };
  }

  /** Sends a live event if this member receives it and it is new on this connection. */
  deliver(event: StoredEvent, frame: string, bytes?: Buffer): boolean {
    const room = this.rooms.get(event.room);
    if (!room || !receives(event, this.viewer(room))) return false;
    if (room.syncing) {
      // A catch-up slower than the room's live traffic would buffer without end: the client resumes later instead.
      if (room.buffer.length >= MAX_CATCH_UP_BUFFER) {
        this.connection.close(CloseCode.SlowConsumer, 'slow consumer: resume from your cursors');
        return false;
      }
      room.buffer.push({ event, frame });
      return false;
    }
    if (event.seq <= room.cursor) return false;
    room.cursor = event.seq;
    this.connection.send(frame, bytes);
    return true;
  }
}

/** Messages one connection may follow the receipts of: the oldest is dropped past this. */
const MAX_FOLLOWED = 500;

/** Sessions indexed by member and by room, for fan-out, and by the messages whose receipts they follow. */
export class SessionRegistry {
  private readonly byMember = new Map<string, Set<Session>>();
  private readonly byRoom = new Map<string, Set<Session>>();
  private readonly byFollowed = new Map<string, Set<Session>>();
  readonly all = new Set<Session>();

  add(session: Session): void {
    this.all.add(session);
    addTo(this.byMember, session.member.id, session);
    for (const roomId of session.rooms.keys()) addTo(this.byRoom, roomId, session);
  }

  remove(session: Session): void {
    this.all.delete(session);
    removeFrom(this.byMember, session.member.id, session);
    for (const roomId of session.rooms.keys()) removeFrom(this.byRoom, roomId, session);
    for (const messageId of session.following) removeFrom(this.byFollowed, messageId, session);
  }

  /** From now on the session hears of the message's receipts as they move (it asked for them). */
  follow(session: Session, messageId: string): void {
    if (!this.all.has(session) || session.following.has(messageId)) return;
    if (session.following.size >= MAX_FOLLOWED) {
      const oldest = session.following.values().next().value!;
      session.following.delete(oldest);
      removeFrom(this.byFollowed, oldest, session);
    }
    session.following.add(messageId);
    addTo(this.byFollowed, messageId, session);
  }

  followersOf(messageId: string): ReadonlySet<Session> {
    return this.byFollowed.get(messageId) ?? EMPTY;
  }

  attachRoom(session: Session, roomId: string, cursor: RoomCursor): void {
    session.rooms.set(roomId, cursor);
    if (this.all.has(session)) addTo(this.byRoom, roomId, session);
  }

  detachRoom(session: Session, roomId: string): void {
    session.rooms.delete(roomId);
    removeFrom(this.byRoom, roomId, session);
  }

  ofMember(memberId: string): ReadonlySet<Session> {
    return this.byMember.get(memberId) ?? EMPTY;
  }

  inRoom(roomId: string): ReadonlySet<Session> {
    return this.byRoom.get(roomId) ?? EMPTY;
  }

  isOnline(memberId: string): boolean {
    return this.byMember.has(memberId);
  }

  get size(): number {
    return this.all.size;
  }
}

const EMPTY: ReadonlySet<Session> = new Set();

function addTo(index: Map<string, Set<Session>>, key: string, session: Session): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(session);
}

function removeFrom(index: Map<string, Set<Session>>, key: string, session: Session): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(session);
  if (set.size === 0) index.delete(key);
}
