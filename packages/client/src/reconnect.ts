/**
 * When a lost connection is opened again: never after a failure the same token cannot get past, else
 * after a backoff delay.
 */
import { CloseCode, type ErrorCode } from '@roundtable/protocol';
import { Backoff, type BackoffOptions } from './backoff.js';
import { RoundtableError } from './errors.js';
import type { Logger } from './options.js';

/** Close codes after which reconnecting with the same token cannot succeed, or must not. */
const FINAL_CLOSE: Partial<Record<number, ErrorCode>> = {
  [CloseCode.Unauthorized]: 'auth_failed',
  [CloseCode.Forbidden]: 'member_disabled',
  // The member's newer connections are live: reconnecting would close the next oldest, and so on.
  [CloseCode.ConnectionLimit]: 'too_many_connections',
};
/** Answers to the auth frame after which reconnecting with the same token cannot succeed. */
const FINAL_AUTH_ERRORS = new Set<ErrorCode>(['auth_required', 'auth_failed', 'member_disabled']);

/**
 * The error that ends the client after this close (`cause`: the hub's answer to the auth frame), or
 * undefined when retrying may work.
 */
export function finalFailure(code: number, reason: string, cause?: RoundtableError): RoundtableError | undefined {
  if (cause && FINAL_AUTH_ERRORS.has(cause.code)) return cause;
  const errorCode = FINAL_CLOSE[code];
  return errorCode === undefined ? undefined : new RoundtableError(errorCode, reason || undefined);
}

export class Reconnect {
  private readonly backoff: Backoff;
  private readonly logger: Logger;
  private readonly open: () => void;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(backoff: BackoffOptions, logger: Logger, open: () => void) {
    this.backoff = new Backoff(backoff);
    this.logger = logger;
    this.open = open;
  }

  /** `minDelayMs` is the hub's own retry_after, which the jittered delay may not undercut. */
  schedule(minDelayMs: number, why: string): void {
    const delay = Math.max(this.backoff.next(), minDelayMs);
    this.logger.warn(`roundtable: ${why}; reconnecting in ${delay} ms`);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.open();
    }, delay);
  }

  /** Called once a connection got `ready`, so the next outage starts with short delays again. */
  reset(): void {
    this.backoff.reset();
  }

  cancel(): void {
    clearTimeout(this.timer);
  }
}
