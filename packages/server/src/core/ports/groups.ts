/** The groups slice of the Store: named sets of members (Wegent's teams), whose handles are members' namespace too. */
import type { Group } from '@roundtable/protocol';

export interface GroupRecord {
  id: string;
  handle: string;
  display_name: string;
  owner_id: string;
  created_at: string;
  updated_at: string;
}

/** A group with its members, by id and handle (sorted by handle), and its owner's handle. */
export interface StoredGroup {
  record: GroupRecord;
  group: Group;
  memberIds: string[];
}

export interface GroupsStore {
  /**
   * Stores a group and its members; `handle_taken` when a member or a group has the handle, checked
   * in the same transaction as the insert (and, on PostgreSQL, under the lock every new handle takes).
   */
  createGroup(group: GroupRecord, memberIds: string[]): Promise<StoredGroup>;
  groupByHandle(handle: string): Promise<StoredGroup | undefined>;
  /** Every group, by handle. */
  listGroups(): Promise<StoredGroup[]>;
  /** Groups among these handles (those that are no group are left out). */
  groupsByHandles(handles: string[]): Promise<StoredGroup[]>;
  /** Adds and removes members, or (with `replace`) sets the whole list; sets the name and `updated_at`. */
  updateGroup(
    id: string,
    change: { display_name?: string; add: string[]; remove: string[]; replace?: string[]; updated_at: string },
  ): Promise<StoredGroup | undefined>;
  deleteGroup(id: string): Promise<boolean>;
}
