/**
 * One instance's view of an MCP session whose state is shared (`mcp-sessions.ts`): made when a
 * request of the session reaches this instance, dropped when none has for a while. While requests
 * come it is attached to the hub like a connection, so its member shows as present and a revoked
 * token or a disabled member ends it; while the client's `GET` stream is open here, it watches the
 * member's rooms and sends that stream the notifications of the subscriptions.
 */
import { CloseCode } from '@roundtable/protocol';
import type { Authenticated } from '../core/hub.js';
import { HubError } from '../core/hub-error.js';
import type { MemberRecord } from '../core/ports.js';
import type { Session } from '../core/sessions.js';
import type { TransportContext } from './context.js';
import { INBOX_URI, resourceRoom, ROOM_URI_PREFIX, type McpServer } from './mcp-server.js';
import type { McpSessionRecord } from './mcp-sessions.js';

/** Resources one session may subscribe to. */
export const MAX_SUBSCRIPTIONS = 100;
/**
 * A session that has seen no request for this long is ended. Long, because a coding agent may sit
 * unused for hours and not every client starts a new session when told its old one is gone.
 */
export const SESSION_IDLE_MS = 24 * 3_600_000;
/** The shared session's life is extended at most this often: not one round trip per request. */
const TOUCH_EVERY_MS = 60_000;

/** A failure of the shared session store (Redis unreachable, say), as the hub's registered error. */
export async function shared<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof HubError) throw error;
    throw new HubError('sessions_unavailable', undefined, { cause: error });
  }
}

/** What a session view needs from its endpoint: tell the other instances, and forget it here. */
export interface SessionHost {
  context: TransportContext;
  /** Tells every instance (this one too) that the session's subscriptions changed, or that it ended. */
  announce(id: string, change: 'subscriptions' | 'ended' | 'stream'): void;
  forget(session: McpSession): void;
}

export class McpSession {
  readonly id: string;
  readonly tokenId: string | null;
  readonly protocolVersion: string;
  member: MemberRecord;
  lastSeen = Date.now();
  /** Requests under way here, `GET` streams included: a view with one is neither idle nor absent. */
  open = 0;
  /** Each subscribed resource by its own URI (a room by id), with the URI the client gave. */
  private subscriptions: Map<string, string>;
  /** Subscriptions changed here so far: a read of the store begun before one may miss it. */
  private changes = 0;
  /** When this view last extended the shared session's life. */
  private lastTouched: number;
  private hubSession: Session | undefined;
  private attaching: Promise<void> | undefined;
  /** The server holding this session's `GET` stream here, with what ends that stream. */
  private notifier: { server: McpServer; end: () => void } | undefined;
  private stopWatching: (() => void) | undefined;
  private watching: Promise<void> | undefined;
  private readonly requests = new Set<{ close(): Promise<void> }>();
  private dropped = false;

  constructor(
    private readonly host: SessionHost,
    record: McpSessionRecord,
    subscriptions: Map<string, string>,
    private readonly auth: Authenticated,
    /** A session just opened has its full life; one found in the store is extended at its first request here. */
    origin: 'opened' | 'found',
  ) {
    this.lastTouched = origin === 'opened' ? Date.now() : 0;
    this.id = record.id;
    this.tokenId = record.tokenId;
    this.protocolVersion = record.protocolVersion;
    this.member = auth.member;
    this.subscriptions = subscriptions;
  }

  /** A request of the session reached this instance: present, and the shared session lives on. */
  touch(): void {
    this.lastSeen = Date.now();
    if (this.lastSeen - this.lastTouched > TOUCH_EVERY_MS) {
      this.lastTouched = this.lastSeen;
      const { mcpSessions } = this.host.context;
      void mcpSessions.touch(this.id, this.member.id, SESSION_IDLE_MS).then(
        (alive) => alive || this.drop(true),
        (error: unknown) => this.host.context.log.warn({ err: error }, 'could not extend an mcp session'),
      );
    }
    if (this.hubSession || this.attaching || this.dropped) return;
    // `bind` hands over the hub's session before `attach` can fail, so it is always detached again.
    const connection = {
      presenceOnly: true,
      send: () => {},
      // A revoked token or a disabled member ends the session; a hub shutting down only leaves it to the others.
      close: (code: number) =>
        code === CloseCode.Unauthorized || code === CloseCode.Forbidden ? this.ended() : this.drop(),
      bind: (session: Session) => (this.hubSession = session),
    };
    this.attaching = this.host.context.hub.fanout
      .attach(connection, this.auth)
      .then(() => {
        if (this.dropped) this.absent();
      })
      .catch(() => this.absent())
      .finally(() => (this.attaching = undefined));
  }

  /** No longer present here; the shared session stays for the client's next request, here or elsewhere. */
  absent(): void {
    if (this.hubSession) this.host.context.hub.fanout.detach(this.hubSession);
    this.hubSession = undefined;
  }

