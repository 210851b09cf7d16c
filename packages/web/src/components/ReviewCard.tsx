/**
 * A review request as the room shows it (a system message's `metadata.review`): who asks whom to
 * review what, the summary, and the answer once given. The reviewer it names gets Approve and
 * Request changes with a note; the card follows the answer live, as its message is updated. Every
 * field is read through safe.ts: the requester wrote most of them.
 */
import { useState } from 'react';
import { ReviewDecision } from '@roundtable/protocol';
import { oneOf, record, text } from '../safe.js';
import { toast } from '../ui/toast.js';
import { useChat, useStore } from '../use-chat.js';
import '../styles/approvals.css';

const DECIDED = { approve: 'Approved', request_changes: 'Changes requested' } as const;

export function ReviewCard({ review: stored }: { review: unknown }) {
  const { client } = useStore();
  const me = useChat((state) => state.me?.handle);
  const review = record(stored);
  const task = text(review.task);
  const reviewer = text(review.reviewer) ?? '?';
  const requester = text(review.requester) ?? '?';
  const subject = text(review.subject) ?? '';
  const summary = text(review.summary);
  const note = text(review.note);
  const decision = oneOf(review.decision, ReviewDecision.options);
  const cancelled = text(review.status) === 'cancelled';
  const state = decision ?? (cancelled ? 'cancelled' : 'pending');
  const [draft, setDraft] = useState('');
  const [busy, setBusy] = useState(false);

  async function answer(chosen: ReviewDecision) {
    if (!task) return;
    setBusy(true);
    try {
      await client.request('review.answer', { task, decision: chosen, note: draft.trim() });
    } catch (error) {
      toast(`Could not answer the review: ${(error as Error).message}`, 'error');
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className={`review ${state}`} aria-label={`Review request from ${requester} to ${reviewer}: ${subject}`}>
      <p className="review-ask">
        <span className="review-who">@{requester}</span> asks <span className="review-who">@{reviewer}</span> to review{' '}
        <code className="review-subject">{subject}</code>
      </p>
      {summary && <blockquote className="review-summary">{summary}</blockquote>}
      <p className="review-status" role="status">
        <span className="review-badge">
          {decision ? DECIDED[decision] : cancelled ? 'Cancelled' : `Waiting for @${reviewer}`}
        </span>
        {decision && <span> by @{reviewer}</span>}
        {note && <span className="review-note">: {note}</span>}
      </p>
      {state === 'pending' && me === reviewer && (
        <div className="review-answer">
          <input
            type="text"
            aria-label="Note for the requester"
            placeholder="Note"
            maxLength={10_000}
            value={draft}
            onChange={(event) => setDraft(event.target.value)}
          />
          <button type="button" className="primary" disabled={busy} onClick={() => void answer('approve')}>
            Approve
          </button>
          <button type="button" className="danger" disabled={busy} onClick={() => void answer('request_changes')}>
            Request changes
          </button>
        </div>
      )}
    </section>
  );
}
