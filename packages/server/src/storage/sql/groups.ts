/** Groups of members: a row per group and one per membership; a new handle is checked against members' too. */
import type { GroupRecord, GroupsStore, StoredGroup } from '../../core/ports.js';
import { HubError } from '../../core/hub-error.js';
import type { Dialect } from './dialect.js';
import type { Row } from './records.js';
import { changes, row, rows, type Params, type SqlDriver, type Step } from './step.js';

const GROUP_COLUMNS = 'g.id, g.handle, g.display_name, g.owner_id, g.created_at, g.updated_at, o.handle AS owner';
const GROUPS = `SELECT ${GROUP_COLUMNS} FROM member_groups g JOIN members o ON o.id = g.owner_id`;

export function groupsStore(db: SqlDriver, d: Dialect): GroupsStore {
  return {
    createGroup: (group, memberIds) => db.write(createGroup, d, group, memberIds),
    groupByHandle: (handle) => db.read(groupsWhere, d, 'g.handle = @handle', { handle }).then((found) => found[0]),
    listGroups: () => db.read(groupsWhere, d, '1 = 1', {}),
    groupsByHandles: (handles) => {
      if (handles.length === 0) return Promise.resolve([]);
      const params: Params = {};
      return db.read(groupsWhere, d, d.anyOf('g.handle', 'handles', handles, params), params);
    },
    updateGroup: (id, change) => db.write(updateGroup, d, id, change),
    deleteGroup: (id) => db.write(deleteGroup, id),
  };
}

/**
 * Throws `handle_taken` when a member or a group has the handle. Run in the transaction that then
 * inserts it, after the dialect's lock, so two new handles cannot both pass the check.
 */
export function* claimHandle(d: Dialect, handle: string): Step<void> {
  if (d.handlesLock) yield* changes(d.handlesLock);
  const taken = yield* row(
    `SELECT 1 AS taken FROM members WHERE handle = @handle
     UNION ALL SELECT 1 AS taken FROM member_groups WHERE handle = @handle`,
    { handle },
  );
  if (taken) throw new HubError('handle_taken', `The handle @${handle} is taken.`);
}

function* createGroup(d: Dialect, group: GroupRecord, memberIds: string[]): Step<StoredGroup> {
  yield* claimHandle(d, group.handle);
  yield* changes(
    `INSERT INTO member_groups (id, handle, display_name, owner_id, created_at, updated_at)
     VALUES (@id, @handle, @display_name, @owner_id, @created_at, @updated_at)`,
    group,
  );
  yield* addMembers(d, group.id, memberIds);
  return (yield* groupsWhere(d, 'g.id = @id', { id: group.id }))[0]!;
}

function* addMembers(d: Dialect, groupId: string, memberIds: string[]): Step<void> {
  if (memberIds.length === 0) return;
  const params: Params = { group: groupId };
  const values = memberIds.map((id, index) => {
    params[`m${index}`] = id;
    return `(@group, @m${index})`;
  });
  yield* changes(d.insertIgnore('member_group_members (group_id, member_id)', `VALUES ${values.join(', ')}`), params);
}

/** The groups matching `where` (over `g`, the groups table), each with its members sorted by handle. */
function* groupsWhere(d: Dialect, where: string, params: Params): Step<StoredGroup[]> {
  const found = yield* rows(`${GROUPS} WHERE ${where} ORDER BY g.handle`, params);
  if (found.length === 0) return [];
  const ids: Params = {};
  const members = yield* rows(
    `SELECT gm.group_id, m.id, m.handle FROM member_group_members gm JOIN members m ON m.id = gm.member_id
     WHERE ${d.anyOf(
       'gm.group_id',
       'groups',
       found.map((group) => group.id),
       ids,
     )} ORDER BY m.handle`,
    ids,
  );
  const byGroup = new Map<string, Row[]>();
  for (const member of members) {
    const list = byGroup.get(member.group_id as string) ?? [];
    list.push(member);
    byGroup.set(member.group_id as string, list);
  }
  return found.map((stored) => toGroup(stored, byGroup.get(stored.id as string) ?? []));
}

function toGroup(stored: Row, members: Row[]): StoredGroup {
  const record: GroupRecord = {
    id: stored.id as string,
    handle: stored.handle as string,
    display_name: stored.display_name as string,
    owner_id: stored.owner_id as string,
    created_at: stored.created_at as string,
    updated_at: stored.updated_at as string,
  };
  return {
    record,
    memberIds: members.map((member) => member.id as string),
    group: {
      handle: record.handle,
      display_name: record.display_name,
      members: members.map((member) => member.handle as string),
      owner: stored.owner as string,
      created_at: record.created_at,
      updated_at: record.updated_at,
    },
  };
}

function* updateGroup(
  d: Dialect,
  id: string,
  change: { display_name?: string; add: string[]; remove: string[]; replace?: string[]; updated_at: string },
): Step<StoredGroup | undefined> {
  const updated = yield* changes(
    `UPDATE member_groups SET updated_at = @updated_at, display_name = COALESCE(@display_name, display_name)
     WHERE id = @id`,
    { id, updated_at: change.updated_at, display_name: change.display_name ?? null },
  );
  if (updated === 0) return undefined;
  if (change.replace) yield* changes('DELETE FROM member_group_members WHERE group_id = @id', { id });
  const removed = change.replace ? [] : change.remove;
  if (removed.length > 0) {
    const params: Params = { id };
    yield* changes(
      `DELETE FROM member_group_members WHERE group_id = @id AND ${d.anyOf('member_id', 'removed', removed, params)}`,
      params,
    );
  }
  yield* addMembers(d, id, change.replace ?? change.add);
  return (yield* groupsWhere(d, 'g.id = @id', { id }))[0];
}

function* deleteGroup(id: string): Step<boolean> {
  yield* changes('DELETE FROM member_group_members WHERE group_id = @id', { id });
  return (yield* changes('DELETE FROM member_groups WHERE id = @id', { id })) > 0;
}