  async subscribe(member: MemberRecord, uri: string): Promise<void> {
    const room = await resourceRoom(this.host.context.hub, member, uri);
    const own = room ? `${ROOM_URI_PREFIX}${room.id}` : INBOX_URI;
    const subscribed = await shared(this.host.context.mcpSessions.subscribe(this.id, own, uri, MAX_SUBSCRIPTIONS));
    if (subscribed === 'full') {
      throw new HubError('invalid_request', `At most ${MAX_SUBSCRIPTIONS} subscriptions per session.`);
    }
    if (subscribed === 'gone') {
      this.drop(true);
      throw new HubError('invalid_request', 'The session has ended: initialize a new one.');
    }
    this.subscriptions.set(own, uri);
    this.changes += 1;
    this.host.announce(this.id, 'subscriptions');
  }

  async unsubscribe(uri: string): Promise<void> {
    await shared(this.host.context.mcpSessions.unsubscribe(this.id, uri));
    for (const [own, given] of this.subscriptions) if (given === uri || own === uri) this.subscriptions.delete(own);
    this.changes += 1;
    this.host.announce(this.id, 'subscriptions');
  }

  /** Whether the client's `GET` stream is open here: only then do the subscriptions matter here. */
  get streams(): boolean {
    return this.notifier !== undefined;
  }

  /**
   * The subscriptions as the shared store has them now. A change made here while the store was read
   * may be missing from that answer, so it is read again until none was.
   */
  async reload(): Promise<void> {
    for (;;) {
      const seen = this.changes;
      const state = await shared(this.host.context.mcpSessions.get(this.id));
      if (!state) return this.drop(true);
      if (this.changes !== seen) continue;
      this.subscriptions = state.subscriptions;
      return;
    }
  }

  /**
   * The client's `GET` stream opened here, on `server`: from now on it gets the notifications, and
   * a stream the session had before, here or on another instance, ends (one stream per session).
   */
  async streaming(server: McpServer, end: () => void): Promise<void> {
    if (this.dropped) return end();
    this.notifier?.end();
    this.notifier = { server, end };
    this.host.announce(this.id, 'stream');
    // Subscriptions made on other instances before the stream opened here were not followed here.
    await this.reload();
    if (this.stopWatching || this.dropped) return;
    this.watching ??= this.watch().finally(() => (this.watching = undefined));
    await this.watching;
  }

  /** The member's rooms, watched while a stream is open here; the events the subscriptions name are told to it. */
  private async watch(): Promise<void> {
    const stop = await this.host.context.hub.inbox.watchMember(this.member, {
      membership: (event) => {
        if (event.kind === 'member.left') {
          const own = `${ROOM_URI_PREFIX}${event.room}`;
          if (this.subscriptions.delete(own))
            void this.host.context.mcpSessions.unsubscribe(this.id, own).catch(() => {});
        }
        void this.notifier?.server.sendResourceListChanged().catch(() => undefined);
      },
      event: (event, addressed) => {
        if (this.subscriptions.size === 0) return;
        const inbox = this.subscriptions.get(INBOX_URI);
        if (inbox && addressed) this.notify(inbox);
        const room = this.subscriptions.get(`${ROOM_URI_PREFIX}${event.room}`);
        if (room && event.kind.startsWith('message.')) this.notify(room);
      },
    });
    if (this.notifier && !this.dropped) this.stopWatching = stop;
    else stop();
  }

  /** The stream on `server` closed (or another replaced it): nothing here hears for the session any more. */
  streamClosed(server?: McpServer): void {
    if (server && this.notifier?.server !== server) return;
    const ending = this.notifier;
    this.notifier = undefined;
    this.stopWatching?.();
    this.stopWatching = undefined;
    ending?.end();
  }

  private notify(uri: string): void {
    this.notifier?.server.sendResourceUpdated({ uri }).catch(() => undefined);
  }

  /** A request of the session under way here: when the session ends, its answer is cut off. */
  serving(request: { close(): Promise<void> }): () => void {
    this.requests.add(request);
    return () => this.requests.delete(request);
  }

  /**
   * Not kept here any more: its stream (if here) ends and its member is no longer present through it.
   * When the session `ended`, its requests under way here end too (a `wait_for_messages`, say); when
   * only this instance lets it go (it is stopping, or the view idled), they finish as they would.
   */
  drop(ended = false): void {
    if (this.dropped) return;
    this.dropped = true;
    this.streamClosed();
    this.absent();
    if (ended) for (const request of this.requests) void request.close();
    this.host.forget(this);
  }

  /** Ended by the hub (a revoked token, a disabled member): a failure to say so is logged, not answered. */
  private ended(): void {
    this.end().catch((error: unknown) => this.host.context.log.warn({ err: error }, 'could not end an mcp session'));
  }

  /** The session is over everywhere: asked to end, a revoked token, a disabled member, or its time ran out. */
  async end(): Promise<void> {
    if (this.dropped) return;
    await shared(this.host.context.mcpSessions.end(this.id));
    this.host.announce(this.id, 'ended');
    this.drop(true);
  }
}
