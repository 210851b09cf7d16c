/**
 * One message: sender badge and initials, time, markdown text (growing while it streams), tool calls,
 * reactions and actions. Every field is read through safe.ts, and a message that still fails to
 * render shows a notice in its place: one bad message never takes the room down with it.
 */
import { lazy, memo, Suspense, useRef, useState, type KeyboardEvent } from 'react';
import { Link, MessageSquareText, Pencil, SmilePlus, Square, Trash2 } from 'lucide-react';
import type { Message } from '@roundtable/client';
import { MemberKind } from '@roundtable/protocol';
import { addressesMe, reactionsOf } from '../store/messages.js';
import { streamedText } from '../store/streams.js';
import { date, keyed, num, oneOf, readable, record, records, text } from '../safe.js';
import { permalink } from '../permalink.js';
import { Avatar } from '../ui/Avatar.js';
import { copyText } from '../ui/CopyButton.js';
import { IconButton } from '../ui/IconButton.js';
import { KindBadge } from '../ui/KindBadge.js';
import { toast } from '../ui/toast.js';
import { useChat, useStore } from '../use-chat.js';
import { ApprovalCard } from './ApprovalCard.js';
import { ReviewCard } from './ReviewCard.js';
import { Boundary } from './Boundary.js';
import { Confirm } from './Dialog.js';
import { ActionText, MessageText } from './Markdown.js';
import { Receipts } from './Receipts.js';

const EmojiPicker = lazy(() => import('./EmojiPicker.js'));

export const QUICK_REACTIONS = ['👍', '❤️', '😄', '🎉', '👀', '✅'];

const TOOL_STATUSES = ['pending', 'running', 'ok', 'error'] as const;

