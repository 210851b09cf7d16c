/**
 * Password guessing, slowed per account whatever address it comes from: the first few sign-ins are
 * free, then each costs a growing wait (about 1 s, then 5 s, then 30 s), and a quiet account is free
 * again within minutes. The wait never exceeds 30 s, so an attacker cannot lock the owner out for
 * longer than that; the per-address limit of the anonymous routes stays in force beside it.
 */
import { HubError } from './hub-error.js';
import type { RateLimiter } from './ports.js';

/** Each stage lets a burst through, then its sustained rate; a sign-in must pass every stage. */
const STAGES = [
  { name: 'fast', perSecond: 1, burst: 5 },
  { name: 'slow', perSecond: 1 / 5, burst: 10 },
  { name: 'slowest', perSecond: 1 / 30, burst: 20 },
] as const;

/** Throws `rate_limited` with the wait when the account has been tried too often. */
export async function throttleSignIn(limiter: RateLimiter, handle: string): Promise<void> {
  let wait = 0;
  for (const stage of STAGES) {
    // A stage that refuses keeps its own tokens, so a flood does not push the wait past the slowest stage's.
    wait = Math.max(wait, await limiter.take(`signin:${stage.name}:${handle}`, stage));
    if (wait > 0) break;
  }
  if (wait > 0) {
    throw new HubError('rate_limited', 'Too many sign-ins to this account; wait before trying again.', {
      retryAfterMs: wait,
    });
  }
}
