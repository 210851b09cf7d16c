/**
 * Rooms: create, open a direct room, join, leave, invite, settings, members, read cursors. Every
 * change of membership is a logged event, so every instance and every resuming client sees it.
 */
import type { ListenMode, NotifyLevel, PresenceStatus, Room, RoomMember, RoomSummary } from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { HubError } from './hub-error.js';
import { newId } from './ids.js';
import type { EventDraft, MemberRecord, MembershipRecord, RoomRecord } from './ports.js';
import { publicRoom } from './wire.js';

export class Rooms {
  constructor(
    private readonly ctx: HubContext,
    private readonly presenceOf: (memberId: string) => PresenceStatus,
    /** A read cursor moved: what it passed is read (receipts). */
    private readonly onRead: (roomId: string, memberId: string, from: number, seq: number) => Promise<void>,
  ) {}

  /** A room by id or name (`#name`); deleted conversations are not found. */
  resolveRoom(ref: string): Promise<RoomRecord> {
    return this.ctx.resolveRoom(ref);
  }

  /** The room, if the actor is a member of it (the errors do not reveal private rooms). */
  async memberRoom(actor: MemberRecord, ref: string): Promise<Room> {
    return publicRoom(await this.ctx.visibleRoom(actor, ref));
  }

  async listRooms(actor: MemberRecord): Promise<RoomSummary[]> {
    return this.ctx.store.listRoomsOf(actor.id);
  }

  async listPublicRooms(): Promise<Room[]> {
    return (await this.ctx.store.listPublicRooms()).filter((room) => room.archived_at === null).map(publicRoom);
  }

  async getRoom(actor: MemberRecord, ref: string): Promise<Room> {
    const room = await this.ctx.resolveRoom(ref);
    if (room.kind !== 'public') await this.ctx.requireMembership(room.id, actor, room.kind);
    return publicRoom(room);
  }

  async createRoom(
    actor: MemberRecord,
    input: { name: string; kind: 'public' | 'private'; topic?: string; members?: string[]; agent_depth_limit?: number },
  ): Promise<Room> {
    this.ctx.requireMayPost(actor);
    const invited = await this.ctx.store.membersByHandles(
      [...new Set(input.members ?? [])].filter((h) => h !== actor.handle),
    );
    if (invited.length !== new Set(input.members ?? []).size - (input.members?.includes(actor.handle) ? 1 : 0)) {
      throw new HubError('member_not_found', 'Some invited members do not exist.');
    }
    const at = this.ctx.now();
    return this.create(
      {
        id: newId('r'),
        name: input.name,
        kind: input.kind,
        topic: input.topic ?? '',
        created_by: actor.handle,
        created_at: at,
        agent_depth_limit: input.agent_depth_limit ?? this.ctx.settings.defaultAgentDepthLimit,
        direct_key: null,
        title: null,
      },
      [actor, ...invited],
      'owner',
      actor,
    );
  }

  /**
   * Stores a new room with its first members (the first of them in `firstRole`) and publishes
   * their joins; every kind of room is made here.
   */
  async create(
    room: Omit<RoomRecord, 'last_seq' | 'member_count' | 'archived_at' | 'deleted_at' | 'agent_wake_limit'>,
    members: MemberRecord[],
    firstRole: 'owner' | 'member',
    by: MemberRecord,
  ): Promise<Room> {
    const { room: created, events } = await this.ctx.store.createRoom(
      room,
      members.map((member, index) =>
        membershipFor(member, index === 0 ? firstRole : 'member', room.created_at, room.kind),
      ),
      (membership) => joinedDraft(membership.member_id, members, by.handle, room.created_at),
    );
    for (const event of events) this.ctx.publishEvent(event);
    return publicRoom({ ...created, last_seq: events.at(-1)?.seq ?? created.last_seq });
  }

