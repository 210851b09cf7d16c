/**
 * What every instance knows of the MCP sessions: a session's member, token, protocol version and
 * subscriptions live here, not in the instance that initialized it, so a load balancer may send each
 * of its requests anywhere. In Redis when several instances run (`redis-mcp-sessions.ts`), in this
 * process otherwise; both pass the same contract suite.
 */
import type { Clock } from '../core/ports.js';

export interface McpSessionRecord {
  id: string;
  memberId: string;
  /** The token that opened it: with any other, the session is as unknown as a closed one. */
  tokenId: string | null;
  /** As negotiated at initialization. */
  protocolVersion: string;
  /** When it was opened (ms since the epoch): past the member's limit, the oldest go first. */
  createdAt: number;
}

export interface McpSessionState {
  record: McpSessionRecord;
  /** Each subscribed resource by its own URI (a room by id), with the URI the client gave, which its notifications carry. */
  subscriptions: Map<string, string>;
}

export type Subscribed = 'kept' | 'full' | 'gone';

export interface McpSessionStore {
  /** Keeps a new session for `idleMs`; returns the member's sessions past `maxPerMember`, oldest first, now ended. */
  open(record: McpSessionRecord, idleMs: number, maxPerMember: number): Promise<string[]>;
  get(id: string): Promise<McpSessionState | undefined>;
  /** The session (of that member) lives `idleMs` from now; false when it ended meanwhile. */
  touch(id: string, memberId: string, idleMs: number): Promise<boolean>;
  /** `full` when the session already holds `max` other subscriptions; `gone` when it ended. */
  subscribe(id: string, own: string, given: string, max: number): Promise<Subscribed>;
  /** Drops the subscription that has this URI as its own or as the one the client gave. */
  unsubscribe(id: string, uri: string): Promise<void>;
  end(id: string): Promise<void>;
  close(): Promise<void>;
}

interface Kept {
  state: McpSessionState;
  expiresAt: number;
}

/** The sessions of a hub that runs alone. */
export class LocalMcpSessions implements McpSessionStore {
  private readonly sessions = new Map<string, Kept>();

  constructor(private readonly clock: Clock) {}

  async open(record: McpSessionRecord, idleMs: number, maxPerMember: number): Promise<string[]> {
    this.sweep();
    this.sessions.set(record.id, {
      state: { record, subscriptions: new Map() },
      expiresAt: this.clock.now() + idleMs,
    });
    const mine = [...this.sessions.values()]
      .map((kept) => kept.state.record)
      .filter((other) => other.memberId === record.memberId)
      .sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
    const ended = mine
      .filter((other) => other.id !== record.id)
      .slice(0, Math.max(0, mine.length - maxPerMember))
      .map((other) => other.id);
    for (const id of ended) this.sessions.delete(id);
    return ended;
  }

  async get(id: string): Promise<McpSessionState | undefined> {
    const kept = this.live(id);
    return kept && { record: kept.state.record, subscriptions: new Map(kept.state.subscriptions) };
  }

  async touch(id: string, _memberId: string, idleMs: number): Promise<boolean> {
    const kept = this.live(id);
    if (kept) kept.expiresAt = this.clock.now() + idleMs;
    return kept !== undefined;
  }

  async subscribe(id: string, own: string, given: string, max: number): Promise<Subscribed> {
    const subscriptions = this.live(id)?.state.subscriptions;
    if (!subscriptions) return 'gone';
    if (!subscriptions.has(own) && subscriptions.size >= max) return 'full';
    subscriptions.set(own, given);
    return 'kept';
  }

  async unsubscribe(id: string, uri: string): Promise<void> {
    const subscriptions = this.live(id)?.state.subscriptions;
    if (!subscriptions) return;
    for (const [own, given] of subscriptions) if (own === uri || given === uri) subscriptions.delete(own);
  }

  async end(id: string): Promise<void> {
    this.sessions.delete(id);
  }

  async close(): Promise<void> {
    this.sessions.clear();
  }

  private live(id: string): Kept | undefined {
    const kept = this.sessions.get(id);
    if (kept && kept.expiresAt <= this.clock.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    return kept;
  }

  private sweep(): void {
    const now = this.clock.now();
    for (const [id, kept] of this.sessions) if (kept.expiresAt <= now) this.sessions.delete(id);
  }
}
