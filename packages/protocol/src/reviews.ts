/**
 * Review requests: a task of kind `review` asks one member (the reviewer) to look at a subject (a
 * task id, a commit, a branch or a URL). It is shown in its room as a review card addressed to the
 * reviewer alone, is never claimed by workers, and ends with the reviewer's answer.
 */
import { z } from 'zod';
import { Id } from './model.js';

export const ReviewDecision = z.enum(['approve', 'request_changes']);
export type ReviewDecision = z.infer<typeof ReviewDecision>;

export const ReviewLimits = { maxSubjectChars: 2_000, maxNoteChars: 10_000 } as const;

/** What a review task carries besides a task's fields: what to look at, and the answer once given. */
export interface TaskReview {
  reviewer: string;
  subject: string;
  /** The review card in the task's room. */
  message_id: string;
  decision: ReviewDecision | null;
  note: string;
  answered_at: string | null;
}

export const ReviewRequestSchemas = {
  /** The reviewer's answer; the task is completed either way, the decision says how. */
  'review.answer': z.object({
    task: Id,
    decision: ReviewDecision,
    note: z.string().max(ReviewLimits.maxNoteChars).default(''),
  }),
} as const;
