/**
 * Review requests: tasks of kind `review`. One is addressed to its reviewer alone, through a review
 * card in its room (a system message mentioning only them, so it lands in their inbox); no worker
 * claims it; the reviewer answers with `approve` or `request_changes` and a note, which completes
 * the task, rewrites the card and tells the requester in the card's thread.
 */
import { TaskLimits, type ParsedParams, type ReviewDecision, type Task, type TaskReview } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { HubError } from './hub-error.js';
import { newId } from './ids.js';
import type { MemberRecord, RoomRecord } from './ports.js';
import type { TaskAccess } from './task-access.js';
import { unstarted, type TaskMoves } from './task-moves.js';
import type { TaskHost } from './tasks.js';

/** What the card's metadata says of the review: the web UI draws the card from it. */
export interface ReviewCard extends TaskReview {
  task: string;
  requester: string;
  summary: string;
  status: Task['status'];
}

export class TaskReviews {
  constructor(
    private readonly ctx: HubContext,
    private readonly host: TaskHost,
    private readonly moves: TaskMoves,
    private readonly access: TaskAccess,
  ) {}

  /** A `task.create` of kind `review`: the task, its card in the room, and the reviewer in that room. */
  async request(actor: MemberRecord, params: ParsedParams<'task.create'>): Promise<{ task: Task; duplicate: boolean }> {
    if (params.reviewer === undefined || params.subject === undefined) {
      throw new HubError('invalid_request', 'A review request names its `reviewer` and its `subject`.', {
        details: { issues: missingIssues(params) },
      });
    }
    if (params.client_id) {
      const earlier = await this.ctx.store.taskByClientId(actor.id, params.client_id);
      if (earlier) return { task: earlier, duplicate: true };
    }
    const reviewer = await this.reviewerOf(params.reviewer);
    const id = newId('task');
    const title = params.title || `Review: ${params.subject}`.slice(0, TaskLimits.maxTitleChars);
    const room = params.room
      ? await this.chosenRoom(actor, params.room, reviewer)
      : await this.host.createTaskRoom(actor, `review-${id.slice(-8).toLowerCase()}`, title);
    if (!params.room) await this.host.ensureMember(room.id, reviewer);
    const at = new Date(this.ctx.clock.now()).toISOString();
    const summary = params.summary ?? params.description;
    const review: TaskReview = {
      reviewer: reviewer.handle,
      subject: params.subject,
      message_id: newId('msg'),
      decision: null,
      note: '',
      answered_at: null,
    };
    const task: Task = {
      id,
      title,
      description: summary,
      context: {},
      acceptance: { text: '', schema: null, review: false },
      files: [],
      capabilities: [],
      workers: [],
      priority: params.priority,
      max_attempts: 1,
      lease_ms: params.lease_ms,
      room: room.id,
      thread_id: params.room ? review.message_id : null,
      parent: params.parent ?? null,
      client_id: params.client_id ?? null,
      creator: actor.handle,
      ...unstarted(at),
      kind: 'review',
      review,
    };
    if (params.parent) await this.access.visibleRow(actor, params.parent);
    await this.showCard(task, review, 'post');
    const result = await this.ctx.store.insertTask(
      { task, creator_id: actor.id, assignee_id: null, lease_token: null },
      (stored) => ({
        kind: 'task.created',
        actor: actor.handle,
        at,
        data: { task: stored, action: 'create', from: null, to: 'pending' },
        agents: [actor, reviewer].filter((member) => member.kind === 'agent').map((member) => member.id),
      }),
    );
    if (result.duplicate) return { task: result.task, duplicate: true };
    this.ctx.publishEvent(result.event);
    return { task: result.task, duplicate: false };
  }

