/** One message: sender badge and initials, time, markdown text (growing while it streams), tool calls, reactions and actions. */
import { memo, useState, type KeyboardEvent } from 'react';
import type { Message } from '@roundtable/client';
import { addressesMe, streamedText } from '../chat-store.js';
import { useChat, useStore } from '../use-chat.js';
import { MessageText } from './Markdown.js';

export const QUICK_REACTIONS = ['👍', '❤️', '😄', '🎉', '👀', '✅'];

type ToolCall = Message['parts'][number];

function initials(handle: string): string {
  return (
    handle
      .replace(/[^a-z0-9]/gi, '')
      .slice(0, 2)
      .toUpperCase() || '?'
  );
}

function clock(iso: string): string {
  const at = new Date(iso);
  const sameDay = at.toDateString() === new Date().toDateString();
  return sameDay
    ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : at.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

function pretty(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function ToolCallCard({ call }: { call: ToolCall }) {
  return (
    <details className={`tool-call ${call.status}`}>
      <summary aria-label={`Tool call ${call.name}, ${call.status}`}>
        <span className="tool-name">{call.name}</span>
        <span className="tool-status">{call.status}</span>
        {call.duration_ms !== undefined && <span className="tool-duration">{Math.round(call.duration_ms)} ms</span>}
      </summary>
      <h4>Arguments</h4>
      <pre>{call.arguments === undefined ? '—' : pretty(call.arguments)}</pre>
      <h4>Result</h4>
      <pre>{call.result === undefined ? (call.status === 'running' ? 'running…' : '—') : pretty(call.result)}</pre>
    </details>
  );
}

interface MemoryItem {
  ref: string;
  kind: 'message' | 'note';
  sender?: string;
  at: string;
  excerpt: string;
}

/** What an agent was given from memory for this reply (`metadata.memory`), so people can see why it answered so. */
function ContextUsed({ metadata }: { metadata: Record<string, unknown> }) {
  const items = Array.isArray(metadata.memory) ? (metadata.memory as MemoryItem[]) : [];
  if (items.length === 0) return null;
  return (
    <details className="context-used">
      <summary aria-label={`Context used: ${items.length} ${items.length === 1 ? 'item' : 'items'}`}>
        Context used ({items.length})
      </summary>
      <ul>
        {items.map((item) => (
          <li key={item.ref}>
            <span className="context-ref">[{item.ref}]</span>{' '}
            {item.kind === 'note' ? 'a note of its own' : `@${item.sender ?? '?'}`},{' '}
            <time dateTime={item.at}>{new Date(item.at).toLocaleDateString()}</time>: {item.excerpt}
          </li>
        ))}
      </ul>
    </details>
  );
}

function Editor({ message, onDone }: { message: Message; onDone: () => void }) {
  const store = useStore();
  const [text, setText] = useState(message.content);
  async function save() {
    const content = text.trim();
    if (content && content !== message.content) await store.edit(message.id, content);
    onDone();
  }
  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void save();
    } else if (event.key === 'Escape') {
      event.stopPropagation();
      onDone();
    }
  }
  return (
    <div className="editor">
      <textarea
        aria-label="Edit message"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={onKeyDown}
        autoFocus
      />
      <div className="editor-actions">
        <button type="button" onClick={() => void save()}>
          Save
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </div>
  );
}

