/** The rooms: channels, direct rooms and conversations with agents, with unread and mention badges, and the ways to add more. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { Member, Room } from '@roundtable/client';
import { roomTitle } from '../store/rooms.js';
import { num, text } from '../safe.js';
import { AtSign, Bot, Hash, ListChecks, Lock, LogOut, Monitor, Moon, Plus, Sun, Users } from 'lucide-react';
import { Avatar } from '../ui/Avatar.js';
import { IconButton } from '../ui/IconButton.js';
import { Menu } from '../ui/Menu.js';
import { chooseTheme, themeChoice, type ThemeChoice } from '../ui/theme.js';
import { useChat, useStore } from '../use-chat.js';
import { ConversationList } from './ConversationList.js';
import { Dialog } from './Dialog.js';
import '../styles/accounts.css';

interface Props {
  current: string | undefined;
  tasksOpen: boolean;
  onTasks: () => void;
  /** The agents, account or people page, when one is open. */
  page: 'agents' | 'account' | 'people' | undefined;
  onPage: (page: 'agents' | 'account' | 'people') => void;
  onOpen: (roomId: string) => void;
  onSignOut: () => void;
  notifications: NotificationPermission | 'unsupported';
  onEnableNotifications: () => void;
}

export function Sidebar({
  current,
  tasksOpen,
  onTasks,
  page,
  onPage,
  onOpen,
  onSignOut,
  notifications,
  onEnableNotifications,
}: Props) {
  const rooms = useChat((state) => state.rooms);
  const me = useChat((state) => state.me);
  const waiting = useChat(
    (state) =>
      Object.values(state.tasks).filter((task) => task.status === 'review' || task.status === 'input_required').length,
  );
  const [dialog, setDialog] = useState<'create' | 'browse' | 'direct' | undefined>();
  const channels = rooms.filter((room) => room.kind !== 'direct' && room.kind !== 'conversation' && !room.archived);
  const direct = rooms.filter((room) => room.kind === 'direct');

  function roomButton(room: (typeof rooms)[number]) {
    const active = room.id === current;
    const unread = room.notify === 'muted' ? 0 : room.unread;
    return (
      <li key={room.id}>
        <button
          type="button"
          className={`room${active ? ' active' : ''}${unread > 0 ? ' unread' : ''}${room.notify === 'muted' ? ' muted' : ''}`}
          onClick={() => onOpen(room.id)}
          aria-current={active ? 'page' : undefined}
        >
          <RoomIcon room={room} />
          <span className="room-name">{roomTitle(room)}</span>
          {room.kind !== 'direct' && room.kind !== 'conversation' && room.mentions > 0 ? (
            <span
              className="badge mention"
              aria-label={`${room.mentions} ${room.mentions === 1 ? 'mention' : 'mentions'}`}
            >
              {room.mentions}
            </span>
          ) : (
            unread > 0 && (
              <span
                className={room.kind === 'direct' || room.kind === 'conversation' ? 'badge mention' : 'badge'}
                aria-label={`${unread} unread`}
              >
                {unread}
              </span>
            )
          )}
        </button>
      </li>
    );
  }

  return (
    <nav className="sidebar" aria-label="Rooms">
      <header>
        <span className="brand">Roundtable</span>
        <ThemeMenu />
      </header>
      {notifications === 'default' && (
        <button type="button" className="enable-notifications" onClick={onEnableNotifications}>
          Enable notifications
        </button>
      )}
      <button
        type="button"
        className={`room tasks-link${tasksOpen ? ' active' : ''}`}
        onClick={onTasks}
        aria-current={tasksOpen ? 'page' : undefined}
      >
        <ListChecks size={16} aria-hidden="true" className="room-icon" />
        <span className="room-name">Tasks</span>
        {waiting > 0 && (
          <span className="badge mention" aria-label={`${waiting} waiting for a person`}>
            {waiting}
          </span>
        )}
      </button>
      <button
        type="button"
        className={`room agents-link${page === 'agents' ? ' active' : ''}`}
        onClick={() => onPage('agents')}
        aria-current={page === 'agents' ? 'page' : undefined}
      >
        <Bot size={16} aria-hidden="true" className="room-icon" />
        <span className="room-name">Agents</span>
      </button>
      {me?.role === 'admin' && (
        <button
          type="button"
          className={`room${page === 'people' ? ' active' : ''}`}
          onClick={() => onPage('people')}
          aria-current={page === 'people' ? 'page' : undefined}
        >
          <Users size={16} aria-hidden="true" className="room-icon" />
          <span className="room-name">People</span>
        </button>
      )}
      <section aria-label="Channels">
        <h3>
          Channels
          <IconButton label="Create a room" tipSide="left" onClick={() => setDialog('create')}>
            <Plus size={16} aria-hidden="true" />
          </IconButton>
        </h3>
        <ul>{channels.map(roomButton)}</ul>
        <button type="button" className="link" onClick={() => setDialog('browse')}>
          Browse rooms
        </button>
      </section>
      <section aria-label="Direct messages">
        <h3>
          Direct messages
          <IconButton label="New direct message" tipSide="left" onClick={() => setDialog('direct')}>
            <Plus size={16} aria-hidden="true" />
          </IconButton>
        </h3>
        <ul>{direct.map(roomButton)}</ul>
      </section>
      <ConversationList current={current} onOpen={onOpen} />
      <p className="hint">
        <kbd>Ctrl</kbd>+<kbd>K</kbd> jump to a room
      </p>
      <footer className="me">
        <button
          type="button"
          className={`me-account${page === 'account' ? ' active' : ''}`}
          aria-current={page === 'account' ? 'page' : undefined}
          onClick={() => onPage('account')}
        >
          <span className="visually-hidden">Account: </span>
          <Avatar handle={text(me?.handle) ?? '?'} kind={me?.kind ?? 'person'} size="s" />
          <span className="me-name">
            <strong className="handle">@{text(me?.handle)}</strong>
            <span className="presence-label">
              <span className="presence-dot online" aria-hidden="true" /> Online
            </span>
          </span>
        </button>
        <IconButton label="Sign out" tipSide="left" onClick={onSignOut}>
          <LogOut size={16} aria-hidden="true" />
        </IconButton>
      </footer>
      {dialog === 'create' && <CreateRoom onClose={() => setDialog(undefined)} onCreated={onOpen} />}
      {dialog === 'browse' && <BrowseRooms onClose={() => setDialog(undefined)} onOpen={onOpen} />}
      {dialog === 'direct' && <NewDirect onClose={() => setDialog(undefined)} onOpen={onOpen} />}
    </nav>
  );
}

