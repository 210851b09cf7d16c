/**
 * The search screen: words, filters (room, sender, dates, threads) and order, then the messages
 * found with their matched words marked; choosing one opens its room at it. What was searched
 * last is kept for the next time the screen opens.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { Menu as MenuIcon, MessagesSquare, Search as SearchIcon, SlidersHorizontal } from 'lucide-react';
import { MemberKind, type SearchHit } from '@roundtable/protocol';
import { oneOf, text } from '../safe.js';
import { roomTitle } from '../store/rooms.js';
import { Avatar } from '../ui/Avatar.js';
import { useChat, useStore } from '../use-chat.js';
import { searchWords, snippet } from './highlight.js';
import '../styles/search.css';

/** How long typing pauses before the search runs, in ms. */
const TYPING_PAUSE_MS = 250;
const PAGE = 20;

interface Filters {
  query: string;
  room: string;
  sender: string;
  /** Dates as the date inputs give them, YYYY-MM-DD, or empty. */
  after: string;
  before: string;
  thread: 'any' | 'only' | 'none';
  sort: 'relevance' | 'newest';
}

const EMPTY: Filters = { query: '', room: '', sender: '', after: '', before: '', thread: 'any', sort: 'relevance' };
/** The last search, shown again when the screen reopens (after opening a result, say). */
let remembered: Filters = EMPTY;

/** The start of a local calendar day, as the hub's ISO time; `days` moves it on. */
function dayStart(date: string, days = 0): string | undefined {
  const [year, month, day] = date.split('-').map(Number);
  if (!year || !month || !day) return undefined;
  return new Date(year, month - 1, day + days).toISOString();
}

