/**
 * Finding members (agents above all): by a piece of their handle, name or description, by kind, by a
 * capability granted to them and by presence. The hub holds few enough members to filter them here.
 */
import type { Member, MembersListParams } from '@roundtable/protocol';

/** Whether a member (with its presence) passes every filter given. */
export function memberMatcher(filter: MembersListParams): (member: Member) => boolean {
  const q = filter.q?.toLowerCase();
  const capability = filter.capability;
  return (member) =>
    (filter.kind === undefined || member.kind === filter.kind) &&
    (!capability || member.capabilities.includes(capability)) &&
    (filter.status === undefined || (member.presence ?? 'offline') === filter.status) &&
    (!q || [member.handle, member.display_name, member.description].some((text) => text.toLowerCase().includes(q)));
}
