/**
 * Delivery receipts of the person's own messages, and the notices the hub sent right after one of
 * them (an addressed agent offline or disabled). Both are keyed by message id in Maps: the ids come
 * from the hub and must not reach an object's prototype.
 */
import type { AgentNoticeFrame, Receipt, ReceiptFrame } from '@roundtable/protocol';
import type { Action, ChatState } from './state.js';

export type Notice = Pick<AgentNoticeFrame, 'code' | 'members' | 'text'>;

export type ReceiptAction =
  | { type: 'receipts.loaded'; message: string; receipts: Receipt[] }
  | { type: 'receipt'; frame: ReceiptFrame }
  | { type: 'notice'; frame: AgentNoticeFrame };

const ORDER = ['stored', 'delivered', 'read', 'acted'];

export function reduceReceipts(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'receipts.loaded': {
      // A frame that arrived while the list was on its way may be newer than the list.
      const live = state.receipts.get(action.message) ?? [];
      return withReceipts(
        state,
        action.message,
        action.receipts.map((receipt) => newest(receipt, live)),
      );
    }
    case 'receipt': {
      const { type: _type, room: _room, message, ...receipt } = action.frame;
      const known = state.receipts.get(message) ?? [];
      const others = known.filter((item) => item.member !== receipt.member);
      const merged = newest(receipt, known);
      return withReceipts(state, message, [...others, merged].sort(byKindThenHandle));
    }
    case 'notice': {
      const { message, code, members, text } = action.frame;
      const notices = new Map(state.notices);
      notices.set(message, [
        ...(notices.get(message) ?? []).filter((notice) => notice.code !== code),
        { code, members, text },
      ]);
      return { ...state, notices };
    }
    default:
      return state;
  }
}

function withReceipts(state: ChatState, message: string, receipts: Receipt[]): ChatState {
  const all = new Map(state.receipts);
  all.set(message, receipts);
  return { ...state, receipts: all };
}

/** The further of a receipt and what is already known of the same member's: states never go back. */
function newest(receipt: Receipt, known: Receipt[]): Receipt {
  const before = known.find((item) => item.member === receipt.member);
  return before && ORDER.indexOf(before.state) > ORDER.indexOf(receipt.state) ? before : receipt;
}

function byKindThenHandle(a: Receipt, b: Receipt): number {
  return Number(a.kind !== 'agent') - Number(b.kind !== 'agent') || a.member.localeCompare(b.member);
}
