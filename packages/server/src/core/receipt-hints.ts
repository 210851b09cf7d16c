/**
 * Which members this instance knows to have no open receipt in a room, so that their messages
 * need not look for receipts to act on. Only ever a shortcut: it starts empty, and every new
 * message that may address a member (seen on the bus, from whichever instance) takes them out of
 * it before their next message, so a wrong answer can only cost one query, never a missed step.
 */
import type { Message, RoomKind } from '@roundtable/protocol';

/** Rooms whose settled members are remembered; past this many it starts over. */
const MAX_ROOMS = 10_000;

export class SettledMembers {
  /**
   * Per room, the members settled, and those being looked up, each with the look-up's token. A
   * look-up counts only if no message that may address that member was seen meanwhile: a room-wide
   * counter would almost never hold still in a busy room, and every message would pay the query.
   */
  private readonly rooms = new Map<string, { handles: Set<string>; checking: Map<string, number> }>();
  private tokens = 0;

  /** Whether the member's messages in the room can act on nothing. */
  has(roomId: string, handle: string): boolean {
    return this.rooms.get(roomId)?.handles.has(handle) ?? false;
  }

  /** Taken before a member's open receipts are looked for; `settle` with it counts only if nothing addressed them meanwhile. */
  checking(roomId: string, handle: string): number {
    let room = this.rooms.get(roomId);
    if (!room) {
      if (this.rooms.size >= MAX_ROOMS) this.rooms.clear();
      this.rooms.set(roomId, (room = { handles: new Set(), checking: new Map() }));
    }
    const token = ++this.tokens;
    room.checking.set(handle, token);
    return token;
  }

  settle(roomId: string, handle: string, token: number): void {
    const room = this.rooms.get(roomId);
    if (room?.checking.get(handle) !== token) return;
    room.checking.delete(handle);
    room.handles.add(handle);
  }

  /**
   * A new message of the room: whom it may keep a receipt for is unsettled. Those it names, or the
   * whole room when it may address anyone (`@all`, a thread, a direct room, a room not known yet).
   */
  messageSeen(message: Message, roomKind: RoomKind | undefined): void {
    const room = this.rooms.get(message.room);
    if (!room) return;
    const everyone =
      message.mention_all ||
      message.thread_id !== null ||
      roomKind === undefined ||
      roomKind === 'direct' ||
      roomKind === 'conversation';
    if (everyone) {
      room.handles.clear();
      room.checking.clear();
      return;
    }
    for (const handle of [...message.mentions, ...message.targets]) {
      room.handles.delete(handle);
      room.checking.delete(handle);
    }
  }

  forgetAll(): void {
    this.rooms.clear();
  }
}
