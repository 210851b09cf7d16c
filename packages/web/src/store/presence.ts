/** Who is online, away or offline, by handle: from presence frames, and from each room's member list as it loads. */
import type { PresenceStatus } from '@roundtable/protocol';
import type { Action, ChatState } from './state.js';

export type PresenceAction = { type: 'presence'; member: string; status: PresenceStatus };

export function reducePresence(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'presence':
      return { ...state, presence: { ...state.presence, [action.member]: action.status } };
    case 'members.loaded': {
      const presence = { ...state.presence };
      for (const member of action.members) presence[member.member] = member.presence;
      return { ...state, presence };
    }
    default:
      return state;
  }
}
