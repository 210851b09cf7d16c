/** The connection's state, who this page is signed in as, and the last error to show. */
import type { ConnectionState } from '@roundtable/client';
import type { Member, RoomSummary } from '@roundtable/protocol';
import type { Action, ChatState } from './state.js';

export type ConnectionAction =
  | { type: 'connection'; connection: ConnectionState }
  /** `watched` is the room the person is looking at, if any: its counts start at zero. */
  | { type: 'ready'; me: Member; rooms: RoomSummary[]; watched: string | undefined }
  | { type: 'error'; message: string | undefined };

export function reduceConnection(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'connection':
      return { ...state, connection: action.connection };
    case 'ready':
      return { ...state, me: action.me, error: undefined };
    case 'error':
      return { ...state, error: action.message };
    default:
      return state;
  }
}
