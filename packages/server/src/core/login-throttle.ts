/**
 * Password guessing, slowed per account. Two limits, both shared by every instance:
 *
 * - Per account and address: the first few sign-ins are free, then each costs a growing wait (about
 *   1 s, then 5 s, then 30 s). One address cannot guess fast at one account.
 * - Per account, across addresses: after 20 failed sign-ins (one more every 30 s), an address that has
 *   failed at this account in the last 10 minutes waits for the account's next allowance. Many
 *   addresses cannot guess fast together.
 *
 * Neither locks the owner out: an address that signed in to the account in the last 30 days is never
 * held by the second limit, and an address that has not failed there yet always gets its try. Only
 * someone who mistypes from a new address while the account is under attack shares the attacker's
 * 30 s allowance. The per-address limit of the anonymous routes stays in force beside both.
 */
import { HubError } from './hub-error.js';
import type { RateLimiter } from './ports.js';

/** Each stage lets a burst through, then its sustained rate; a sign-in must pass every stage. */
const STAGES = [
  { name: 'fast', perSecond: 1, burst: 5 },
  { name: 'slow', perSecond: 1 / 5, burst: 10 },
  { name: 'slowest', perSecond: 1 / 30, burst: 20 },
] as const;
/** Failed sign-ins an account takes from all addresses before failing addresses must wait. */
const ACCOUNT_FAILURES = { perSecond: 1 / 30, burst: 20 };
/** The longest wait a refusal asks for. */
const MAX_WAIT_MS = 30_000;
const FAILED_FOR_MS = 10 * 60_000;
const KNOWN_FOR_MS = 30 * 24 * 3_600_000;

function refuse(wait: number): HubError {
  return new HubError('rate_limited', 'Too many sign-ins to this account; wait before trying again.', {
    retryAfterMs: Math.min(wait, MAX_WAIT_MS),
  });
}

/** Before the password is checked: throws `rate_limited` when this address must wait for this account. */
export async function throttleSignIn(limiter: RateLimiter, handle: string, address: string): Promise<void> {
  const here = `${handle}:${address}`;
  // Taken one by one, each atomically, so that many sign-ins at once cannot all slip past a peek; what
  // an earlier stage spent when a later one refuses costs only this address.
  for (const stage of STAGES) {
    const wait = await limiter.take(`signin:${stage.name}:${here}`, stage);
    if (wait > 0) throw refuse(wait);
  }

  const accountWait = await limiter.peek(`signin:failures:${handle}`, ACCOUNT_FAILURES);
  if (accountWait === 0) return;
  const [failedHere, knownHere] = await Promise.all([
    limiter.marked(`signin:failed:${here}`),
    limiter.marked(`signin:known:${here}`),
  ]);
  if (failedHere && !knownHere) throw refuse(accountWait);
}

/** After the password was checked: a success makes the address known, a failure counts against the account. */
export async function recordSignIn(limiter: RateLimiter, handle: string, address: string, ok: boolean): Promise<void> {
  const here = `${handle}:${address}`;
  if (ok) {
    await limiter.mark(`signin:known:${here}`, KNOWN_FOR_MS);
    return;
  }
  await Promise.all([
    limiter.take(`signin:failures:${handle}`, ACCOUNT_FAILURES),
    limiter.mark(`signin:failed:${here}`, FAILED_FOR_MS),
  ]);
}
