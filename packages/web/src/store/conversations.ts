/** The member's conversations with agents, by room id: what the room list does not carry (title, last message, counts). */
import type { Conversation } from '@roundtable/protocol';
import type { Action, ChatState } from './state.js';

export type ConversationAction =
  | { type: 'conversations.loaded'; conversations: Conversation[] }
  | { type: 'conversation.renamed'; id: string; conversation: Conversation }
  | { type: 'conversation.deleted'; id: string };

export function reduceConversations(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'conversations.loaded':
      return {
        ...state,
        conversations: Object.fromEntries(action.conversations.map((conversation) => [conversation.id, conversation])),
      };
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