function RoomIcon({ room }: { room: Room }) {
  const Icon =
    room.kind === 'direct' ? AtSign : room.kind === 'private' ? Lock : room.kind === 'conversation' ? Bot : Hash;
  return <Icon size={15} aria-hidden="true" className="room-icon" />;
}

const THEMES: Array<{ choice: ThemeChoice; label: string }> = [
  { choice: 'light', label: 'Light' },
  { choice: 'dark', label: 'Dark' },
  { choice: 'system', label: 'Same as the system' },
];

function ThemeMenu() {
  const [choice, setChoice] = useState(themeChoice);
  const Icon = choice === 'light' ? Sun : choice === 'dark' ? Moon : Monitor;
  return (
    <Menu
      label="Theme"
      tip
      className="icon"
      trigger={<Icon size={16} aria-hidden="true" />}
      items={THEMES.map((item) => ({
        label: item.label,
        checked: choice === item.choice,
        onSelect: () => {
          chooseTheme(item.choice);
          setChoice(item.choice);
        },
      }))}
    />
  );
}

function CreateRoom({ onClose, onCreated }: { onClose: () => void; onCreated: (roomId: string) => void }) {
  const store = useStore();
  const [name, setName] = useState('');
  const [topic, setTopic] = useState('');
  const [kind, setKind] = useState<'public' | 'private'>('public');
  async function submit(event: FormEvent) {
    event.preventDefault();
    const id = await store.createRoom(name.trim(), kind, topic.trim());
    if (id) {
      onClose();
      onCreated(id);
    }
  }
  return (
    <Dialog label="Create a room" onClose={onClose}>
      <form onSubmit={submit} className="stack">
        <label>
          Name
          <input
            value={name}
            onChange={(e) => setName(e.target.value.toLowerCase())}
            required
            pattern="[a-z0-9][a-z0-9_\-]{0,63}"
          />
        </label>
        <label>
          Topic
          <input value={topic} onChange={(e) => setTopic(e.target.value)} />
        </label>
        <label>
          Who can join
          <select value={kind} onChange={(e) => setKind(e.target.value as 'public' | 'private')}>
            <option value="public">Anyone (public)</option>
            <option value="private">Only invited members (private)</option>
          </select>
        </label>
        <button type="submit" className="primary">
          Create
        </button>
      </form>
    </Dialog>
  );
}