export const MessageItem = memo(function MessageItem({
  message,
  compact = false,
  onOpenThread,
}: {
  message: Message;
  /** Follows a message of the same sender: the name and avatar are not repeated. */
  compact?: boolean;
  onOpenThread?: (message: Message) => void;
}) {
  const store = useStore();
  const me = useChat((state) => state.me?.handle);
  const room = useChat((state) => state.rooms.find((item) => item.id === message.room));
  const deltas = useChat((state) => state.streams[message.id]);
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState(false);
  const mine = message.sender === me;
  const streaming = message.status === 'streaming';
  const text = streamedText(message, deltas);
  const failure = typeof message.metadata.error === 'string' ? message.metadata.error : undefined;

  return (
    <li
      className={`message ${message.sender_kind}${compact ? ' compact' : ''}${mine ? ' mine' : ''}${!mine && me && addressesMe(message, me, room) && room?.kind !== 'direct' ? ' for-me' : ''}`}
      data-id={message.id}
      data-seq={message.seq}
      aria-label={`Message from ${message.sender}`}
    >
      <span className={`avatar ${message.sender_kind}`} aria-hidden="true">
        {initials(message.sender)}
      </span>
      <div className="body">
        <div className="meta">
          <span className="sender">@{message.sender}</span>
          {message.sender_kind !== 'person' && (
            <span className={`kind ${message.sender_kind}`}>{message.sender_kind}</span>
          )}
          <time dateTime={message.created_at} title={new Date(message.created_at).toLocaleString()}>
            {clock(message.created_at)}
          </time>
          {message.edited_at && !message.deleted && <span className="edited">(edited)</span>}
        </div>
        {message.deleted ? (
          <p className="deleted">This message was deleted.</p>
        ) : editing ? (
          <Editor message={message} onDone={() => setEditing(false)} />
        ) : (
          <MessageText text={text} />
        )}
        {message.parts.length > 0 && (
          <div className="tool-calls">
            {message.parts.map((part) => (
              <ToolCallCard key={part.id} call={part} />
            ))}
          </div>
        )}
        {streaming && (
          <div className="streaming" role="status">
            <span className="dots">writing…</span>
            <button
              type="button"
              className="stop"
              onClick={() => void store.stopStream(message.id)}
              aria-label="Stop generating"
            >
              Stop
            </button>
          </div>
        )}
        {!message.deleted && <ContextUsed metadata={message.metadata} />}
        {message.status === 'cancelled' && <p className="stream-note">Stopped.</p>}
        {message.status === 'error' && <p className="stream-note error">Failed{failure ? `: ${failure}` : '.'}</p>}
        {!message.deleted && message.reactions.length > 0 && (
          <div className="reactions">
            {message.reactions.map((reaction) => {
              const reacted = me !== undefined && reaction.members.includes(me);
              return (
                <button
                  key={reaction.emoji}
                  type="button"
                  className={reacted ? 'reaction mine' : 'reaction'}
                  aria-pressed={reacted}
                  aria-label={`${reaction.emoji} ${reaction.count}: ${reaction.members.join(', ')}`}
                  title={reaction.members.join(', ')}
                  onClick={() => void store.toggleReaction(message, reaction.emoji)}
                >
                  {reaction.emoji} {reaction.count}
                </button>
              );
            })}
          </div>
        )}
        {onOpenThread && message.reply_count > 0 && (
          <button type="button" className="thread-link" onClick={() => onOpenThread(message)}>
            {message.reply_count} {message.reply_count === 1 ? 'reply' : 'replies'}
          </button>
        )}
        {!message.deleted && !editing && (
          <div className="actions">
            <button
              type="button"
              aria-label="Add reaction"
              aria-expanded={picking}
              onClick={() => setPicking(!picking)}
            >
              React
            </button>
            {onOpenThread && (
              <button type="button" aria-label="Reply in thread" onClick={() => onOpenThread(message)}>
                Reply
              </button>
            )}
            {mine && !streaming && (
              <>
                <button type="button" aria-label="Edit message" onClick={() => setEditing(true)}>
                  Edit
                </button>
                <button
                  type="button"
                  aria-label="Delete message"
                  onClick={() => {
                    if (window.confirm('Delete this message?')) void store.remove(message.id);
                  }}
                >
                  Delete
                </button>
              </>
            )}
          </div>
        )}
        {picking && (
          <div className="picker" role="group" aria-label="Pick a reaction">
            {QUICK_REACTIONS.map((emoji) => (
              <button
                key={emoji}
                type="button"
                aria-label={`React with ${emoji}`}
                onClick={() => {
                  setPicking(false);
                  void store.toggleReaction(message, emoji);
                }}
              >
                {emoji}
              </button>
            ))}
          </div>
        )}
      </div>
    </li>
  );
});