function clock(at: Date): string {
  const sameDay = at.toDateString() === new Date().toDateString();
  return sameDay
    ? at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
    : at.toLocaleString([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
}

/** Who wrote a message and when, as far as the message says: shared with the notice that replaces a failed one. */
function Meta({ message }: { message: Message }) {
  const sender = text(message.sender);
  const kind = oneOf(message.sender_kind, MemberKind.options);
  const at = date(message.created_at);
  return (
    <div className="meta">
      {sender !== undefined && <span className="sender">@{sender}</span>}
      {kind !== undefined && kind !== 'person' && <KindBadge kind={kind} />}
      {at && (
        <time dateTime={at.toISOString()} title={at.toLocaleString()}>
          {clock(at)}
        </time>
      )}
      {message.edited_at && !message.deleted && <span className="edited">(edited)</span>}
    </div>
  );
}

/** One tool call: a part of another type is not shown (see MessageBody), and each field is shown only as what it is. */
function ToolCallCard({ call }: { call: Record<string, unknown> }) {
  const name = text(call.name) ?? 'unnamed tool';
  const status = text(call.status) ?? 'unknown';
  const known = oneOf(call.status, TOOL_STATUSES);
  const duration = num(call.duration_ms);
  return (
    <details className={`tool-call ${known ?? ''}`}>
      <summary
        aria-label={`Tool call ${name}, ${status}${duration === undefined ? '' : `, ${Math.round(duration)} ms`}`}
      >
        {/* Spaces between the parts: the visible text must read as the accessible name does. */}
        <span className="tool-name">{name}</span> <span className="tool-status">{status}</span>{' '}
        {duration !== undefined && <span className="tool-duration">{Math.round(duration)} ms</span>}
      </summary>
      <h4>Arguments</h4>
      {/* Focusable: a long result scrolls within its card, and keyboard users must be able to scroll it too. */}
      <pre tabIndex={0}>{call.arguments === undefined ? '—' : readable(call.arguments)}</pre>
      <h4>Result</h4>
      <pre tabIndex={0}>
        {call.result === undefined ? (known === 'running' ? 'running…' : '—') : readable(call.result)}
      </pre>
    </details>
  );
}

/** What an agent was given from memory for this reply (`metadata.memory`), so people can see why it answered so. */
function ContextUsed({ metadata }: { metadata: unknown }) {
  const items = records(record(metadata).memory);
  if (items.length === 0) return null;
  return (
    <details className="context-used">
      <summary aria-label={`Context used: ${items.length} ${items.length === 1 ? 'item' : 'items'}`}>
        Context used ({items.length})
      </summary>
      <ul>
        {keyed(items, (item) => item.ref).map(([key, item]) => {
          const ref = text(item.ref);
          const at = date(item.at);
          const excerpt = readable(item.excerpt);
          return (
            <li key={key}>
              {ref !== undefined && <span className="context-ref">[{ref}] </span>}
              {item.kind === 'note' ? (
                'a note of its own'
              ) : (
                <span className="context-sender">@{text(item.sender) ?? '?'}</span>
              )}
              {at && (
                <>
                  , <time dateTime={at.toISOString()}>{at.toLocaleDateString()}</time>
                </>
              )}
              {excerpt && (
                <>
                  : <span className="context-excerpt">{excerpt}</span>
                </>
              )}
            </li>
          );
        })}
      </ul>
    </details>
  );
}

/** What shows in place of a message that failed to render: who and when if that much can be read, and a notice. */
function Unshown({ message }: { message: Message }) {
  const sender = text(message.sender);
  return (
    <li
      className="message"
      data-id={text(message.id)}
      aria-label={sender === undefined ? 'Message' : `Message from ${sender}`}
    >
      <Avatar handle={sender ?? '?'} kind="unknown" />
      <div className="body">
        <Meta message={message} />
        <p className="unshown">This message could not be shown.</p>
      </div>
    </li>
  );
}

function Editor({ message, onDone }: { message: Message; onDone: () => void }) {
  const store = useStore();
  const [draft, setDraft] = useState(text(message.content) ?? '');
  async function save() {
    const content = draft.trim();
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
        value={draft}
        onChange={(e) => setDraft(e.target.value)}
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

interface Props {
  message: Message;
  /** Follows a message of the same sender: the name and avatar are not repeated. */
  compact?: boolean;
  onOpenThread?: (message: Message) => void;
}

export const MessageItem = memo(function MessageItem(props: Props) {
  return (
    <Boundary resetKey={props.message} fallback={<Unshown message={props.message} />}>
      <MessageBody {...props} />
    </Boundary>
  );
});

function MessageBody({ message, compact = false, onOpenThread }: Props) {
  const store = useStore();
  const me = useChat((state) => state.me?.handle);
  const room = useChat((state) => state.rooms.find((item) => item.id === message.room));
  const deltas = useChat((state) => state.streams[message.id]);
  const [editing, setEditing] = useState(false);
  const [picking, setPicking] = useState<'quick' | 'all' | undefined>();
  const [deleting, setDeleting] = useState(false);
  const sender = text(message.sender) ?? '?';
  const kind = oneOf(message.sender_kind, MemberKind.options) ?? 'person';
  const mine = message.sender === me;
  const streaming = message.status === 'streaming';
  const failure = text(record(message.metadata).error);
  const calls = records(message.parts).filter((part) => part.type === 'tool_call');
  const reactions = reactionsOf(message);
  const replies = num(message.reply_count) ?? 0;
  const item = useRef<HTMLLIElement>(null);
  // The picker that had the focus goes away: the focus stays on the message, not lost to the page.
  const react = (emoji: string) => {
    setPicking(undefined);
    item.current?.focus();
    void store.toggleReaction(message, emoji);
  };

  return (
    <li
      className={`message ${kind}${compact ? ' compact' : ''}${mine ? ' mine' : ''}${picking ? ' picking' : ''}${!mine && me && addressesMe(message, me, room) && room?.kind !== 'direct' ? ' for-me' : ''}`}
      data-id={message.id}
      data-seq={message.seq}
      aria-label={`Message from ${sender}`}
      tabIndex={-1}
      ref={item}
    >
      <Avatar handle={sender} kind={kind} />
      <div className="body">
        <Meta message={message} />
        {message.deleted ? (
          <p className="deleted">This message was deleted.</p>
        ) : editing ? (
          <Editor message={message} onDone={() => setEditing(false)} />
        ) : kind === 'system' && record(message.metadata).approval !== undefined ? (
          <ApprovalCard approval={record(message.metadata).approval} />
        ) : kind === 'system' && record(message.metadata).review !== undefined ? (
          <ReviewCard review={record(message.metadata).review} />
        ) : record(message.metadata).action === true ? (
          <ActionText sender={sender} text={message.content} />
        ) : (
          <MessageText text={streamedText(message, deltas)} />
        )}
        {calls.length > 0 && (
          <div className="tool-calls">
            {keyed(calls, (call) => call.id).map(([key, call]) => (
              <ToolCallCard key={key} call={call} />
            ))}
          </div>
        )}
        {streaming && (
          <div className="streaming" role="status">
            <span className="dots">writing…</span>
            <button
              type="button"
              className="stop danger"
              onClick={() => void store.stopStream(message.id)}
              aria-label="Stop generating"
            >
              <Square size={12} aria-hidden="true" />
              Stop
            </button>
          </div>
        )}
        {!message.deleted && <ContextUsed metadata={message.metadata} />}
        {message.status === 'cancelled' && <p className="stream-note">Stopped.</p>}
        {message.status === 'error' && <p className="stream-note error">Failed{failure ? `: ${failure}` : '.'}</p>}
        {!message.deleted && reactions.length > 0 && (
          <div className="reactions">
            {keyed(reactions, (reaction) => reaction.emoji).map(([key, reaction]) => {
              const reacted = me !== undefined && reaction.members.includes(me);
              return (
                <button
                  key={key}
                  type="button"
                  className={reacted ? 'reaction mine' : 'reaction'}
                  aria-pressed={reacted}
                  aria-label={`${reaction.emoji} ${reaction.count}: ${reaction.members.join(', ')}`}
                  title={reaction.members.join(', ')}
                  onClick={() => void store.toggleReaction(message, reaction.emoji)}
                >
                  <bdi>{reaction.emoji}</bdi> {reaction.count}
                </button>
              );
            })}
            <IconButton
              label="Add reaction"
              className="reaction-add"
              aria-expanded={picking === 'all'}
              onClick={() => setPicking(picking === 'all' ? undefined : 'all')}
            >
              <SmilePlus size={15} aria-hidden="true" />
            </IconButton>
          </div>
        )}
        {mine && !message.deleted && <Receipts message={message} room={room} />}
        {onOpenThread && replies > 0 && (
          <button type="button" className="thread-link" onClick={() => onOpenThread(message)}>
            <MessageSquareText size={14} aria-hidden="true" />
            {replies} {replies === 1 ? 'reply' : 'replies'}
          </button>
        )}
        {!message.deleted && !editing && (
          <div className="actions" role="toolbar" aria-label="Message actions">
            <IconButton
              label="React to message"
              aria-expanded={picking !== undefined}
              onClick={() => setPicking(picking ? undefined : 'quick')}
            >
              <SmilePlus size={16} aria-hidden="true" />
            </IconButton>
            {onOpenThread && (
              <IconButton label="Reply in thread" onClick={() => onOpenThread(message)}>
                <MessageSquareText size={16} aria-hidden="true" />
              </IconButton>
            )}
            <IconButton
              label="Copy link to message"
              onClick={() =>
                void copyText(permalink(message.id)).then((ok) =>
                  toast(ok ? 'Link copied' : 'Could not copy the link', ok ? 'info' : 'error'),
                )
              }
            >
              <Link size={16} aria-hidden="true" />
            </IconButton>
            {mine && !streaming && (
              <>
                <IconButton label="Edit message" onClick={() => setEditing(true)}>
                  <Pencil size={16} aria-hidden="true" />
                </IconButton>
                <IconButton label="Delete message" tipSide="left" onClick={() => setDeleting(true)}>
                  <Trash2 size={16} aria-hidden="true" />
                </IconButton>
              </>
            )}
          </div>
        )}
        {picking === 'quick' && (
          <div className="picker" role="group" aria-label="Pick a reaction">
            {QUICK_REACTIONS.map((emoji) => (
              <button key={emoji} type="button" aria-label={`React with ${emoji}`} onClick={() => react(emoji)}>
                {emoji}
              </button>
            ))}
            <button type="button" className="more" onClick={() => setPicking('all')}>
              More…
            </button>
          </div>
        )}
        {picking === 'all' && (
          <div
            className="emoji-popover"
            onKeyDown={(event) => {
              if (event.key === 'Escape') {
                event.stopPropagation();
                setPicking(undefined);
              }
            }}
          >
            <Suspense fallback={<p className="muted-text">Loading emoji…</p>}>
              <EmojiPicker onPick={react} />
            </Suspense>
          </div>
        )}
      </div>
      {deleting && (
        <Confirm
          title="Delete message"
          action="Delete"
          onConfirm={() => void store.remove(message.id)}
          onClose={() => setDeleting(false)}
        >
          <p>Delete this message? Everyone in the room sees that it was deleted; this cannot be undone.</p>
        </Confirm>
      )}
    </li>
  );
}
