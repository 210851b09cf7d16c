/**
 * The message box: Enter sends, Shift+Enter breaks the line, `@` opens member completion, `/` opens
 * the slash commands (slash-commands.ts says what a line means), a counter appears near the length
 * limit, and typing is signalled to the room while it goes on.
 */
import { forwardRef, useEffect, useId, useImperativeHandle, useRef, useState, type KeyboardEvent } from 'react';
import type { Member } from '@roundtable/client';
import { text } from '../safe.js';
import {
  completionAt,
  parseLine,
  withCommand,
  withHandle,
  type CommandContext,
  type CommandName,
} from '../slash-commands.js';
import { useChat, useStore } from '../use-chat.js';
import '../styles/composer.css';

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
  /** Opens the search view; without it, `/search` is not offered. */
  onSearch?: (query: string) => void;
}

/** One row of the list above the box: a member to mention or invite, or a command. */
interface Option {
  key: string;
  label: string;
  hint: string;
  pick: () => void;
}

/** A display name worth showing beside a handle: not when it only repeats it. */
function nameBesides(handle: string, displayName: unknown): string {
  const name = text(displayName) ?? '';
  return name.toLowerCase() === handle ? '' : name;
}

function mentionAt(text: string, caret: number): { start: number; query: string } | undefined {
  const match = /(^|[\s(])@([\w.-]*)$/.exec(text.slice(0, caret));
  return match ? { start: caret - match[2]!.length - 1, query: match[2]!.toLowerCase() } : undefined;
}

export const Composer = forwardRef<ComposerHandle, Props>(function Composer(
  { roomId, threadId, label, placeholder, draft, onDraft, onSearch },
  ref,
) {
  const store = useStore();
  const members = useChat((state) => state.members[roomId] ?? EMPTY);
  const me = useChat((state) => state.me?.handle);
  const roomKind = useChat((state) => state.rooms.find((room) => room.id === roomId)?.kind);
  const box = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const [caret, setCaret] = useState(0);
  const [choice, setChoice] = useState(0);
  const [dismissed, setDismissed] = useState(false);
  const [hint, setHint] = useState<string>();
  const [directory, setDirectory] = useState<Member[]>();
  const listId = useId();
  const hintId = useId();
  const limit = store.limits.maxContentChars;
  const context: CommandContext = {
    sharedRoom: roomKind !== undefined && roomKind !== 'direct' && roomKind !== 'conversation',
    canSearch: onSearch !== undefined,
  };

  const slash = dismissed ? undefined : completionAt(draft, caret, context);
  const mention = dismissed || slash || draft.startsWith('/') ? undefined : mentionAt(draft, caret);
  const wantsDirectory = slash?.kind === 'handle';
  useEffect(() => {
    // The hub's member list is read once, when /invite first asks for a handle.
    if (!wantsDirectory || directory) return;
    let live = true;
    void store.directory().then((found) => live && setDirectory(found ?? []));
    return () => {
      live = false;
    };
  }, [wantsDirectory, directory, store]);

  function place(next: string, position: number) {
    onDraft(next);
    setCaret(position);
    setChoice(0);
    requestAnimationFrame(() => {
      box.current?.focus();
      box.current?.setSelectionRange(position, position);
    });
  }

  let options: Option[] = [];
  let listLabel = '';
  if (slash?.kind === 'command') {
    listLabel = 'Commands';
    options = slash.commands.map((command) => ({
      key: command.name,
      label: command.usage,
      hint: command.description,
      pick: () => {
        const next = withCommand(box.current?.value ?? draft, command);
        place(next.line, next.caret);
      },
    }));
  } else if (slash?.kind === 'handle') {
    listLabel = 'Members to invite';
    const inRoom = new Set(members.map((member) => text(member.member)));
    options = (directory ?? [])
      .flatMap((member) => {
        const handle = text(member.handle);
        if (handle === undefined || inRoom.has(handle) || member.disabled || member.kind === 'system') return [];
        if (!handle.startsWith(slash.query)) return [];
        return [
          {
            key: handle,
            label: `@${handle}`,
            hint: member.kind === 'agent' ? 'agent' : nameBesides(handle, member.display_name),
            pick: () => {
              const next = withHandle(box.current?.value ?? draft, slash, handle);
              place(next.line, next.caret);
              // The handle is whole: the next Enter runs the command instead of picking it again.
              setDismissed(true);
            },
          },
        ];
      })
      .slice(0, 8);
  } else if (mention) {
    listLabel = 'Members to mention';
    options = [
      ...members.flatMap((member) => {
        const handle = text(member.member);
        if (handle === undefined || handle === me || !handle.startsWith(mention.query)) return [];
        return [{ handle, hint: member.kind === 'agent' ? 'agent' : nameBesides(handle, member.display_name) }];
      }),
      ...('all'.startsWith(mention.query) ? [{ handle: 'all', hint: 'everyone in the room' }] : []),
    ]
      .slice(0, 8)
      .map(({ handle, hint: about }) => ({
        key: handle,
        label: `@${handle}`,
        hint: about,
        pick: () => insert(handle, mention),
      }));
  }
  const open = options.length > 0;
  const active = Math.min(choice, options.length - 1);

  function insert(handle: string, at: { start: number; query: string } | undefined) {
    const text = box.current?.value ?? draft;
    const start = at?.start ?? text.length;
    const end = at ? start + 1 + at.query.length : text.length;
    const before = text.slice(0, start);
    const spacer = at || before === '' || /\s$/.test(before) ? '' : ' ';
    place(`${before}${spacer}@${handle} ${text.slice(end)}`, before.length + spacer.length + handle.length + 2);
  }

  useImperativeHandle(ref, () => ({
    mention: (handle: string) => insert(handle, undefined),
    focus: () => box.current?.focus(),
  }));

  function signalTyping(text: string) {
    const now = Date.now();
    if (text && !text.startsWith('/') && now - lastTyping.current > TYPING_EVERY_MS) {
      lastTyping.current = now;
      store.typing(roomId, true, threadId);
    } else if ((!text || text.startsWith('/')) && lastTyping.current) {
      lastTyping.current = 0;
      store.typing(roomId, false, threadId);
    }
  }

  function sent() {
    onDraft('');
    setHint(undefined);
    if (lastTyping.current) {
      lastTyping.current = 0;
      store.typing(roomId, false, threadId);
    }
  }

  async function run(name: CommandName, argument: string) {
    const done = await COMMAND_RUNNERS[name]({ store, roomId, threadId, argument, onSearch, hint: setHint });
    if (done) sent();
  }

  function send() {
    if (!draft.trim() || draft.length > limit) return;
    const parsed = parseLine(draft, context);
    if (parsed.kind === 'hint') setHint(parsed.hint);
    else if (parsed.kind === 'command') void run(parsed.name, parsed.argument);
    else {
      store.send(roomId, parsed.content, threadId);
      sent();
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (open) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        const step = event.key === 'ArrowDown' ? 1 : -1;
        setChoice((active + step + options.length) % options.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        // A command typed out in full runs on Enter; the list only completes what is still partial.
        const whole = slash?.kind === 'command' && options.length === 1 && draft.trim() === options[0]!.label;
        if (!(whole && event.key === 'Enter')) {
          event.preventDefault();
          options[active]!.pick();
          return;
        }
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
        <ul className="completions" id={listId} role="listbox" aria-label={listLabel}>
          {options.map((option, index) => (
            <li
              key={option.key}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === active}
              className={index === active ? 'active' : undefined}
              onMouseDown={(event) => {
                event.preventDefault();
                option.pick();
              }}
            >
              <strong>{option.label}</strong> <span>{option.hint}</span>
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
          aria-activedescendant={open ? `${listId}-${active}` : undefined}
          aria-describedby={hint ? hintId : undefined}
          aria-invalid={over}
          value={draft}
          placeholder={placeholder}
          rows={2}
          onChange={(event) => {
            onDraft(event.target.value);
            setCaret(event.target.selectionStart);
            setChoice(0);
            setDismissed(false);
            setHint(undefined);
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
      <p id={hintId} className="composer-hint" aria-live="polite">
        {hint}
      </p>
      {length >= limit - COUNTER_FROM && (
        <p className={over ? 'counter over' : 'counter'} aria-live="polite">
          {length.toLocaleString('en-US')} / {limit.toLocaleString('en-US')}
          {over && ' — too long to send'}
        </p>
      )}
    </div>
  );
});

interface Run {
  store: ReturnType<typeof useStore>;
  roomId: string;
  threadId: string | undefined;
  argument: string;
  onSearch: ((query: string) => void) | undefined;
  /** Shows why the command failed under the box, in the hub's words. */
  hint: (text: string) => void;
}

/** What each command does; each resolves true when it is done, so the box is emptied, and false to keep the line. */
const COMMAND_RUNNERS: Record<CommandName, (run: Run) => Promise<boolean>> = {
  invite: ({ store, roomId, argument }) => store.invite(roomId, argument),
  leave: ({ store, roomId }) => store.leave(roomId),
  topic: ({ store, roomId, argument }) => store.setTopic(roomId, argument),
  mute: ({ store, roomId }) => store.setNotify(roomId, 'muted'),
  unmute: ({ store, roomId }) => store.setNotify(roomId, 'all'),
  task: ({ store, roomId, argument, hint }) =>
    store.createTask({ title: argument, room: roomId }).then(
      () => true,
      (error: unknown) => {
        hint(error instanceof Error ? error.message : String(error));
        return false;
      },
    ),
  search: async ({ argument, onSearch }) => {
    onSearch?.(argument);
    return true;
  },
  me: async ({ store, roomId, threadId, argument }) => {
    store.send(roomId, argument, threadId, true);
    return true;
  },
};
