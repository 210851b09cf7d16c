/** A person's private conversations with an agent: rooms of kind `conversation` that only the two can see. */
import { z } from 'zod';
import { ClientId, Content, Handle, Id, type Message } from './model.js';

/** The longest title; a conversation is first titled with the start of its first message. */
export const MAX_TITLE_CHARS = 200;

/** The title of a conversation started without a message, until its first message (or a rename) titles it. */
export const NEW_CONVERSATION_TITLE = 'New conversation';

export interface Conversation {
  /** The conversation's room id: send, read and sync it as any room. */
  id: string;
  title: string;
  /** The person who started it. */
  owner: string;
  agent: string;
  created_at: string;
  /** When it last changed in a way its list shows: its last message, or a rename; else when it was started. */
  active_at: string;
  /** `active_at`, under the name ChatKit-style clients read. */
  updated_at: string;
  /** Messages in it, deleted ones not counted. */
  message_count: number;
  /** Messages from the other side after the owner's read cursor (for the agent: after its own). */
  unread: number;
  last_message: { id: string; sender: string; excerpt: string; created_at: string } | null;
  /** The last message's excerpt, or null while it has none. */
  preview: string | null;
}

export const ConversationRequestSchemas = {
  /**
   * Starts a conversation with an agent, with a first message (its title is that message's start)
   * or empty and titled NEW_CONVERSATION_TITLE until its first message. `client_id` makes a repeated
   * create return the conversation it made; it goes with a first message, whose client_id it is.
   */
  'conversation.create': z.object({
    agent: Handle,
    content: Content.min(1).optional(),
    client_id: ClientId.optional(),
  }),
  /** Your conversations, most recently active first (a new message or a rename counts), a page at a time. */
  'conversation.list': z.object({
    /** The `next` of an earlier page. */
    cursor: z.string().max(200).optional(),
    limit: z.number().int().min(1).max(200).default(50),
  }),
  'conversation.rename': z.object({ conversation: Id, title: z.string().trim().min(1).max(MAX_TITLE_CHARS) }),
  /** Hides the conversation from both sides for good; its messages are kept, as for any deleted thing. */
  'conversation.delete': z.object({ conversation: Id }),
} as const;

export interface ConversationResultMap {
  /** `message` is the first message, or null for a conversation started empty. */
  'conversation.create': { conversation: Conversation; message: Message | null };
  /** `next` is the cursor of the page after this one, or null when this is the last. */
  'conversation.list': { conversations: Conversation[]; next: string | null };
  'conversation.rename': { conversation: Conversation };
  'conversation.delete': { conversation: string };
}
