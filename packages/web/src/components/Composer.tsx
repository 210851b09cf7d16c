/**
 * The message box: Enter sends, Shift+Enter breaks the line, `@` opens member completion, a
 * counter appears near the length limit, and typing is signalled to the room while it goes on.
 */
import { forwardRef, useId, useImperativeHandle, useRef, useState, type KeyboardEvent } from 'react';
import { text } from '../safe.js';
import { useChat, useStore } from '../use-chat.js';

/** The counter shows once this close to the limit, in characters. */
const COUNTER_FROM = 1_000;
/** Typing signals are renewed at most this often while the person keeps typing, in ms. */
const TYPING_EVERY_MS = 3_000;
const EMPTY: never[] = [];

export interface ComposerHandle {
  mention(handle: string): void;
  focus(): void;
}

interface Props {
  roomId: string;
  threadId?: string;
  label: string;
  placeholder: string;
  draft: string;
  onDraft: (draft: string) => void;
}

function mentionAt(text: string, caret: number): { start: number; query: string } | undefined {
  const match = /(^|[\s(])@([\w.-]*)$/.exec(text.slice(0, caret));
  return match ? { start: caret - match[2]!.length - 1, query: match[2]!.toLowerCase() } : undefined;
}

export const Composer = forwardRef<ComposerHandle, Props>(function Composer(
  { roomId, threadId, label, placeholder, draft, onDraft },
  ref,
) {
  const store = useStore();
  const members = useChat((state) => state.members[roomId] ?? EMPTY);
  const me = useChat((state) => state.me?.handle);
  const box = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const [caret, setCaret] = useState(0);
  const [choice, setChoice] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const listId = useId();
  const limit = store.limits.maxContentChars;

  const query = dismissed ? undefined : mentionAt(draft, caret);
  const candidates = query
    ? [
        ...members.flatMap((member) => {
          const handle = text(member.member);
          if (handle === undefined || handle === me || !handle.startsWith(query.query)) return [];
          return [{ handle, hint: member.kind === 'agent' ? 'agent' : text(member.display_name) }];
        }),
        ...('all'.startsWith(query.query) ? [{ handle: 'all', hint: 'everyone in the room' }] : []),
      ].slice(0, 8)
    : [];
  const open = candidates.length > 0;

  function insert(handle: string, at = query) {
    const text = box.current?.value ?? draft;
    const start = at?.start ?? text.length;
    const end = at ? start + 1 + at.query.length : text.length;
    const before = text.slice(0, start);
    const spacer = at || before === '' || /\s$/.test(before) ? '' : ' ';
    const next = `${before}${spacer}@${handle} ${text.slice(end)}`;
    const position = before.length + spacer.length + handle.length + 2;
    onDraft(next);
    setCaret(position);
    requestAnimationFrame(() => {
      box.current?.focus();
      box.current?.setSelectionRange(position, position);
    });
  }

  useImperativeHandle(ref, () => ({
    mention: (handle: string) => insert(handle, undefined),
    focus: () => box.current?.focus(),
  }));

  function signalTyping(text: string) {
    const now = Date.now();
    if (text && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      store.typing(roomId, true, threadId);
    } else if (!text && lastTyping.current) {
      lastTyping.current = 0;
      store.typing(roomId, false, threadId);
    }
  }

  function send() {
    const content = draft.trim();
    if (!content || content.length > limit) return;
    store.send(roomId, content, threadId);
    onDraft('');
    lastTyping.current = 0;
    store.typing(roomId, false, threadId);
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (open) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setChoice((choice + step + candidates.length) % candidates.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        insert(candidates[Math.min(choice, candidates.length - 1)]!.handle);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        event.stopPropagation();
        setDismissed(true);
        return;
      }
    }
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      send();
    }
  }

  const length = draft.length;
  const over = length > limit;
  return (
    <div className="composer">
      {open && (
        <ul className="completions" id={listId} role="listbox" aria-label="Members to mention">
          {candidates.map((candidate, index) => (
            <li
              key={candidate.handle}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === choice}
              className={index === choice ? 'active' : undefined}
              onMouseDown={(event) => {
                event.preventDefault();
                insert(candidate.handle);
              }}
            >
              <strong>@{candidate.handle}</strong> <span>{candidate.hint}</span>
            </li>
          ))}
        </ul>
      )}
      <div className="composer-row">
        <textarea
          ref={box}
          aria-label={label}
          role="combobox"
          aria-autocomplete="list"
          aria-expanded={open}
          aria-controls={open ? listId : undefined}
          aria-activedescendant={open ? `${listId}-${choice}` : undefined}
          aria-invalid={over}
          value={draft}
          placeholder={placeholder}
          rows={2}
          onChange={(event) => {
            onDraft(event.target.value);
            setCaret(event.target.selectionStart);
            setChoice(0);
            setDismissed(false);
            signalTyping(event.target.value);
          }}
          onSelect={(event) => setCaret(event.currentTarget.selectionStart)}
          onKeyDown={onKeyDown}
          onBlur={() => {
            if (lastTyping.current) {
              lastTyping.current = 0;
              store.typing(roomId, false, threadId);
            }
          }}
        />
        <button type="button" className="send" onClick={send} disabled={!draft.trim() || over}>
          Send
        </button>
      </div>
      {length >= limit - COUNTER_FROM && (
        <p className={over ? 'counter over' : 'counter'} aria-live="polite">
          {length.toLocaleString('en-US')} / {limit.toLocaleString('en-US')}
          {over && ' — too long to send'}
        </p>
      )}
    </div>
  );
});
