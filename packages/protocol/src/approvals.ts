/**
 * Approvals: an agent asks a person to allow an action (a hosted agent's `ask` tool, or any agent's
 * `approval.request`) and waits; the request and its decision are posted in the room. A timeout is a
 * denial.
 */
import { z } from 'zod';
import { valueTooDeep } from './json-depth.js';
import { Handle, Id, RoomRef } from './model.js';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** The longest an agent may wait for a decision, in ms: past it, a request is better asked again. */
export const MAX_APPROVAL_TIMEOUT_MS = 15 * 60_000;
/** How long a request waits when its agent names no time, in ms. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 5 * 60_000;
/** Bytes of a request's `details` (its arguments), serialized as JSON. */
export const MAX_APPROVAL_DETAILS_BYTES = 8_192;
/** Characters of a request's reason, and of a decision's note. */
export const MAX_APPROVAL_TEXT_CHARS = 2_000;

export interface Approval {
  id: string;
  room: string;
  thread_id: string | null;
  /** The system message that shows the request in the room, and is updated with its decision. */
  message_id: string;
  /** The agent (or member) that asked. */
  requester: string;
  /** What it wants to do: a tool's name, or a short phrase. */
  action: string;
  /** The arguments of the action, as the agent gave them. */
  details: unknown;
  reason: string;
  /** Handles the request names as deciders, besides the agent's owner and the room's admins. */
  deciders: string[];
  status: ApprovalStatus;
  decided_by: string | null;
  note: string;
  created_at: string;
  decided_at: string | null;
  expires_at: string;
}

/** Any JSON value that nests at most the protocol's depth and fits in MAX_APPROVAL_DETAILS_BYTES. */
const Details = z
  .unknown()
  .refine((value) => !valueTooDeep(value), 'details nest too deep')
  .refine(
    (value) => new TextEncoder().encode(JSON.stringify(value) ?? '').length <= MAX_APPROVAL_DETAILS_BYTES,
    `details are at most ${MAX_APPROVAL_DETAILS_BYTES} bytes of JSON`,
  );

export const ApprovalRequestParams = z.object({
  room: RoomRef,
  thread_id: Id.optional(),
  action: z.string().trim().min(1).max(200),
  details: Details.optional(),
  reason: z.string().max(MAX_APPROVAL_TEXT_CHARS).optional(),
  /** Members who may decide besides the agent's owner and the room's admins. */
  deciders: z.array(Handle).max(20).optional(),
  /** How long to wait for a decision; 0 expires the request at once (a dry run of the card). */
  timeout_ms: z.number().int().min(0).max(MAX_APPROVAL_TIMEOUT_MS).default(DEFAULT_APPROVAL_TIMEOUT_MS),
});
export type ApprovalRequestParams = z.input<typeof ApprovalRequestParams>;

export const ApprovalRequestSchemas = {
  /** Asks for an approval and answers once it is decided or has expired: the ack carries the outcome. */
  'approval.request': ApprovalRequestParams,
  'approval.decide': z.object({
    approval: Id,
    decision: z.enum(['approve', 'deny']),
    note: z.string().max(MAX_APPROVAL_TEXT_CHARS).optional(),
  }),
  /** Requests you may decide, newest first: by default those still pending. */
  'approval.list': z.object({
    status: z.enum(APPROVAL_STATUSES).default('pending'),
    limit: z.number().int().min(1).max(200).default(50),
  }),
} as const;

export interface ApprovalResultMap {
  'approval.request': { approval: Approval };
  'approval.decide': { approval: Approval };
  'approval.list': { approvals: Approval[] };
}
