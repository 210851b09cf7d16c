/**
 * The sidebar's conversations with agents: newest activity first (a new message or a rename),
 * each with its time and the start of its last message; further pages load as the list is
 * scrolled to its end. Starting, renaming and deleting one happen here too.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Member, RoomSummary } from '@roundtable/client';
import { Bot, Plus } from 'lucide-react';
import { activityOf } from '../store/conversations.js';
import { roomTitle } from '../store/rooms.js';
import { record, text } from '../safe.js';
import { useChat, useStore } from '../use-chat.js';
import { IconButton } from '../ui/IconButton.js';
import { Confirm, Dialog } from './Dialog.js';
import '../styles/conversations.css';

interface Props {
  current: string | undefined;
  onOpen: (roomId: string) => void;
}

export function ConversationList({ current, onOpen }: Props) {
  const rooms = useChat((state) => state.rooms);
  const conversations = useChat((state) => state.conversations);
  const next = useChat((state) => state.conversationsNext);
  const [dialog, setDialog] = useState<'new' | 'rename' | 'delete'>();
  // A conversation the hub has not listed yet (beyond the pages loaded) waits for its page, unless it is open.
  const talks = rooms
    .filter((room) => room.kind === 'conversation' && (conversations[room.id] || room.id === current))
    .sort((a, b) => activityOf(conversations[b.id]).localeCompare(activityOf(conversations[a.id])));
  const currentTalk = talks.find((room) => room.id === current);

  return (
    <section aria-label="Conversations" className="conversation-list">
      <h3>
        Conversations
        <IconButton label="New conversation" tipSide="left" onClick={() => setDialog('new')}>
          <Plus size={16} aria-hidden="true" />
        </IconButton>
      </h3>
      <ul>
        {talks.map((room) => (
          <ConversationItem key={room.id} room={room} active={room.id === current} onOpen={onOpen} />
        ))}
      </ul>
      {next && <MoreConversations />}
      {currentTalk && (
        <div className="conversation-actions">
          <button type="button" className="link" onClick={() => setDialog('rename')}>
            Rename
          </button>
          <button type="button" className="link" onClick={() => setDialog('delete')}>
            Delete
          </button>
        </div>
      )}
      {dialog === 'new' && <NewConversation onClose={() => setDialog(undefined)} onOpen={onOpen} />}
      {dialog === 'rename' && currentTalk && (
        <RenameConversation id={currentTalk.id} title={roomTitle(currentTalk)} onClose={() => setDialog(undefined)} />
      )}
      {dialog === 'delete' && currentTalk && (
        <DeleteConversation id={currentTalk.id} title={roomTitle(currentTalk)} onClose={() => setDialog(undefined)} />
      )}
    </section>
  );
}

function ConversationItem({
  room,
  active,
  onOpen,
}: {
  room: RoomSummary;
  active: boolean;
  onOpen: (roomId: string) => void;
}) {
  const conversation = useChat((state) => state.conversations[room.id]);
  const unread = room.notify === 'muted' ? 0 : room.unread;
  const last = record(conversation?.last_message);
  const at = activityOf(conversation);
  const sender = text(last.sender);
  return (
    <li>
      <button
        type="button"
        className={`room conversation${active ? ' active' : ''}${unread > 0 ? ' unread' : ''}${room.notify === 'muted' ? ' muted' : ''}`}
        onClick={() => onOpen(room.id)}
        aria-current={active ? 'page' : undefined}
      >
        <Bot size={16} aria-hidden="true" className="room-icon" />
        <span className="conversation-text">
          <span className="conversation-top">
            <span className="room-name">{roomTitle(room)}</span>
            {at && (
              <time dateTime={at} title={new Date(at).toLocaleString()}>
                {shortTime(at)}
              </time>
            )}
          </span>
          <span className="conversation-bottom">
            <span className="conversation-preview">
              {conversation?.last_message ? (
                <>
                  @<bdi>{sender ?? '?'}</bdi>: <bdi>{text(last.excerpt) ?? ''}</bdi>
                </>
              ) : (
                'No messages yet'
              )}
            </span>
            {unread > 0 && (
              <span className="badge mention" aria-label={`${unread} unread`}>
                {unread}
              </span>
            )}
          </span>
        </span>
      </button>
    </li>
  );
}

/** Today a time, this week a weekday, this year a date, else a date with its year: as message lists show it. */
export function shortTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const days = (now.getTime() - at.getTime()) / 86_400_000;
  if (at.toDateString() === now.toDateString())
    return at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  if (days < 6) return at.toLocaleDateString([], { weekday: 'short' });
  if (at.getFullYear() === now.getFullYear()) return at.toLocaleDateString([], { month: 'short', day: 'numeric' });
  return at.toLocaleDateString([], { year: 'numeric', month: 'short', day: 'numeric' });
}

