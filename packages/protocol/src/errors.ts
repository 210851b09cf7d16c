/**
 * The error-code registry: every error the hub sends, over any transport, has one of these codes.
 * docs/errors.md is kept equal to this table by a test.
 */

export interface ErrorSpec {
  /** HTTP status used by REST and the simple endpoints; WebSocket and SSE carry it in the payload. */
  readonly status: number;
  /** Default human message; a specific error may carry a more precise one. */
  readonly message: string;
}

export const ERRORS = {
  bad_json: { status: 400, message: 'The frame or body is not valid JSON.' },
  unknown_frame: { status: 400, message: 'The frame type is not part of the protocol.' },
  invalid_request: { status: 400, message: 'The request does not match its schema.' },
  frame_too_large: { status: 413, message: 'The frame is larger than the hub accepts.' },
  nesting_too_deep: { status: 400, message: 'The frame or body nests objects and arrays deeper than the hub accepts.' },
  content_too_long: { status: 413, message: 'The message content is longer than 10,000 characters.' },
  auth_required: { status: 401, message: 'A token is required.' },
  auth_failed: { status: 401, message: 'The token is unknown, revoked or expired.' },
  auth_timeout: { status: 401, message: 'No auth frame arrived in time.' },
  bad_credentials: { status: 401, message: 'The handle or password is wrong.' },
  already_authenticated: { status: 409, message: 'This connection is already authenticated.' },
  member_disabled: { status: 403, message: 'This member has been disabled by an admin.' },
  forbidden: { status: 403, message: 'You are not allowed to do this.' },
  not_approver: {
    status: 403,
    message: 'Only the agent’s owner, the room’s admins and the members the request names may decide it.',
  },
  admin_only: { status: 403, message: 'Only an admin may do this.' },
  denylisted: { status: 403, message: 'You are on the denylist and may not post.' },
  registration_closed: { status: 403, message: 'Open registration is disabled on this hub.' },
  link_expired: { status: 410, message: 'This link was used already or has expired.' },
  not_member: { status: 403, message: 'You are not a member of this room.' },
  sender_mismatch: { status: 403, message: 'The sender does not match the token.' },
  origin_not_allowed: { status: 403, message: 'Requests from this web origin are not accepted.' },
  room_not_found: { status: 404, message: 'No such room.' },
  member_not_found: { status: 404, message: 'No such member.' },
  message_not_found: { status: 404, message: 'No such message.' },
  token_not_found: { status: 404, message: 'No such token.' },
  task_not_found: { status: 404, message: 'No such task.' },
  approval_not_found: { status: 404, message: 'No such approval request.' },
  group_not_found: { status: 404, message: 'No such group.' },
  route_not_found: { status: 404, message: 'No such endpoint.' },
  handle_taken: { status: 409, message: 'That handle is already taken.' },
  room_name_taken: { status: 409, message: 'A room with that name already exists.' },
  room_archived: { status: 409, message: 'The room is archived and read-only.' },
  not_streaming: { status: 409, message: 'The message is not streaming.' },
  invalid_transition: { status: 409, message: 'The task cannot make that move from its current status.' },
  lease_invalid: {
    status: 409,
    message: 'The lease token is wrong or the lease has expired: the task is no longer yours.',
  },
  approval_closed: { status: 409, message: 'The request was decided already, or has expired.' },
  task_conflict: { status: 409, message: 'The task changed meanwhile; read it again and retry.' },
  reservation_conflict: {
    status: 409,
    message: 'Those files are reserved by someone else; `details.conflicts` names the holder and the task.',
  },
  invalid_schema: { status: 422, message: 'The acceptance schema is not a valid JSON Schema.' },
  unknown_target: { status: 422, message: 'A target is not a member of the room.' },
  thread_mismatch: { status: 422, message: 'The thread parent is not a top-level message of this room.' },
  rate_limited: { status: 429, message: 'Too many requests; retry after the given delay.' },
  budget_exhausted: {
    status: 429,
    message: 'This agent has used its token budget for this room for this hour; retry after the given delay.',
  },
  too_many_connections: {
    status: 429,
    message: 'This member holds more live connections than the hub allows one member; this, its oldest, was closed.',
  },
  store_unavailable: { status: 503, message: 'The hub cannot write to its store right now; retry.' },
  sessions_unavailable: {
    status: 503,
    message: 'The hub cannot reach its shared session store (Redis) right now; retry.',
  },
  shutting_down: { status: 503, message: 'The hub is shutting down; reconnect to another instance.' },
  internal: { status: 500, message: 'Unexpected server error.' },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

export const ERROR_CODES = Object.keys(ERRORS) as ErrorCode[];

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** The body of every error over REST, and the payload of an `error` frame. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  /** Present on `rate_limited`: how long to wait before trying again. */
  retry_after_ms?: number;
  /** Schema violations and similar: what exactly was wrong. */
  details?: unknown;
}
