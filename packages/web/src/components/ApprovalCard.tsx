/**
 * An approval request as the room shows it (a system message's `metadata.approval`): which agent
 * asks to do what, with which arguments and why, and what became of it. Those who may decide get
 * Approve and Deny with an optional note; the card follows the decision live, as its message is
 * updated. Every field is read through safe.ts: the agent wrote most of them.
 */
import { useEffect, useState } from 'react';
import { decideApproval, listApprovals } from '@roundtable/client';
import { APPROVAL_STATUSES } from '@roundtable/protocol';
import { date, oneOf, readable, record, text } from '../safe.js';
import { toast } from '../ui/toast.js';
import { useStore } from '../use-chat.js';
import '../styles/approvals.css';

const LABELS = { pending: 'Waiting for a decision', approved: 'Approved', denied: 'Denied', expired: 'Expired' };

/** Whether the signed-in member may decide this request: the hub says, as the list of what waits for them. */
function useMayDecide(id: string | undefined, pending: boolean): boolean {
  const { client } = useStore();
  const [may, setMay] = useState(false);
  useEffect(() => {
    if (!id || !pending) return setMay(false);
    let live = true;
    listApprovals(client, { limit: 200 })
      .then((waiting) => live && setMay(waiting.some((approval) => approval.id === id)))
      .catch(() => live && setMay(false));
    return () => {
      live = false;
    };
  }, [client, id, pending]);
  return may;
}

export function ApprovalCard({ approval: stored }: { approval: unknown }) {
  const { client } = useStore();
  const approval = record(stored);
  const id = text(approval.id);
  const status = oneOf(approval.status, APPROVAL_STATUSES) ?? 'pending';
  const requester = text(approval.requester) ?? '?';
  const action = text(approval.action) ?? 'an action';
  const reason = text(approval.reason);
  const note = text(approval.note);
  const decider = text(approval.decided_by);
  const expires = date(approval.expires_at);
  const may = useMayDecide(id, status === 'pending');
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);

  async function decide(decision: 'approve' | 'deny') {
    if (!id) return;
    setBusy(true);
    try {
      await decideApproval(client, id, decision, draft.trim() || undefined);
    } catch (error) {
      toast(`Could not ${decision}: ${(error as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className={`approval ${status}`} aria-label={`Approval request from ${requester}: ${action}`}>
      <p className="approval-ask">
        <span className="approval-requester">@{requester}</span> asks to run{' '}
        <code className="approval-action">{action}</code>
      </p>
      {reason && <blockquote className="approval-reason">{reason}</blockquote>}
      {approval.details !== undefined && approval.details !== null && (
        <details className="approval-details">
          <summary>Arguments</summary>
          <pre tabIndex={0}>{readable(approval.details)}</pre>
        </details>
      )}
      <p className="approval-status" role="status">
        <span className="approval-badge">{LABELS[status]}</span>
        {status === 'pending' && expires && (
          <span className="approval-when">
            {' '}
            until <time dateTime={expires.toISOString()}>{expires.toLocaleTimeString()}</time>
          </span>
        )}
        {(status === 'approved' || status === 'denied') && decider && <span> by @{decider}</span>}
        {status === 'expired' && <span>: no decision in time, so denied</span>}
        {note && <span className="approval-note">: {note}</span>}
      </p>
      {status === 'pending' && may && (
        <div className="approval-decide">
          <input
            type="text"
            aria-label="Note for the agent (optional)"
            placeholder="Note (optional)"
            maxLength={2000}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
          />
          <button type="button" className="primary" disabled={busy} onClick={() => void decide('approve')}>
            Approve
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void decide('deny')}>
            Deny
          </button>
        </div>
      )}
    </section>
  );
}
