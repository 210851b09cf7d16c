/** The errors the SDK rejects with: the hub's own, and the three that only the client can detect. */
import { ERRORS, isErrorCode, type ErrorBody, type ErrorCode, type RequestType } from '@roundtable/protocol';

/** An error reported by the hub (an `error` frame, a non-2xx REST answer, a final close code). */
export class RoundtableError extends Error {
  override readonly name = 'RoundtableError';
  readonly code: ErrorCode;
  /** Present on `rate_limited`: how long to wait before trying again, in ms. */
  readonly retryAfterMs: number | undefined;
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message: string = ERRORS[code].message,
    options: { retryAfterMs?: number; details?: unknown; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  /** A hub newer than this SDK may send a code we do not know: it is kept in `details` under `internal`. */
  static from(body: ErrorBody): RoundtableError {
    const known = isErrorCode(body.code);
    return new RoundtableError(known ? body.code : 'internal', body.message, {
      retryAfterMs: body.retry_after_ms,
      details: known ? body.details : { code: body.code, details: body.details },
    });
  }
}

/**
 * No answer arrived in time. For a `send` the message may still have been stored: retrying with
 * the same `client_id` is safe, since the hub stores a client_id only once.
 */
export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
  readonly request: RequestType;
  readonly timeoutMs: number;

  constructor(request: RequestType, timeoutMs: number) {
    super(`No answer to ${request} within ${timeoutMs} ms`);
    this.request = request;
    this.timeoutMs = timeoutMs;
  }
}

/** The request never reached an answer because the client was closed, or was never connected. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';

  constructor(message = 'The client was closed before the request was answered') {
    super(message);
  }
}

/** The connection dropped after the request was written and before its answer: it may or may not have taken effect. */
export class ConnectionLostError extends Error {
  override readonly name = 'ConnectionLostError';
  readonly request: RequestType;

  constructor(request: RequestType) {
    super(`The connection dropped before ${request} was answered; it may or may not have taken effect`);
    this.request = request;
  }
}
