/**
 * Messages typed here that the hub has not acknowledged: sending, or refused with the reason. Each
 * carries its client_id, which makes sending it again harmless (the hub stores it once) and lets
 * the message's own event, when it comes first, take it out of the outbox.
 */
import type { Outgoing } from '../session.js';
import type { Action, ChatState } from './state.js';

export type OutboxAction =
  | { type: 'outbox.queued'; outgoing: Outgoing }
  | { type: 'outbox.failed'; clientId: string; reason: string }
  | { type: 'outbox.retried'; clientId: string }
  | { type: 'outbox.discarded'; clientId: string }
  /** What an earlier page of this member left unsent is kept; another member's is dropped. */
  | { type: 'outbox.adopted'; member: string };

export function reduceOutbox(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'outbox.queued':
      return { ...state, outbox: [...state.outbox, action.outgoing] };
    case 'outbox.failed':
      return changeOutgoing(state, action.clientId, (item) => ({ ...item, failed: action.reason }));
    case 'outbox.retried':
      return changeOutgoing(state, action.clientId, (item) => ({ ...item, failed: undefined }));
    case 'outbox.discarded':
      return withoutClientId(state, action.clientId);
    case 'outbox.adopted': {
      const mine = state.outbox.filter((item) => item.member === action.member);
      return mine.length === state.outbox.length ? state : { ...state, outbox: mine };
    }
    case 'message.created':
      return withoutClientId(state, action.message.client_id);
    case 'message.acked':
      return withoutClientId(state, action.clientId);
    default:
      return state;
  }
}

function changeOutgoing(state: ChatState, clientId: string, change: (item: Outgoing) => Outgoing): ChatState {
  return { ...state, outbox: state.outbox.map((item) => (item.client_id === clientId ? change(item) : item)) };
}

/** Everything sent with this client_id is out of the outbox; a message without one matches nothing. */
function withoutClientId(state: ChatState, clientId: string | null): ChatState {
  if (!clientId) return state;
  const outbox = state.outbox.filter((item) => item.client_id !== clientId);
  return outbox.length === state.outbox.length ? state : { ...state, outbox };
}

/** How long to wait before sending again: what the hub asked for, else doubling from 500 ms up to 8 s. */
export function retryDelay(attempt: number, retryAfterMs: number | undefined): number {
  return retryAfterMs ? retryAfterMs : Math.min(8_000, 500 * 2 ** attempt);
}
