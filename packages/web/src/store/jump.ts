/**
 * Moving through a room's history away from its live end: opening a room at a message (a search
 * result, a permalink) with the history around it, paging down from there without gaps, and
 * jumping back to the newest page.
 */
import type { HistoryOptions, Message, ResultMap } from '@roundtable/client';
import type { Action, ChatState } from './state.js';

const PAGE = 50;

/** What the chat store gives: the SDK's reads (it alone holds the client), its state and its dispatch. */
interface JumpDeps {
  history: (room: string, options: HistoryOptions) => Promise<ResultMap['history']>;
  message: (id: string) => Promise<Message>;
  state: () => ChatState;
  apply: (action: Action) => void;
  fail: (error: unknown) => void;
}

function hasTopLevel(messages: Message[]): boolean {
  return messages.some((message) => message.thread_id === null);
}

export class Jumps {
  private focusCount = 0;

  constructor(private readonly deps: JumpDeps) {}

  /**
   * Loads the room of a message around it (unless it is loaded already) and asks for it to be
   * scrolled to and highlighted. A thread reply lands on its thread's root, which is returned so
   * that the thread can be opened. Throws what the hub answered when the message cannot be read.
   */
  async openAt(messageId: string): Promise<{ room: string; root: Message | undefined }> {
    const { history, apply, state } = this.deps;
    const message = await this.deps.message(messageId);
    const roomId = message.room;
    const rootId = message.thread_id ?? message.id;
    apply({ type: 'room.opened', room: roomId });
    const focus = { id: rootId, at: (this.focusCount += 1) };
    const view = state().views[roomId]!;
    let root = view.messages.find((item) => item.id === rootId);
    if (view.loaded && root) {
      apply({ type: 'message.focused', room: roomId, focus });
    } else {
      const page = await history(roomId, { around: rootId, limit: PAGE });
      root = page.messages.find((item) => item.id === rootId);
      apply({
        type: 'window.loaded',
        room: roomId,
        messages: page.messages,
        hasMore: page.has_more,
        hasNewer: page.has_more_after ?? false,
        focus,
        readAtOpen: view.readAtOpen,
      });
    }
    return { room: roomId, root: message.thread_id ? root : undefined };
  }

  /**
   * Loads the page after the newest loaded message, for a room opened at an older one. Thread
   * replies count in the hub's paging, so a page of replies only is followed by the next one.
   */
  async loadNewer(roomId: string): Promise<void> {
    const { history, apply, state } = this.deps;
    const view = state().views[roomId];
    let cursor = view?.messages.at(-1)?.seq;
    if (!view?.loaded || !view.hasNewer || view.loadingNewer || cursor === undefined) return;
    apply({ type: 'newer.loading', room: roomId });
    try {
      for (;;) {
        const page = await history(roomId, { limit: PAGE, after: cursor });
        const more = page.has_more && page.messages.length > 0;
        apply({ type: 'newer.loaded', room: roomId, messages: page.messages, hasNewer: more });
        if (!more || hasTopLevel(page.messages)) return;
        apply({ type: 'newer.loading', room: roomId });
        cursor = page.messages.at(-1)!.seq;
      }
    } catch (error) {
      apply({ type: 'newer.failed', room: roomId });
      this.deps.fail(error);
    }
  }

  /** Replaces an older window with the room's newest page: back to the live end. */
  async loadLatest(roomId: string): Promise<void> {
    const { history, apply, state } = this.deps;
    try {
      const page = await history(roomId, { limit: PAGE });
      apply({
        type: 'window.loaded',
        room: roomId,
        messages: page.messages,
        hasMore: page.has_more,
        hasNewer: false,
        focus: undefined,
        readAtOpen: state().views[roomId]?.readAtOpen ?? 0,
      });
    } catch (error) {
      this.deps.fail(error);
    }
  }
}