/** The end of the list: once it scrolls into view, the next page is asked for. */
function MoreConversations() {
  const store = useStore();
  const count = useChat((state) => Object.keys(state.conversations).length);
  const end = useRef<HTMLParagraphElement>(null);
  useEffect(() => {
    const element = end.current;
    if (!element) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((entry) => entry.isIntersecting)) void store.loadMoreConversations();
    });
    observer.observe(element);
    return () => observer.disconnect();
    // A page that arrived and left the end in view asks for the next one: observing again reports it.
  }, [store, count]);
  return (
    <p ref={end} className="conversation-more" role="status">
      Loading more conversations…
    </p>
  );
}

/** Loads once when the dialog opens; failures surface through the store's error line. */
function useDirectory(): Member[] | undefined {
  const store = useStore();
  const [members, setMembers] = useState<Member[]>();
  useEffect(() => {
    let live = true;
    void store.directory().then((found) => live && setMembers(found));
    return () => {
      live = false;
    };
  }, [store]);
  return members;
}
function NewConversation({ onClose, onOpen }: { onClose: () => void; onOpen: (roomId: string) => void }) {
  const store = useStore();
  const members = useDirectory();
  const agents = (members ?? []).filter((member) => member.kind === 'agent' && !member.disabled);
  const [agent, setAgent] = useState('');
  const [content, setContent] = useState('');
  const chosen = agent || agents[0]?.handle || '';
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!chosen || !content.trim()) return;
    const id = await store.startConversation(chosen, content.trim());
    if (id) {
      onClose();
      onOpen(id);
    }
  }
  return (
    <Dialog label="New conversation" onClose={onClose}>
      <form onSubmit={submit}>
        <label>
          With
          <select value={chosen} onChange={(e) => setAgent(e.target.value)} aria-label="Agent">
            {agents.map((member) => (
              <option key={member.id} value={text(member.handle)}>
                @{text(member.handle)}
                {text(member.description) ? ` — ${text(member.description)}` : ''}
              </option>
            ))}
          </select>
        </label>
        <label>
          First message
          <textarea
            aria-label="First message"
            value={content}
            onChange={(e) => setContent(e.target.value)}
            placeholder="What do you want to talk about? This becomes the title."
          />
        </label>
        <button type="submit" disabled={!chosen || !content.trim()}>
          Start
        </button>
        {members && agents.length === 0 && <p className="hint">No agent is a member of this hub yet.</p>}
      </form>
    </Dialog>
  );
}

function RenameConversation({ id, title, onClose }: { id: string; title: string; onClose: () => void }) {
  const store = useStore();
  const [value, setValue] = useState(title);
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!value.trim()) return;
    await store.renameConversation(id, value.trim());
    onClose();
  }
  return (
    <Dialog label="Rename conversation" onClose={onClose}>
      <form onSubmit={submit}>
        <input aria-label="Title" maxLength={200} value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit">Rename</button>
      </form>
    </Dialog>
  );
}

function DeleteConversation({ id, title, onClose }: { id: string; title: string; onClose: () => void }) {
  const store = useStore();
  return (
    <Confirm
      title="Delete conversation"
      action="Delete"
      onConfirm={() => void store.deleteConversation(id)}
      onClose={onClose}
    >
      Delete “{title}”? It disappears for you and for the agent. This cannot be undone here.
    </Confirm>
  );
}
