/**
 * Groups (Wegent's teams): named sets of members. A group's handle shares the namespace of members'
 * handles, so `@backend` in a message names either one member or one group, never both.
 */
import { z } from 'zod';
import { Handle, NewHandle } from './model.js';

export const GroupLimits = {
  /** Members of one group. */
  maxMembers: 500,
  /** Characters of a group's display name. */
  maxDisplayNameChars: 100,
} as const;

export interface Group {
  handle: string;
  display_name: string;
  /** Its members' handles, sorted. */
  members: string[];
  /** Who made it: with admins, the only one who may change or delete it. */
  owner: string;
  created_at: string;
  updated_at: string;
}

const Members = z.array(Handle).max(GroupLimits.maxMembers);

export const CreateGroupParams = z.object({
  handle: NewHandle,
  display_name: z.string().max(GroupLimits.maxDisplayNameChars).optional(),
  members: Members.default([]),
});
export type CreateGroupParams = z.input<typeof CreateGroupParams>;

/**
 * A change to a group: `add` and `remove` (as Mattermost's group members endpoints), or `members`,
 * the whole new list (as Slack's `usergroups.users.update`); a list with `add` or `remove` is refused.
 */
export const UpdateGroupParams = z
  .object({
    display_name: z.string().max(GroupLimits.maxDisplayNameChars).optional(),
    members: Members.optional(),
    add: Members.optional(),
    remove: Members.optional(),
  })
  .refine((patch) => patch.members === undefined || (patch.add === undefined && patch.remove === undefined), {
    message: 'give either `members` (the whole list) or `add` and `remove`, not both',
  });
export type UpdateGroupParams = z.input<typeof UpdateGroupParams>;
