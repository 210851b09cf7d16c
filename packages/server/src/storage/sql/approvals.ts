/** Approval requests: stored, decided (once, and only while pending and in time), expired, listed. */
import { TABLE_BY_NAME } from '../../core/dump.js';
import type { ApprovalDecision, ApprovalFilter, ApprovalRecord, ApprovalsStore } from '../../core/ports.js';
import { decode, encode, type Dialect } from './dialect.js';
import type { Row } from './records.js';
import { changes, row, rows, type Params, type SqlDriver, type Step } from './step.js';

const APPROVALS = TABLE_BY_NAME.get('approvals')!;
const COLUMNS = [
  'id',
  'room_id',
  'thread_id',
  'message_id',
  'requester_id',
  'requester',
  'action',
  'details',
  'reason',
  'deciders',
  'status',
  'decided_by',
  'note',
  'created_at',
  'decided_at',
  'expires_at',
];
const INSERT_APPROVAL = `INSERT INTO approvals (${COLUMNS.join(', ')})
  VALUES (${COLUMNS.map((column) => `@${column}`).join(', ')})`;

export function approvalsStore(db: SqlDriver, d: Dialect): ApprovalsStore {
  return {
    insertApproval: (record) => db.write(insertApproval, d, record),
    approvalById: (id) => db.read(approvalById, d, id),
    decideApproval: (id, decision) => db.write(decideApproval, d, id, decision),
    expireApprovals: (now, id) => db.write(expireApprovals, d, now, id),
    listApprovals: (filter) =>
      filter.roomIds.length + filter.requesterIds.length === 0
        ? Promise.resolve([])
        : db.read(listApprovals, d, filter),
    nextApprovalExpiry: () => db.read(nextApprovalExpiry),
  };
}

function toApproval(d: Dialect, stored: Row): ApprovalRecord {
  const decoded = decode(d, APPROVALS, stored);
  return { ...(decoded as unknown as ApprovalRecord), details: decoded.details ?? null };
}

function* insertApproval(d: Dialect, record: ApprovalRecord): Step<void> {
  yield* changes(INSERT_APPROVAL, encode(d, APPROVALS, { ...record } as Row));
}

function* approvalById(d: Dialect, id: string): Step<ApprovalRecord | undefined> {
  const stored = yield* row('SELECT * FROM approvals WHERE id = @id', { id });
  return stored ? toApproval(d, stored) : undefined;
}

function* decideApproval(d: Dialect, id: string, decision: ApprovalDecision): Step<ApprovalRecord | undefined> {
  const stored = yield* row(
    `UPDATE approvals SET status = @status, decided_by = @decided_by, note = @note, decided_at = @at
     WHERE id = @id AND status = 'pending' AND expires_at > @at RETURNING *`,
    { id, ...decision },
  );
  return stored ? toApproval(d, stored) : undefined;
}

function* expireApprovals(d: Dialect, now: string, id: string | undefined): Step<ApprovalRecord[]> {
  const params: Params = { now, id };
  const only = id === undefined ? '' : ' AND id = @id';
  const expired = yield* rows(
    `UPDATE approvals SET status = 'expired', decided_at = @now
     WHERE status = 'pending' AND expires_at <= @now${only} RETURNING *`,
    params,
  );
  return expired.map((stored) => toApproval(d, stored));
}

function* listApprovals(d: Dialect, filter: ApprovalFilter): Step<ApprovalRecord[]> {
  const params: Params = { status: filter.status, limit: filter.limit };
  const where = [
    filter.roomIds.length > 0 ? d.anyOf('room_id', 'rooms', filter.roomIds, params) : '',
    filter.requesterIds.length > 0 ? d.anyOf('requester_id', 'requesters', filter.requesterIds, params) : '',
  ].filter(Boolean);
  const found = yield* rows(
    `SELECT * FROM approvals WHERE status = @status AND (${where.join(' OR ')})
     ORDER BY created_at DESC, id DESC LIMIT @limit`,
    params,
  );
  return found.map((stored) => toApproval(d, stored));
}

function* nextApprovalExpiry(): Step<string | undefined> {
  const found = yield* row("SELECT MIN(expires_at) AS next FROM approvals WHERE status = 'pending'");
  return (found?.next as string | null | undefined) ?? undefined;
}
