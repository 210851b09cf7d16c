/**
 * Approvals through the SDK: ask the people of a room to allow an action and wait for their decision,
 * decide one, list what waits for you. Functions over a connected client, as the client's own file is full.
 */
import {
  DEFAULT_APPROVAL_TIMEOUT_MS,
  type Approval,
  type ApprovalStatus,
  type RequestParams,
} from '@roundtable/protocol';
import type { RoundtableClient } from './client.js';

/** How much longer than the request's own timeout the hub gets to answer it, in ms. */
const ANSWER_MARGIN_MS = 30_000;

/**
 * Posts an approval request in the room (or thread) and resolves once a person decides or time runs
 * out: `status` is `approved`, `denied` (see `note`) or `expired`, which counts as denied.
 */
export async function requestApproval(
  client: RoundtableClient,
  params: RequestParams<'approval.request'>,
): Promise<Approval> {
  const wait = params.timeout_ms ?? DEFAULT_APPROVAL_TIMEOUT_MS;
  return (await client.request('approval.request', params, { timeoutMs: wait + ANSWER_MARGIN_MS })).approval;
}

/** Approves or denies a request you may decide (the agent's owner, the room's owners, admins, named deciders). */
export async function decideApproval(
  client: RoundtableClient,
  approval: string,
  decision: 'approve' | 'deny',
  note?: string,
): Promise<Approval> {
  return (await client.request('approval.decide', { approval, decision, ...(note ? { note } : {}) })).approval;
}

/** Requests you may decide, newest first: pending ones unless `status` says otherwise. */
export async function listApprovals(
  client: RoundtableClient,
  options: { status?: ApprovalStatus; limit?: number } = {},
): Promise<Approval[]> {
  return (await client.request('approval.list', options)).approvals;
}