/** Loads once when the dialog opens; failures surface through the store's error line. */
function useLoaded<T>(load: () => Promise<T | undefined>): T | undefined {
  const [value, setValue] = useState<T | undefined>();
  const loader = useRef(load);
  useEffect(() => {
    let live = true;
    void loader.current().then((loaded) => live && setValue(loaded));
    return () => {
      live = false;
    };
  }, []);
  return value;
}

function BrowseRooms({ onClose, onOpen }: { onClose: () => void; onOpen: (roomId: string) => void }) {
  const store = useStore();
  const joined = useChat((state) => state.rooms);
  const rooms = useLoaded<Room[]>(() => store.publicRooms());
  const [filter, setFilter] = useState('');
  const shown = (rooms ?? []).filter(
    (room) => !room.archived && (text(room.name) ?? '').includes(filter.toLowerCase()),
  );
  return (
    <Dialog label="Browse rooms" onClose={onClose}>
      <input
        aria-label="Filter rooms"
        placeholder="Filter"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      {rooms === undefined ? (
        <p>Loading…</p>
      ) : (
        <ul className="browse">
          {shown.map((room) => {
            const member = joined.some((item) => item.id === room.id);
            const name = text(room.name) ?? '';
            const count = num(room.member_count) ?? 0;
            const topic = text(room.topic);
            return (
              <li key={room.id}>
                <span>
                  <strong className="room-name">#{name}</strong>{' '}
                  <span className="muted-text">
                    {count} {count === 1 ? 'member' : 'members'}
                  </span>
                  {topic && <span className="topic">{topic}</span>}
                </span>
                <button
                  type="button"
                  aria-label={member ? `Open #${name}` : `Join #${name}`}
                  onClick={async () => {
                    if (!member) await store.join(room.id);
                    onClose();
                    onOpen(room.id);
                  }}
                >
                  {member ? 'Open' : 'Join'}
                </button>
              </li>
            );
          })}
          {shown.length === 0 && <li>No rooms match.</li>}
        </ul>
      )}
    </Dialog>
  );
}

function NewDirect({ onClose, onOpen }: { onClose: () => void; onOpen: (roomId: string) => void }) {
  const store = useStore();
  const me = useChat((state) => state.me?.handle);
  const members = useLoaded<Member[]>(() => store.directory());
  const [filter, setFilter] = useState('');
  const shown = (members ?? []).filter(
    (member) =>
      member.handle !== me &&
      !member.disabled &&
      member.kind !== 'system' &&
      (text(member.handle) ?? '').includes(filter.toLowerCase()),
  );
  return (
    <Dialog label="New direct message" onClose={onClose}>
      <input
        aria-label="Find a member"
        placeholder="Find a member"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
      />
      <ul className="browse">
        {shown.map((member) => (
          <li key={member.id}>
            <span>
              <strong className="handle">@{text(member.handle)}</strong>{' '}
              {member.kind === 'agent' && <span className="kind agent">agent</span>}
            </span>
            <button
              type="button"
              aria-label={`Message @${text(member.handle)}`}
              onClick={async () => {
                const id = await store.openDirect(member.handle);
                onClose();
                if (id) onOpen(id);
              }}
            >
              Message
            </button>
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
