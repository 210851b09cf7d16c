/**
 * The member's conversations with agents, by room id: what the room list does not carry (title,
 * last activity, last message, counts). They come a page at a time, newest activity first; a page
 * loaded again (after new activity) updates what it holds and leaves the later pages in place.
 */
import type { Conversation } from '@roundtable/protocol';
import { record, text } from '../safe.js';
import type { Action, ChatState } from './state.js';

export type ConversationAction =
  /** `more`: a page after those loaded; otherwise the first page, loaded afresh. */
  | { type: 'conversations.loaded'; conversations: Conversation[]; next: string | null; more: boolean }
  | { type: 'conversation.renamed'; id: string; conversation: Conversation }
  | { type: 'conversation.deleted'; id: string };

export function reduceConversations(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'conversations.loaded': {
      const loaded = Object.fromEntries(action.conversations.map((conversation) => [conversation.id, conversation]));
      // The first page read again says nothing of where the later pages end: their cursor stays.
      const next = action.more || state.conversationsNext === undefined ? action.next : state.conversationsNext;
      return { ...state, conversations: { ...state.conversations, ...loaded }, conversationsNext: next };
    }
    case 'conversation.renamed':
      return { ...state, conversations: { ...state.conversations, [action.id]: action.conversation } };
    case 'conversation.deleted': {
      const conversations = { ...state.conversations };
      delete conversations[action.id];
      return { ...state, conversations };
    }
    default:
      return state;
  }
}

/** When a conversation was last active, as sortable text: stored values are read defensively, so a bad one sorts last. */
export function activityOf(conversation: Conversation | undefined): string {
  return (
    text(conversation?.active_at) ??
    text(record(conversation?.last_message).created_at) ??
    text(conversation?.created_at) ??
    ''
  );
}
