/** A thread beside the room: its first message, every reply, and a composer that answers in it. */
import { useEffect, useRef } from 'react';
import { useChat } from '../use-chat.js';
import { Composer } from './Composer.js';
import { MessageItem } from './MessageItem.js';
import { moveBetweenMessages } from './MessageList.js';
import { PendingItem } from './PendingItem.js';
import { SidePanel } from './SidePanel.js';
import { TypingLine } from './TypingLine.js';

interface Props {
  rootId: string;
  draft: string;
  onDraft: (draft: string) => void;
  onClose: () => void;
}

export function ThreadPanel({ rootId, draft, onDraft, onClose }: Props) {
  const thread = useChat((state) => state.threads[rootId]);
  const outbox = useChat((state) => state.outbox);
  const list = useRef<HTMLOListElement>(null);
  const atBottom = useRef(true);
  const replies = thread?.replies.length ?? 0;
  const mine = outbox.filter((item) => item.thread_id === rootId).length;
  const root = thread?.root;
  // Opening a thread is to answer in it, as in Slack: its composer takes the focus once the thread shows.
  useEffect(() => {
    if (root) list.current?.closest('.thread-panel')?.querySelector<HTMLTextAreaElement>('textarea')?.focus();
  }, [rootId, Boolean(root)]);
  // New replies scroll into view only for a reader at the bottom; one's own always does.
  useEffect(() => {
    if (list.current && atBottom.current) list.current.scrollTop = list.current.scrollHeight;
  }, [replies]);
  useEffect(() => {
    if (list.current && mine > 0) list.current.scrollTop = list.current.scrollHeight;
  }, [mine]);
  if (!thread || !root) return null;
  return (
    <SidePanel title="Thread" className="thread-panel" onClose={onClose}>
      <ol
        className="messages"
        ref={list}
        aria-label="Thread messages"
        tabIndex={0}
        onKeyDown={moveBetweenMessages}
        onScroll={(event) => {
          const target = event.currentTarget;
          atBottom.current = target.scrollHeight - target.scrollTop - target.clientHeight < 48;
        }}
      >
        <MessageItem message={root} />
        <li className="thread-count">
          <span role="separator">
            {thread.loaded
              ? `${thread.replies.length} ${thread.replies.length === 1 ? 'reply' : 'replies'}`
              : 'Loading…'}
          </span>
        </li>
        {thread.replies.map((message) => (
          <MessageItem key={message.id} message={message} />
        ))}
        {outbox
          .filter((item) => item.thread_id === root.id)
          .map((item) => (
            <PendingItem key={item.client_id} outgoing={item} />
          ))}
      </ol>
      <TypingLine roomId={root.room} threadId={root.id} />
      <Composer
        roomId={root.room}
        threadId={root.id}
        label="Reply in thread"
        placeholder="Reply…"
        draft={draft}
        onDraft={onDraft}
      />
    </SidePanel>
  );
}