  /** Opens the direct room between the actor and `handles`, creating it on first use. */
  async openDirect(actor: MemberRecord, handles: string[]): Promise<Room> {
    const others = await this.ctx.store.membersByHandles([...new Set(handles)].filter((h) => h !== actor.handle));
    if (others.length === 0 || others.length !== new Set(handles.filter((h) => h !== actor.handle)).size) {
      throw new HubError('member_not_found', 'Some members of the direct room do not exist.');
    }
    const everyone = [actor, ...others];
    const key = everyone
      .map((member) => member.id)
      .sort()
      .join(',');
    const existing = await this.ctx.store.roomByDirectKey(key);
    if (existing) return publicRoom(existing);
    try {
      return await this.create(
        {
          id: newId('r'),
          name: null,
          kind: 'direct',
          topic: '',
          created_by: actor.handle,
          created_at: this.ctx.now(),
          agent_depth_limit: this.ctx.settings.defaultAgentDepthLimit,
          direct_key: key,
          title: null,
        },
        everyone,
        'member',
        actor,
      );
    } catch (error) {
      // Two members opening the same direct room at once: the second finds the first's.
      const raced = await this.ctx.store.roomByDirectKey(key);
      if (raced) return publicRoom(raced);
      throw error;
    }
  }

  /** Adds a member to a channel (a public or private room, task rooms included). */
  async addToRoom(roomId: string, member: MemberRecord, by: MemberRecord, role: 'owner' | 'member'): Promise<boolean> {
    const at = this.ctx.now();
    const result = await this.ctx.store.addMembership(
      { ...membershipFor(member, role, at, 'public'), room_id: roomId },
      joinedDraft(member.id, [member], by.handle, at),
    );
    // Not left to the join's event: it may wait behind a gap in the room's order on this instance.
    this.ctx.forgetRoomMembers(roomId, true);
    if (result.event) this.ctx.publishEvent(result.event);
    return result.added;
  }

  async joinRoom(actor: MemberRecord, ref: string): Promise<Room> {
    const room = await this.ctx.resolveRoom(ref);
    const members = await this.ctx.roomMembers(room.id);
    if (members.has(actor.id)) return publicRoom(room);
    if (room.kind !== 'public') throw new HubError('room_not_found');
    if (room.archived_at) throw new HubError('room_archived');
    await this.addToRoom(room.id, actor, actor, 'member');
    return publicRoom((await this.ctx.store.roomById(room.id)) ?? room);
  }

  async leaveRoom(actor: MemberRecord, ref: string): Promise<string> {
    const room = await this.ctx.visibleRoom(actor, ref);
    if (room.kind === 'direct') throw new HubError('forbidden', 'Direct rooms cannot be left; mute them instead.');
    if (room.kind === 'conversation') throw new HubError('forbidden', 'A conversation is not left: delete it.');
    await this.removeFromRoom(room.id, actor, actor, this.ctx.now());
    return room.id;
  }

  async removeFromRoom(roomId: string, member: MemberRecord, by: MemberRecord, at: string): Promise<void> {
    const result = await this.ctx.store.removeMembership(roomId, member.id, {
      kind: 'member.left',
      actor: by.handle,
      at,
      data: { member: member.handle, member_id: member.id },
      agents: null,
    });
    this.ctx.forgetRoomMembers(roomId, true);
    if (result.event) this.ctx.publishEvent(result.event);
  }

  async invite(actor: MemberRecord, ref: string, handle: string): Promise<string> {
    const room = await this.ctx.visibleRoom(actor, ref);
    if (room.kind === 'direct' || room.kind === 'conversation') {
      throw new HubError('forbidden', `Members cannot be added to a ${room.kind} room.`);
    }
    if (room.archived_at) throw new HubError('room_archived');
    const member = await this.ctx.memberByHandle(handle);
    if (member.disabled) throw new HubError('forbidden', `@${member.handle} is disabled and cannot be invited.`);
    await this.addToRoom(room.id, member, actor, 'member');
    return room.id;
  }

