/**
 * Groups (Wegent's teams): named sets of members. Anyone may make one, and owns it; its owner and
 * admins change or delete it. A group's handle is taken from the members' namespace (the store checks
 * both in one step), so `@backend` in a message names one member or one group; a group's mention
 * addresses those of its members who are in the room (messages.ts), and a task may be limited to a
 * group's members (task-access.ts).
 */
import { GroupLimits, type CreateGroupParams, type Group, type UpdateGroupParams } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { HubError } from './hub-error.js';
import { newId } from './ids.js';
import type { MemberRecord, Store, StoredGroup } from './ports.js';

/** Groups one member who is not an admin may own: the list everyone reads stays bounded. */
export const MAX_OWNED_GROUPS = 100;
/** Mentioned handles of one message, not of the room's members, that are looked up as groups. */
export const MAX_GROUP_MENTIONS = 20;

type ParsedCreate = Omit<CreateGroupParams, 'members'> & { members: string[] };
type ParsedUpdate = UpdateGroupParams;

export class Groups {
  constructor(private readonly ctx: HubContext) {}

  async create(actor: MemberRecord, params: ParsedCreate): Promise<Group> {
    const { store } = this.ctx;
    if (actor.role !== 'admin') {
      const owned = (await store.listGroups()).filter((stored) => stored.record.owner_id === actor.id).length;
      if (owned >= MAX_OWNED_GROUPS) {
        throw new HubError('forbidden', `You own ${owned} groups, the most a member may; delete one first.`);
      }
    }
    const members = await this.membersNamed(params.members);
    const at = this.ctx.now();
    const created = await store.createGroup(
      {
        id: newId('g'),
        handle: params.handle,
        display_name: params.display_name || params.handle,
        owner_id: actor.id,
        created_at: at,
        updated_at: at,
      },
      members.map((member) => member.id),
    );
    return created.group;
  }

  async list(): Promise<Group[]> {
    return (await this.ctx.store.listGroups()).map((stored) => stored.group);
  }

  async get(handle: string): Promise<Group> {
    return (await this.stored(handle)).group;
  }

  /** `add` and `remove`, or `members` for the whole list; the group may not grow past its limit. */
  async update(actor: MemberRecord, handle: string, patch: ParsedUpdate): Promise<Group> {
    const current = await this.stored(handle);
    requireOwner(actor, current);
    const [add, remove, replace] = await Promise.all([
      this.membersNamed(patch.add ?? []),
      this.membersNamed(patch.remove ?? []),
      patch.members ? this.membersNamed(patch.members) : undefined,
    ]);
    const gone = new Set(remove.map((member) => member.id));
    const after = new Set([...current.memberIds.filter((id) => !gone.has(id)), ...add.map((member) => member.id)]);
    if (!replace && after.size > GroupLimits.maxMembers) {
      throw new HubError('invalid_request', `A group has at most ${GroupLimits.maxMembers} members.`);
    }
    const updated = await this.ctx.store.updateGroup(current.record.id, {
      display_name: patch.display_name || undefined,
      add: add.map((member) => member.id),
      remove: remove.map((member) => member.id),
      replace: replace?.map((member) => member.id),
      updated_at: this.ctx.now(),
    });
    if (!updated) throw new HubError('group_not_found');
    return updated.group;
  }

  async delete(actor: MemberRecord, handle: string): Promise<void> {
    const current = await this.stored(handle);
    requireOwner(actor, current);
    await this.ctx.store.deleteGroup(current.record.id);
  }

  private async stored(handle: string): Promise<StoredGroup> {
    const found = await this.ctx.store.groupByHandle(handle.replace(/^@/, '').toLowerCase());
    if (!found) throw new HubError('group_not_found', `No group @${handle}.`);
    return found;
  }

  /** The members these handles name, each a person or an agent; `member_not_found` names the unknown ones. */
  private async membersNamed(handles: string[]): Promise<MemberRecord[]> {
    const wanted = [...new Set(handles)];
    const found = await this.ctx.store.membersByHandles(wanted);
    const known = new Set(found.map((member) => member.handle));
    const unknown = wanted.filter((handle) => !known.has(handle));
    if (unknown.length > 0) {
      throw new HubError('member_not_found', `No members ${unknown.map((h) => `@${h}`).join(', ')}.`, {
        details: { members: unknown },
      });
    }
    if (found.some((member) => member.kind === 'system')) {
      throw new HubError('invalid_request', 'The hub’s own member belongs to no group.');
    }
    return found;
  }
}

function requireOwner(actor: MemberRecord, group: StoredGroup): void {
  if (group.record.owner_id !== actor.id && actor.role !== 'admin') {
    throw new HubError('forbidden', `Only @${group.group.owner} (its owner) and admins change @${group.group.handle}.`);
  }
}

/**
 * The handles of the members that these mentioned handles reach through groups: a mention that is a
 * group's handle stands for each of its members. Handles that are no group reach nobody.
 */
export async function groupMentions(store: Store, handles: string[]): Promise<string[]> {
  if (handles.length === 0) return [];
  const groups = await store.groupsByHandles(handles.slice(0, MAX_GROUP_MENTIONS));
  return [...new Set(groups.flatMap((stored) => stored.group.members))];
}

/** Whether a member belongs to the group with this handle (a group that no longer exists has no one). */
export async function inGroup(store: Store, handle: string, memberId: string): Promise<boolean> {
  return (await store.groupByHandle(handle))?.memberIds.includes(memberId) ?? false;
}
