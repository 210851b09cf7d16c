/** A thread beside the room: its first message, every reply, and a composer that answers in it. */
import { useEffect, useRef } from 'react';
import { useChat } from '../use-chat.js';
import { Composer } from './Composer.js';
import { MessageItem } from './MessageItem.js';
import { PendingItem } from './PendingItem.js';
import { SidePanel } from './SidePanel.js';

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
  const replies = thread?.replies.length ?? 0;
  useEffect(() => {
    if (list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [replies]);
  if (!thread?.root) return null;
  const root = thread.root;
  return (
    <SidePanel title="Thread" className="thread-panel" onClose={onClose}>
      <ol className="messages" ref={list} aria-label="Thread messages">
        <MessageItem message={root} />
        <li className="thread-count" role="separator">
          {thread.loaded ? `${thread.replies.length} ${thread.replies.length === 1 ? 'reply' : 'replies'}` : 'Loading…'}
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
