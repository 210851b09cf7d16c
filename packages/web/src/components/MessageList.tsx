/**
 * A room's messages: loads older pages on scroll-up while keeping the message the reader was
 * looking at in place, follows new messages only while the reader is at the bottom, shows an
 * unread divider and a jump-to-latest button, and remembers each room's scroll position. A room
 * opened at a message (a search result, a permalink) scrolls to it and highlights it, and loads
 * newer pages on scroll-down until it reaches the live end.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { Message } from '@roundtable/client';
import { ArrowDown } from 'lucide-react';
import { date } from '../safe.js';
import { useChat, useStore } from '../use-chat.js';
import { MessageItem } from './MessageItem.js';
import { PendingItem } from './PendingItem.js';
import { showFocused } from './focus.js';

/** Within this many pixels of the bottom counts as "at the bottom": new messages scroll into view. */
const BOTTOM_SLACK = 48;
/** Older messages load when the reader comes this close to the top. */
const LOAD_AHEAD = 300;

interface Anchor {
  id: string;
  offset: number;
}

/** Where each room was left, as the message then at the top (absent: at the bottom), so it survives content changing above it. */
const savedScroll = new Map<string, Anchor>();
/** Per room, the focus request already shown: coming back to the room restores where the reader was instead. */
const shownFocus = new Map<string, number>();

/** Scrolls so the anchored message is where it was; false when it is no longer loaded. */
function keepInPlace(list: HTMLElement, anchor: Anchor): boolean {
  const item = list.querySelector<HTMLElement>(`li.message[data-id="${CSS.escape(anchor.id)}"]`);
  if (!item) return false;
  list.scrollTop += item.getBoundingClientRect().top - list.getBoundingClientRect().top - anchor.offset;
  return true;
}

export function MessageList({ roomId, onOpenThread }: { roomId: string; onOpenThread: (message: Message) => void }) {
  const store = useStore();
  const view = useChat((state) => state.views[roomId]);
  const me = useChat((state) => state.me?.handle);
  const outbox = useChat((state) => state.outbox);
  const streams = useChat((state) => state.streams);
  const scroller = useRef<HTMLOListElement>(null);
  const atBottom = useRef(true);
  const anchor = useRef<Anchor | undefined>(undefined);
  const restored = useRef<string | undefined>(undefined);
  const firstId = useRef<string | undefined>(undefined);
  const sentCount = useRef(0);
  const [showJump, setShowJump] = useState(false);
  const messages = view?.messages ?? [];
  const pending = outbox.filter((item) => item.room === roomId && !item.thread_id);

  const firstVisible = useCallback((): Anchor | undefined => {
    const list = scroller.current;
    if (!list) return undefined;
    const top = list.getBoundingClientRect().top;
    for (const item of list.querySelectorAll<HTMLElement>('li.message[data-id]')) {
      const rect = item.getBoundingClientRect();
      if (rect.bottom > top) return { id: item.dataset.id!, offset: rect.top - top };
    }
    return undefined;
  }, []);

  const loadOlder = useCallback(async () => {
    if (!view?.hasMore || view.loadingOlder) return;
    anchor.current = firstVisible();
    const loaded = await store.loadOlder(roomId);
    if (!loaded) anchor.current = undefined;
  }, [firstVisible, roomId, store, view?.hasMore, view?.loadingOlder]);

  function onScroll() {
    const list = scroller.current;
    if (!list) return;
    const fromBottom = list.scrollHeight - list.scrollTop - list.clientHeight;
    // Short of the live end the bottom is not followed: a newer page is loaded instead.
    atBottom.current = !view?.hasNewer && fromBottom < BOTTOM_SLACK;
    setShowJump(!atBottom.current);
    const top = atBottom.current ? undefined : firstVisible();
    if (top) savedScroll.set(roomId, top);
    else savedScroll.delete(roomId);
    if (list.scrollTop < LOAD_AHEAD) void loadOlder();
    if (view?.hasNewer && fromBottom < LOAD_AHEAD) void store.jumps.loadNewer(roomId);
  }

  // Before paint: older pages must not make the reader's message jump, and a room opens where it was left.
  useLayoutEffect(() => {
    const list = scroller.current;
    if (!list || !view?.loaded) return;
    const focus = view.focus;
    if (focus && shownFocus.get(roomId) !== focus.at && showFocused(list, focus.id)) {
      shownFocus.set(roomId, focus.at);
      restored.current = roomId;
      firstId.current = messages[0]?.id;
      anchor.current = undefined;
      atBottom.current = false;
      setShowJump(true);
      return;
    }
    if (restored.current !== roomId) {
      restored.current = roomId;
      firstId.current = messages[0]?.id;
      const saved = savedScroll.get(roomId);
      const restoredTo = saved !== undefined && keepInPlace(list, saved);
      if (!restoredTo) list.scrollTop = list.scrollHeight;
      atBottom.current = !restoredTo;
      setShowJump(restoredTo);
      return;
    }
    const first = messages[0]?.id;
    const kept = anchor.current;
    // Only an older page moves the first message: other changes (deltas, new messages) keep the anchor waiting.
    if (kept && first !== firstId.current) {
      firstId.current = first;
      anchor.current = undefined;
      keepInPlace(list, kept);
      return;
    }
    firstId.current = first;
    if (pending.length > sentCount.current) atBottom.current = true;
    sentCount.current = pending.length;
    if (atBottom.current) list.scrollTop = list.scrollHeight;
  }, [roomId, view?.loaded, view?.focus, messages, pending.length, streams]);

  // A first page shorter than the screen leaves nothing to scroll: keep loading until it fills or ends.
  useEffect(() => {
    const list = scroller.current;
    if (list && view?.loaded && view.hasMore && !view.loadingOlder && list.scrollHeight <= list.clientHeight) {
      void loadOlder();
    }
  }, [loadOlder, view?.loaded, view?.hasMore, view?.loadingOlder, messages.length]);

  function jumpToLatest() {
    const list = scroller.current;
    if (!list) return;
    atBottom.current = true;
    savedScroll.delete(roomId);
    setShowJump(false);
    // Short of the live end, the newest page replaces the window; the layout effect then scrolls to it.
    if (view?.hasNewer) void store.jumps.loadLatest(roomId);
    else list.scrollTop = list.scrollHeight;
  }

  const readAtOpen = view?.readAtOpen ?? 0;
  const firstUnread = messages.find((message) => message.seq > readAtOpen && message.sender !== me);

  return (
    <div className="message-pane">
      <ol
        className="messages"
        ref={scroller}
        onScroll={onScroll}
        onKeyDown={moveBetweenMessages}
        tabIndex={0}
        aria-label="Messages"
        aria-busy={!view?.loaded}
      >
        {view?.loaded && (
          <li className="history-edge">
            {view.hasMore ? (
              <button type="button" onClick={() => void loadOlder()} disabled={view.loadingOlder}>
                {view.loadingOlder ? 'Loading…' : 'Load older messages'}
              </button>
            ) : (
              <span>The beginning of this room.</span>
            )}
          </li>
        )}
        {messages.map((message, index) => {
          const day = dayOf(message);
          const newDay = day !== undefined && day !== dayOf(messages[index - 1]);
          return (
            <MessageGroup
              key={message.id}
              message={message}
              day={newDay ? day : undefined}
              divider={message === firstUnread}
              compact={!newDay && message !== firstUnread && continues(messages[index - 1], message)}
              onOpenThread={onOpenThread}
            />
          );
        })}
        {view?.hasNewer && (
          <li className="history-edge">
            <button type="button" onClick={() => void store.jumps.loadNewer(roomId)} disabled={view.loadingNewer}>
              {view.loadingNewer ? 'Loading…' : 'Load newer messages'}
            </button>
          </li>
        )}
        {pending.map((item) => (
          <PendingItem key={item.client_id} outgoing={item} />
        ))}
      </ol>
      {showJump && (
        <button type="button" className="jump" onClick={jumpToLatest}>
          <ArrowDown size={15} aria-hidden="true" />
          Jump to latest
        </button>
      )}
    </div>
  );
}