export function SearchView({
  initialQuery,
  onOpen,
  onShowRooms,
  onClose,
}: {
  /** Words to search for at once (from `/search …`), in place of the last search's. */
  initialQuery?: string;
  onOpen: (messageId: string) => void;
  onShowRooms: () => void;
  onClose: () => void;
}) {
  const store = useStore();
  const rooms = useChat((state) => state.rooms);
  const [filters, setFilters] = useState<Filters>(() =>
    initialQuery === undefined ? remembered : { ...remembered, query: initialQuery },
  );
  const [hits, setHits] = useState<SearchHit[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [status, setStatus] = useState<'idle' | 'searching' | 'done'>('idle');
  // On a phone the filters fold away behind a button; wider screens always show them.
  const [showFilters, setShowFilters] = useState(false);
  const [senders, setSenders] = useState<Array<{ handle: string; kind: MemberKind }>>([]);
  const input = useRef<HTMLInputElement>(null);
  const results = useRef<HTMLOListElement>(null);
  const asked = useRef(0);
  const words = useMemo(() => searchWords(filters.query), [filters.query]);

  useEffect(() => input.current?.focus(), []);
  useEffect(() => {
    void store.directory().then((members) => setSenders(members ?? []));
  }, [store]);

  const params = useMemo(
    () => ({
      ...(filters.room && { room: filters.room }),
      ...(filters.sender.trim() && { sender: filters.sender.trim().replace(/^@/, '') }),
      ...(filters.after && { after: dayStart(filters.after) }),
      // The "to" date is inclusive: before the start of the next day.
      ...(filters.before && { before: dayStart(filters.before, 1) }),
      ...(filters.thread !== 'any' && { in_thread: filters.thread === 'only' }),
      sort: filters.sort,
      limit: PAGE,
    }),
    [filters.room, filters.sender, filters.after, filters.before, filters.thread, filters.sort],
  );

  // Each change searches anew once typing pauses; an answer to an older search is dropped.
  useEffect(() => {
    remembered = filters;
    const ask = (asked.current += 1);
    if (words.length === 0) {
      setHits([]);
      setNext(null);
      setStatus('idle');
      return;
    }
    setStatus('searching');
    const timer = setTimeout(() => {
      void store.search(filters.query, params).then((page) => {
        if (ask !== asked.current) return;
        setHits(page?.hits ?? []);
        setNext(page?.next_offset ?? null);
        setStatus('done');
      });
    }, TYPING_PAUSE_MS);
    return () => clearTimeout(timer);
  }, [store, filters, words.length, params]);

  async function more() {
    if (next === null) return;
    const ask = asked.current;
    const page = await store.search(filters.query, { ...params, offset: next });
    if (ask !== asked.current || !page) return;
    setHits((shown) => [
      ...shown,
      ...page.hits.filter((hit) => !shown.some((old) => old.message.id === hit.message.id)),
    ]);
    setNext(page.next_offset);
  }

  const set = (change: Partial<Filters>) => setFilters((current) => ({ ...current, ...change }));

  /** Up and down move between the search field and the results; Enter (a button's own) opens one. */
  function onKeyDown(event: KeyboardEvent) {
    if (event.key !== 'ArrowDown' && event.key !== 'ArrowUp') return;
    const buttons = [...(results.current?.querySelectorAll<HTMLButtonElement>('button.search-hit') ?? [])];
    if (buttons.length === 0) return;
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    event.preventDefault();
    if (event.key === 'ArrowDown') buttons[Math.min(at + 1, buttons.length - 1)]!.focus();
    else if (at <= 0) input.current?.focus();
    else buttons[at - 1]!.focus();
  }

  const active = [filters.room, filters.sender, filters.after, filters.before, filters.thread !== 'any'].filter(
    Boolean,
  ).length;
  const roomOptions = rooms.filter((room) => room.kind !== 'conversation' || text(room.title));
  const count = hits.length;
  return (
    <main className="room-view page search-view" aria-label="Search" onKeyDown={onKeyDown}>
      <header className="room-header">
        <button type="button" className="icon menu" aria-label="Show rooms" onClick={onShowRooms}>
          <MenuIcon size={20} aria-hidden="true" />
        </button>
        <div className="room-title">
          <h2>Search</h2>
          <p className="topic">Messages in your rooms</p>
        </div>
      </header>
      <div className="search-form" role="search">
        <div className="search-row">
          <label className="search-box">
            <SearchIcon size={16} aria-hidden="true" />
            <span className="visually-hidden">Search messages</span>
            <input
              ref={input}
              type="search"
              value={filters.query}
              placeholder="Search messages"
              maxLength={500}
              onChange={(event) => set({ query: event.target.value })}
              onKeyDown={(event) => {
                // A search field's own Escape would empty it: here it leaves search, which keeps its words.
                if (event.key !== 'Escape') return;
                event.preventDefault();
                onClose();
              }}
            />
          </label>
          <button
            type="button"
            className="ghost search-filters-toggle"
            aria-expanded={showFilters}
            aria-controls="search-filters"
            onClick={() => setShowFilters(!showFilters)}
          >
            <SlidersHorizontal size={16} aria-hidden="true" />
            Filters{active > 0 ? ` (${active})` : ''}
          </button>
        </div>
        <div id="search-filters" className={`search-filters${showFilters ? ' open' : ''}`}>
          <label className="field">
            <span>In</span>
            <select aria-label="In room" value={filters.room} onChange={(event) => set({ room: event.target.value })}>
              <option value="">All rooms</option>
              {roomOptions.map((room) => (
                <option key={room.id} value={room.id}>
                  {roomTitle(room)}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>From</span>
            <input
              list="search-senders"
              value={filters.sender}
              placeholder="Anyone"
              maxLength={64}
              onChange={(event) => set({ sender: event.target.value })}
            />
            <datalist id="search-senders">
              {senders.map((member) => (
                <option key={member.handle} value={member.handle} />
              ))}
            </datalist>
          </label>
          <label className="field">
            <span>After</span>
            <input type="date" value={filters.after} onChange={(event) => set({ after: event.target.value })} />
          </label>
          <label className="field">
            <span>Until</span>
            <input type="date" value={filters.before} onChange={(event) => set({ before: event.target.value })} />
          </label>
          <label className="field">
            <span>Threads</span>
            <select
              aria-label="Threads"
              value={filters.thread}
              onChange={(event) => set({ thread: event.target.value as Filters['thread'] })}
            >
              <option value="any">Anywhere</option>
              <option value="only">Only in threads</option>
              <option value="none">Not in threads</option>
            </select>
          </label>

          {active > 0 && (
            <button
              type="button"
              className="ghost"
              onClick={() => set({ ...EMPTY, query: filters.query, sort: filters.sort })}
            >
              Clear filters
            </button>
          )}
        </div>
      </div>
      <div className="page-body search-body">
        <div className="search-summary">
          <p className="search-status" role="status">
            {status === 'searching'
              ? 'Searching…'
              : status === 'idle'
                ? 'Type words to find the messages that hold them.'
                : count === 0
                  ? 'No messages found.'
                  : `${count}${next !== null ? '+' : ''} ${count === 1 ? 'message' : 'messages'} found`}
          </p>
          <label className="field inline search-sort">
            <span>Sort</span>
            <select
              aria-label="Sort"
              value={filters.sort}
              onChange={(event) => set({ sort: event.target.value as Filters['sort'] })}
            >
              <option value="relevance">Most relevant</option>
              <option value="newest">Newest first</option>
            </select>
          </label>
        </div>
        {count > 0 && (
          <ol className="search-results" ref={results} aria-label="Search results">
            {hits.map((hit) => (
              <Result key={hit.message.id} hit={hit} words={words} onOpen={onOpen} />
            ))}
          </ol>
        )}
        {next !== null && status === 'done' && (
          <button type="button" className="search-more" onClick={() => void more()}>
            More results
          </button>
        )}
      </div>
    </main>
  );
}

function Result({ hit, words, onOpen }: { hit: SearchHit; words: string[]; onOpen: (id: string) => void }) {
  const room = useChat((state) => state.rooms.find((item) => item.id === hit.message.room));
  const message = hit.message;
  const sender = text(message.sender) ?? '?';
  const at = new Date(text(message.created_at) ?? '');
  const valid = !Number.isNaN(at.getTime());
  const pieces = snippet(text(message.content) ?? '', words);
  return (
    <li>
      <button type="button" className="search-hit" onClick={() => onOpen(message.id)}>
        <Avatar handle={sender} kind={oneOf(message.sender_kind, MemberKind.options) ?? 'person'} />
        <span className="search-hit-body">
          <span className="search-hit-meta">
            <strong>{sender}</strong>
            <span>{room ? roomTitle(room) : 'a public room'}</span>
            {message.thread_id && (
              <span className="search-hit-thread">
                <MessagesSquare size={12} aria-hidden="true" /> in a thread
              </span>
            )}
            {valid && (
              <time dateTime={at.toISOString()}>
                {at.toLocaleString([], {
                  year: 'numeric',
                  month: 'short',
                  day: 'numeric',
                  hour: '2-digit',
                  minute: '2-digit',
                })}
              </time>
            )}
          </span>
          <span className="search-hit-text">
            {pieces.map((piece, index) => (piece.match ? <mark key={index}>{piece.text}</mark> : piece.text))}
          </span>
        </span>
      </button>
    </li>
  );
}
