/**
 * Threads opened in the side panel: each one's root and replies, and the reply count its root
 * shows wherever it is loaded, which replies arriving live keep up to date.
 */
import type { Message } from '@roundtable/protocol';
import { changeMessage, mergePage, upsert } from './messages.js';
import type { Action, ChatState } from './state.js';

export interface ThreadView {
  root: Message | undefined;
  replies: Message[];
  loaded: boolean;
}

export type ThreadAction =
  { type: 'thread.opened'; root: Message } | { type: 'thread.loaded'; root: string; replies: Message[] };

export function reduceThreads(state: ChatState, action: Action): ChatState {
  switch (action.type) {
    case 'thread.opened':
      return {
        ...state,
        threads: { ...state.threads, [action.root.id]: { root: action.root, replies: [], loaded: false } },
      };
    case 'thread.loaded': {
      const thread = state.threads[action.root];
      if (!thread) return state;
      const replies = mergePage(thread.replies, action.replies);
      return { ...state, threads: { ...state.threads, [action.root]: { ...thread, replies, loaded: true } } };
    }
    case 'message.created':
      return action.message.thread_id ? withReply(state, action.message, action.message.thread_id) : state;
    case 'message.acked': {
      const { message } = action;
      const thread = message.thread_id ? state.threads[message.thread_id] : undefined;
      // Only an open thread takes the ack's copy; the root's count waits for the event otherwise.
      if (!message.thread_id || !thread || thread.replies.some((item) => item.id === message.id)) return state;
      return withReply(state, message, message.thread_id);
    }
    default:
      return state;
  }
}

function withReply(state: ChatState, reply: Message, rootId: string): ChatState {
  const thread = state.threads[rootId];
  const next = thread
    ? { ...state, threads: { ...state.threads, [rootId]: { ...thread, replies: upsert(thread.replies, reply) } } }
    : state;
  return changeMessage(next, reply.room, rootId, (root) => counted(root, reply));
}

/** A reply the root already counts (replayed, or both acked and delivered) is not counted again. */
function counted(root: Message, reply: Message): Message {
  return root.last_reply_at !== null && reply.created_at <= root.last_reply_at
    ? root
    : { ...root, reply_count: root.reply_count + 1, last_reply_at: reply.created_at };
}
