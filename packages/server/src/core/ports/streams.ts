/**
 * The streams slice of the Store: what the instance holding a streamed message saves of it (its
 * text so far, and that it is still alive), finding the streams nobody holds any more, and the one
 * write that ends a stream, whoever makes it.
 */
import type { Message, MessagePart } from '@roundtable/protocol';
import type { EventDraft, StoredEvent } from './log.js';
import type { MessageAudience, MessagePatch } from './messages.js';

export interface StreamCheckpoint {
  messageId: string;
  /** The text so far, when it changed since the last checkpoint; without it, only the time is saved. */
  text?: {
    content: string;
    /** Left out while the stream has shown no part: the message keeps the parts it started with. */
    parts?: MessagePart[];
  };
}

export interface StreamsStore {
  /**
   * Saves, in one write, that the instance holding these streams was alive at `at`, with the text
   * of those that changed. Only messages still streaming are touched; resolves the ids it saved, so
   * a stream missing from them was ended (by another instance) or deleted.
   */
  checkpointStreams(at: string, streams: StreamCheckpoint[]): Promise<string[]>;
  /**
   * Messages still streaming (not deleted) whose last checkpoint, or their start when they have
   * none, is before `before`: the instance that held them stopped. Oldest first, with the text of
   * their last checkpoint.
   */
  orphanedStreams(before: string, limit: number): Promise<MessageAudience[]>;
  /**
   * A stream's ending: applies the patch and appends the event only while the message is still
   * streaming and not deleted, so that of several instances ending one stream at once exactly one
   * writes. Resolves undefined for the others.
   */
  finishStream(
    id: string,
    patch: MessagePatch,
    event: (message: Message) => EventDraft,
  ): Promise<{ message: Message; event: StoredEvent } | undefined>;
}
