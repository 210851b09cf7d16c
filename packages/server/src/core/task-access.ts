/**
 * Who may see and take a task. A task is seen by the members of its room, its creator and
 * assignee, and admins; to anyone else it does not exist. Capabilities route work as far as an
 * admin granted them, and never open a private room (docs/security.md).
 */
import type { Task } from '@roundtable/protocol';
import { HubError } from './hub-error.js';
import type { HubContext } from './context.js';
import { inGroup } from './groups.js';
import type { MemberRecord, RoomRecord, TaskRow } from './ports.js';

export class TaskAccess {
  constructor(private readonly ctx: HubContext) {}

  async row(id: string): Promise<TaskRow> {
    const row = await this.ctx.store.taskRow(id);
    if (!row) throw new HubError('task_not_found');
    return row;
  }

  /** The task, if the actor may see it: to anyone else it does not exist, whatever they meant to do with it. */
  async visibleRow(actor: MemberRecord, id: string): Promise<TaskRow> {
    const row = await this.row(id);
    await this.requireVisible(actor, row.task);
    return row;
  }

  /** The room a task list is filtered by: a private room one is not in is as unknown as a missing one. */
  async filterRoom(actor: MemberRecord, ref: string): Promise<RoomRecord> {
    const room = await this.ctx.resolveRoom(ref);
    if (room.kind !== 'public' && actor.role !== 'admin') await this.ctx.requireMembership(room.id, actor);
    return room;
  }

  /** The agents a creator names as workers: each must be an agent of this hub. */
  async namedWorkers(handles: string[]): Promise<string[]> {
    const named = [...new Set(handles)].sort();
    for (const handle of named) {
      const member = await this.ctx.store.memberByHandle(handle);
      if (!member) throw new HubError('member_not_found', `No member @${handle}.`);
      if (member.kind !== 'agent')
        throw new HubError('invalid_request', `@${handle} is not an agent: workers are agents.`);
      if (member.disabled) throw new HubError('forbidden', `@${handle} is disabled and cannot be named a worker.`);
    }
    return named;
  }

  /** The task, if the actor holds its live lease under this token. */
  async leased(actor: MemberRecord, id: string, token: string): Promise<TaskRow> {
    const row = await this.visibleRow(actor, id);
    const live =
      row.assignee_id === actor.id &&
      row.lease_token === token &&
      (row.task.status === 'assigned' || row.task.status === 'running' || row.task.status === 'input_required') &&
      (row.task.lease_expires_at === null || row.task.lease_expires_at > new Date(this.ctx.clock.now()).toISOString());
    if (!live) throw new HubError('lease_invalid');
    return row;
  }

  requireWorker(actor: MemberRecord): void {
    if (actor.kind !== 'agent') throw new HubError('forbidden', 'Only agents take tasks as workers.');
  }

  /** The creator, or a person in the task's room, may answer, accept and reject. */
  async requireReviewer(actor: MemberRecord, task: Task): Promise<void> {
    await this.requireVisible(actor, task);
    if (actor.handle === task.assignee) throw new HubError('forbidden', 'A worker does not review its own result.');
    if (actor.handle === task.creator || actor.role === 'admin') return;
    if (actor.kind !== 'person') throw new HubError('forbidden', 'Only the task’s creator or a person may do this.');
    await this.ctx.requireMembership(task.room, actor);
  }

  async requireVisible(actor: MemberRecord, task: Task): Promise<void> {
    if (!(await this.visibility(actor))(task)) throw new HubError('task_not_found');
  }

  /** A task is seen by the members of its room, its creator and assignee, and admins; to others it does not exist. */
  async visibility(actor: MemberRecord): Promise<(task: Task) => boolean> {
    if (actor.role === 'admin') return () => true;
    const mine = new Set(await this.ctx.store.roomIdsOf(actor.id));
    return (task) => mine.has(task.room) || task.creator === actor.handle || task.assignee === actor.handle;
  }

  /**
   * Whether a worker with these capabilities may take the task. Capabilities only route work: they
   * count as far as the hub granted them to the member now, and never open a private room. A task
   * logged in a private room goes only to that room's members and the agents its creator named. A
   * task with a team goes only to that group's members, whatever else holds.
   */
  async mayTake(worker: MemberRecord, capabilities: ReadonlySet<string>, task: Task): Promise<boolean> {
    // A review request goes to its reviewer, who answers it; no worker takes it.
    if (task.kind === 'review') return false;
    const granted = new Set(worker.capabilities);
    if (!task.capabilities.every((capability) => capabilities.has(capability) && granted.has(capability))) return false;
    if (task.team && !(await inGroup(this.ctx.store, task.team, worker.id))) return false;
    // A task without a chosen room has a room of its own, made for whoever takes it.
    if (task.thread_id === null || task.workers.includes(worker.handle)) return true;
    if ((await this.ctx.roomMembers(task.room)).has(worker.id)) return true;
    return (await this.ctx.resolveRoom(task.room)).kind === 'public';
  }
}

/**
 * The capabilities a worker works with: those it asks for (all it has when it names none), each of
 * which the hub must have granted it. What a frame claims is never believed.
 */
export function grantedOf(member: MemberRecord, asked: string[] | undefined): Set<string> {
  const granted = new Set(member.capabilities);
  const missing = (asked ?? []).filter((capability) => !granted.has(capability));
  if (missing.length > 0) {
    throw new HubError(
      'forbidden',
      `@${member.handle} has not been granted ${missing.join(', ')}: an admin grants capabilities.`,
      { details: { missing } },
    );
  }
  return new Set(asked ?? member.capabilities);
}
