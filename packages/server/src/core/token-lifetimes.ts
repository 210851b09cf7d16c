/**
 * How long tokens live. A sign-in session (a token with `last_used_at`) expires once unused for
 * `sessionIdleTtlMs` or at its `expires_at` (sign-in plus `sessionMaxTtlMs`), whichever comes first;
 * any other token only at the `expires_at` it was made with, if any. Use renews a session, but is
 * written down at most once a minute per token, so that a request stays a read; a live connection
 * is use, renewed by a sweep that also closes connections whose token reached its end.
 */
import { CloseCode } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { HubError } from './hub-error.js';
import type { TokenRecord } from './ports.js';

/** How stale a session's recorded use may get before a use records it again, in ms. */
export const RENEW_EVERY_MS = 60_000;

/** What a connection keeps of its token: when it ends regardless of use, and whether use renews it. */
export interface TokenLife {
  expiresAt: number | null;
  renews: boolean;
}

export class TokenLifetimes {
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: HubContext) {}

  /** A sign-in session's `expires_at` and `last_used_at`, from now. */
  newSession(): { expires_at: string; last_used_at: string } {
    const now = this.ctx.clock.now();
    return {
      expires_at: new Date(now + this.ctx.settings.sessionMaxTtlMs).toISOString(),
      last_used_at: new Date(now).toISOString(),
    };
  }

  /** When the token stops working unless it is used first (ms since the epoch); null: never. */
  endOf(token: TokenRecord): number | null {
    const absolute = token.expires_at === null ? null : Date.parse(token.expires_at);
    if (token.last_used_at === null) return absolute;
    const idle = Date.parse(token.last_used_at) + this.ctx.settings.sessionIdleTtlMs;
    return absolute === null ? idle : Math.min(absolute, idle);
  }

  /** Refuses an expired token with `auth_failed`; a session's use is recorded when the record is a minute old. */
  async use(token: TokenRecord): Promise<TokenLife> {
    const now = this.ctx.clock.now();
    const end = this.endOf(token);
    if (end !== null && end <= now) throw new HubError('auth_failed', 'The token has expired: sign in again.');
    const renews = token.last_used_at !== null;
    if (renews && now - Date.parse(token.last_used_at!) >= RENEW_EVERY_MS) {
      await this.ctx.store.touchTokens([token.id], new Date(now).toISOString());
    }
    return { expiresAt: token.expires_at === null ? null : Date.parse(token.expires_at), renews };
  }

  start(): void {
    this.sweeper = setInterval(() => {
      this.sweep().catch((error) => this.ctx.logger.warn({ err: error }, 'session sweep failed'));
    }, RENEW_EVERY_MS);
    this.sweeper.unref();
  }

  stop(): void {
    clearInterval(this.sweeper);
  }

  /**
   * Live connections are use: their sessions are renewed, in one statement. A connection whose token
   * reached its absolute end is closed as a revoked one is.
   */
  async sweep(): Promise<void> {
    const now = this.ctx.clock.now();
    const renewed = new Set<string>();
    for (const session of this.ctx.sessions.all) {
      const life = session.tokenLife;
      if (!life || session.tokenId === null) continue;
      if (life.expiresAt !== null && life.expiresAt <= now) {
        session.connection.close(CloseCode.Unauthorized, 'token expired');
        continue;
      }
      if (life.renews) renewed.add(session.tokenId);
    }
    await this.ctx.store.touchTokens([...renewed], new Date(now).toISOString());
  }
}