  async updateRoom(
    actor: MemberRecord,
    ref: string,
    patch: { topic?: string; agent_depth_limit?: number; agent_wake_limit?: number | null; archived?: boolean },
  ): Promise<Room> {
    const room = await this.ctx.visibleRoom(actor, ref);
    if (room.kind === 'conversation')
      throw new HubError('forbidden', 'Rename a conversation with conversation.rename.');
    const membership = await this.ctx.requireMembership(room.id, actor, room.kind);
    const privileged = membership.role === 'owner' || actor.role === 'admin';
    const guarded = [patch.agent_depth_limit, patch.agent_wake_limit, patch.archived];
    if (guarded.some((value) => value !== undefined) && !privileged) {
      throw new HubError('forbidden', 'Only the room owner or an admin may do this.');
    }
    if (room.archived_at && patch.archived !== false) throw new HubError('room_archived');
    const at = this.ctx.now();
    const { room: updated, event } = await this.ctx.store.updateRoom(
      room.id,
      {
        topic: patch.topic,
        agent_depth_limit: patch.agent_depth_limit,
        agent_wake_limit: patch.agent_wake_limit,
        archived_at: patch.archived === undefined ? undefined : patch.archived ? at : null,
      },
      roomUpdated(actor, at),
    );
    this.ctx.publishEvent(event);
    return publicRoom(updated);
  }

  async roomSettings(
    actor: MemberRecord,
    ref: string,
    patch: { notify?: NotifyLevel; listen?: ListenMode },
  ): Promise<MembershipRecord> {
    const room = await this.ctx.visibleRoom(actor, ref);
    const updated = await this.ctx.store.updateMembership(room.id, actor.id, {
      notify: patch.notify,
      listen: patch.listen,
    });
    if (!updated) throw new HubError('not_member');
    this.ctx.bus.publish({ kind: 'control', action: 'membership.updated', roomId: room.id, memberId: actor.id });
    return updated;
  }

  async listRoomMembers(actor: MemberRecord, ref: string): Promise<RoomMember[]> {
    const room = await this.ctx.resolveRoom(ref);
    const memberships = [...(await this.ctx.roomMembers(room.id)).values()];
    if (room.kind !== 'public' && !memberships.some((m) => m.member_id === actor.id)) {
      throw new HubError('room_not_found');
    }
    const members = await Promise.all(memberships.map((m) => this.ctx.member(m.member_id)));
    return memberships.map((membership, index) => ({
      member: members[index]!.handle,
      kind: members[index]!.kind,
      display_name: members[index]!.display_name,
      role: membership.role,
      joined_at: membership.joined_at,
      read_seq: membership.read_seq,
      notify: membership.notify,
      listen: membership.listen,
      presence: this.presenceOf(membership.member_id),
    }));
  }

  async markRead(actor: MemberRecord, ref: string, seq: number): Promise<{ room: string; seq: number }> {
    const room = await this.ctx.visibleRoom(actor, ref);
    // A cached cursor can only lag the stored one, so the span it opens covers every receipt just passed.
    const from =
      this.ctx.cachedMembership(room.id, actor.id)?.read_seq ??
      (await this.ctx.store.membership(room.id, actor.id))?.read_seq ??
      0;
    const cursor = (await this.ctx.store.markRead(room.id, actor.id, seq)) ?? 0;
    const cached = this.ctx.cachedMembership(room.id, actor.id);
    if (cached) cached.read_seq = cursor;
    this.ctx.signal(room.id, { type: 'read', room: room.id, member: actor.handle, seq: cursor }, { agentsToo: false });
    await this.onRead(room.id, actor.id, from, cursor);
    return { room: room.id, seq: cursor };
  }
}

/** A member's notification level starts at their default in channels; direct rooms and conversations notify of all. */
function membershipFor(
  member: MemberRecord,
  role: 'owner' | 'member',
  at: string,
  kind: RoomRecord['kind'],
): Omit<MembershipRecord, 'read_seq'> & { room_id: string } {
  const notify = kind === 'public' || kind === 'private' ? member.notify_default : 'all';
  return { room_id: '', member_id: member.id, role, joined_at: at, notify, listen: 'addressed' };
}

export function roomUpdated(actor: MemberRecord, at: string): (room: RoomRecord) => EventDraft {
  return (room) => ({ kind: 'room.updated', actor: actor.handle, at, data: { room: publicRoom(room) }, agents: null });
}

function joinedDraft(memberId: string, known: MemberRecord[], by: string, at: string): EventDraft {
  const member = known.find((candidate) => candidate.id === memberId)!;
  return {
    kind: 'member.joined',
    actor: by,
    at,
    data: { member: member.handle, member_id: member.id, kind: member.kind },
    agents: null,
  };
}
