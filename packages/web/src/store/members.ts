/** Each loaded room's members, with the read receipts that move their cursors forward. */
import type { RoomMember } from '@roundtable/protocol';
import type { Action, ChatState } from './state.js';

export type MemberAction =
  | { type: 'members.loaded'; room: string; members: RoomMember[] }
  | { type: 'member.read'; room: string; member: string; seq: number };

export function reduceMembers(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'members.loaded':
      return { ...state, members: { ...state.members, [action.room]: action.members } };
    case 'member.read': {
      const members = state.members[action.room];
      if (!members) return state;
      // Receipts can arrive out of order: a cursor never moves back.
      const read = members.map((item) =>
        item.member === action.member ? { ...item, read_seq: Math.max(item.read_seq, action.seq) } : item,
      );
      return { ...state, members: { ...state.members, [action.room]: read } };
    }
    default:
      return state;
  }
}