  /** The reviewer's answer: the task completes, the card shows the decision, and the requester is told. */
  async answer(actor: MemberRecord, params: ParsedParams<'review.answer'>): Promise<Task> {
    const row = await this.access.visibleRow(actor, params.task);
    const review = row.task.review;
    if (row.task.kind !== 'review' || review === undefined) {
      throw new HubError('invalid_request', 'This task is not a review request: accept or reject its result instead.');
    }
    if (review.reviewer !== actor.handle) {
      throw new HubError('forbidden', `Only @${review.reviewer}, the reviewer it names, answers this review.`);
    }
    const answered: TaskReview = {
      ...review,
      decision: params.decision,
      note: params.note,
      answered_at: new Date(this.ctx.clock.now()).toISOString(),
    };
    const task = await this.moves.move(row, params.decision, 'completed', actor, {
      review: answered,
      result: { summary: params.note, files_changed: [], data: { decision: params.decision } },
    });
    if (!task) throw new HubError('task_conflict');
    await this.showCard(task, answered, 'update');
    await this.host.postSystem(task.room, answerText(task, answered, params.decision), {
      mentions: [task.creator],
      threadId: review.message_id,
      metadata: { task: task.id, review_answer: params.decision },
    });
    await this.host.acted(task.room, actor.id, review.message_id);
    return task;
  }

  private async reviewerOf(handle: string): Promise<MemberRecord> {
    const reviewer = await this.ctx.store.memberByHandle(handle);
    if (!reviewer || reviewer.kind === 'system') throw new HubError('member_not_found', `No member @${handle}.`);
    if (reviewer.disabled) throw new HubError('forbidden', `@${handle} is disabled and cannot review.`);
    return reviewer;
  }

  /** A room the requester chose: theirs, open, and the reviewer's too (a public room's they join). */
  private async chosenRoom(actor: MemberRecord, ref: string, reviewer: MemberRecord): Promise<RoomRecord> {
    const room = await this.ctx.resolveRoom(ref);
    await this.ctx.requireMembership(room.id, actor);
    if (room.archived_at) throw new HubError('room_archived');
    if (!(await this.ctx.roomMembers(room.id)).has(reviewer.id)) {
      if (room.kind !== 'public') {
        throw new HubError('not_member', `@${reviewer.handle} is not a member of this room: invite them first.`);
      }
      await this.host.ensureMember(room.id, reviewer);
    }
    return room;
  }

  /** Posts the card (addressed to the reviewer alone), or rewrites it with the answer, as an event of the room's log. */
  private async showCard(task: Task, review: TaskReview, how: 'post' | 'update'): Promise<void> {
    const card: ReviewCard = {
      ...review,
      task: task.id,
      requester: task.creator,
      summary: task.description,
      status: task.status,
    };
    const content = cardText(task, review);
    const metadata = { task: task.id, review: card };
    if (how === 'post') {
      await this.host.postSystem(task.room, content, { id: review.message_id, mentions: [review.reviewer], metadata });
      return;
    }
    const at = task.updated_at;
    const result = await this.ctx.store.updateMessage(review.message_id, { content, metadata }, (message) => ({
      kind: 'message.updated',
      actor: review.reviewer,
      at,
      data: message,
      agents: [],
    }));
    if (result) this.ctx.publishEvent(result.event);
  }
}

const DECIDED: Record<ReviewDecision, string> = { approve: 'approved', request_changes: 'requested changes' };

function cardText(task: Task, review: TaskReview): string {
  const head =
    review.decision === null
      ? `**Review requested** by @${task.creator} from @${review.reviewer}: ${review.subject}`
      : `**Review** ${review.subject}: @${review.reviewer} ${DECIDED[review.decision]}`;
  const body = review.decision === null ? task.description : review.note;
  return body ? `${head}\n\n${body}` : head;
}

function answerText(task: Task, review: TaskReview, decision: ReviewDecision): string {
  const note = review.note ? `: ${review.note}` : '.';
  return `@${task.creator} @${review.reviewer} ${DECIDED[decision]} on ${review.subject}${note}`;
}

function missingIssues(params: ParsedParams<'task.create'>): Array<{ path: string; message: string }> {
  return (['reviewer', 'subject'] as const)
    .filter((name) => params[name] === undefined)
    .map((name) => ({ path: name, message: 'required for a review' }));
}
