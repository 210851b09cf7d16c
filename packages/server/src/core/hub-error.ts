/** The one error type the core throws; transports turn it into a REST body or an `error` frame. */
import { ERRORS, type ErrorBody, type ErrorCode } from '@roundtable/protocol';

export class HubError extends Error {
  readonly code: ErrorCode;
  readonly retryAfterMs: number | undefined;
  readonly details: unknown;

  constructor(
    code: ErrorCode,
    message?: string,
    options: { retryAfterMs?: number; details?: unknown; cause?: unknown } = {},
  ) {
    super(message ?? ERRORS[code].message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HubError';
    this.code = code;
    this.retryAfterMs = options.retryAfterMs;
    this.details = options.details;
  }

  get status(): number {
    return ERRORS[this.code].status;
  }

  toBody(): ErrorBody {
    const body: ErrorBody = { code: this.code, message: this.message };
    if (this.retryAfterMs !== undefined) body.retry_after_ms = this.retryAfterMs;
    if (this.details !== undefined) body.details = this.details;
    return body;
  }
}

/** Anything thrown that is not a HubError becomes `internal`, keeping the original as the cause. */
export function toHubError(error: unknown): HubError {
  if (error instanceof HubError) return error;
  return new HubError('internal', undefined, { cause: error });
}
