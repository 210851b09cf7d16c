/** The approvals slice of the Store: requests that a person allow an agent's action, and their decisions. */
import type { Approval, ApprovalStatus } from '@roundtable/protocol';

/** A request as stored: the wire's Approval, with its room and requester by id. */
export type ApprovalRecord = Omit<Approval, 'room'> & { room_id: string; requester_id: string };

export interface ApprovalDecision {
  status: 'approved' | 'denied';
  decided_by: string;
  note: string;
  /** When it was decided: a request whose `expires_at` is not after this can no longer be decided. */
  at: string;
}

export interface ApprovalFilter {
  roomIds: string[];
  requesterIds: string[];
  status: ApprovalStatus;
  limit: number;
}

export interface ApprovalsStore {
  insertApproval(record: ApprovalRecord): Promise<void>;
  approvalById(id: string): Promise<ApprovalRecord | undefined>;
  /**
   * Decides a request in one statement, so two deciders (on any instances) racing cannot both win
   * and an expired request is never approved: undefined when it was not pending or had expired.
   */
  decideApproval(id: string, decision: ApprovalDecision): Promise<ApprovalRecord | undefined>;
  /** Marks pending requests whose time is up at `now` as expired (only `id`, when given); returns them. */
  expireApprovals(now: string, id?: string): Promise<ApprovalRecord[]>;
  /** Requests with this status made in these rooms or by these members, newest first. */
  listApprovals(filter: ApprovalFilter): Promise<ApprovalRecord[]>;
  /** The earliest `expires_at` of a pending request, to know when to look again. */
  nextApprovalExpiry(): Promise<string | undefined>;
}