/**
 * The list is one stop of the Tab key, as in Slack: the arrow keys move from message to message
 * (the list itself starts at the newest), and Tab then enters the focused message's actions,
 * which show while focus is inside it.
 */
export function moveBetweenMessages(event: React.KeyboardEvent<HTMLElement>): void {
  if (event.key !== 'ArrowUp' && event.key !== 'ArrowDown') return;
  const target = event.target as HTMLElement;
  const items = [...event.currentTarget.querySelectorAll<HTMLElement>(':scope > li.message')];
  if (items.length === 0) return;
  const at = items.indexOf(target);
  if (at === -1 && target !== event.currentTarget) return;
  event.preventDefault();
  const next =
    at === -1 ? items.length - 1 : Math.max(0, Math.min(items.length - 1, at + (event.key === 'ArrowUp' ? -1 : 1)));
  items[next]!.focus();
  items[next]!.scrollIntoView({ block: 'nearest' });
}

/** Messages closer together than this, from one sender, show as one group: one name, one avatar. */
const GROUP_WITHIN_MS = 5 * 60_000;

function continues(previous: Message | undefined, message: Message): boolean {
  return (
    previous !== undefined &&
    previous.sender === message.sender &&
    !previous.deleted &&
    previous.reply_count === 0 &&
    Date.parse(message.created_at) - Date.parse(previous.created_at) < GROUP_WITHIN_MS
  );
}

/** The local calendar day a message was written on, as a key; undefined when its time cannot be read. */
function dayOf(message: Message | undefined): string | undefined {
  const at = message && date(message.created_at);
  return at ? `${at.getFullYear()}-${at.getMonth()}-${at.getDate()}` : undefined;
}

/** "Today", "Yesterday", a weekday within the week, else the date: as Slack heads each day. */
export function dayLabel(at: Date, now = new Date()): string {
  const midnight = (value: Date) => new Date(value.getFullYear(), value.getMonth(), value.getDate()).getTime();
  const days = Math.round((midnight(now) - midnight(at)) / 86_400_000);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return at.toLocaleDateString([], { weekday: 'long' });
  return at.toLocaleDateString([], {
    weekday: 'long',
    month: 'long',
    day: 'numeric',
    year: at.getFullYear() === now.getFullYear() ? undefined : 'numeric',
  });
}

function MessageGroup({
  message,
  day,
  divider,
  compact,
  onOpenThread,
}: {
  message: Message;
  /** Set on the first message of a day: the day's heading goes above it. */
  day: string | undefined;
  divider: boolean;
  compact: boolean;
  onOpenThread: (message: Message) => void;
}) {
  const at = date(message.created_at);
  return (
    <>
      {day && at && (
        <li className="day-divider">
          <span role="separator" aria-label={dayLabel(at)}>
            {dayLabel(at)}
          </span>
        </li>
      )}
      {divider && (
        <li className="unread-divider">
          <span role="separator" aria-label="New messages">
            New messages
          </span>
        </li>
      )}
      <MessageItem message={message} compact={compact} onOpenThread={onOpenThread} />
    </>
  );
}
