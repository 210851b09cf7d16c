/** The chat: rooms with unread counts, a room's messages live, and a composer; sign-in when there is no identity. */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { RoundtableClient, type Message, type RoomSummary } from '@roundtable/client';
import { SignIn } from './SignIn.js';
import { forgetToken, saveToken, savedToken } from './session.js';

export function App() {
  const [token, setToken] = useState<string | null>(() => savedToken());
  if (!token) {
    return (
      <SignIn
        onToken={(value) => {
          saveToken(value);
          setToken(value);
        }}
      />
    );
  }
  return (
    <Chat
      token={token}
      onSignOut={() => {
        forgetToken();
        setToken(null);
      }}
    />
  );
}

function roomTitle(room: RoomSummary): string {
  return room.kind === 'direct' ? (room.members ?? []).map((handle) => `@${handle}`).join(', ') : `#${room.name}`;
}

function Chat({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const client = useMemo(() => new RoundtableClient({ url: window.location.origin, token }), [token]);
  const [me, setMe] = useState<string>('');
  const [rooms, setRooms] = useState<RoomSummary[]>([]);
  const [current, setCurrent] = useState<string | null>(null);
  const [messages, setMessages] = useState<Message[]>([]);
  const [state, setState] = useState<string>('connecting');
  const [draft, setDraft] = useState('');
  const [error, setError] = useState<string | null>(null);
  const currentRef = useRef<string | null>(null);
  currentRef.current = current;

  useEffect(() => {
    const offReady = client.on('ready', (ready) => {
      setMe(ready.member.handle);
      setRooms(ready.rooms);
      setCurrent(
        (selected) => selected ?? ready.rooms.find((room) => room.name === 'general')?.id ?? ready.rooms[0]?.id ?? null,
      );
    });
    const offState = client.on('state', setState);
    const offMessage = client.on('message', (message) => {
      if (message.room === currentRef.current) {
        setMessages((list) => (list.some((item) => item.id === message.id) ? list : [...list, message]));
      } else {
        setRooms((list) =>
          list.map((room) => (room.id === message.room ? { ...room, unread: room.unread + 1 } : room)),
        );
      }
    });
    const offError = client.on('error', (failure) => {
      if (failure.code === 'auth_failed' || failure.code === 'auth_required' || failure.code === 'member_disabled') {
        onSignOut();
      }
    });
    client.connect().catch(() => {});
    return () => {
      offReady();
      offState();
      offMessage();
      offError();
      void client.close();
    };
  }, [client, onSignOut]);

  useEffect(() => {
    if (!current) return;
    let cancelled = false;
    setMessages([]);
    client
      .history(current, { limit: 50 })
      .then((page) => {
        if (!cancelled) setMessages(page.messages);
      })
      .catch((failure: Error) => setError(failure.message));
    setRooms((list) => list.map((room) => (room.id === current ? { ...room, unread: 0, mentions: 0 } : room)));
    return () => {
      cancelled = true;
    };
  }, [client, current]);

  useEffect(() => {
    const last = messages.at(-1);
    if (current && last) void client.markRead(current, last.seq).catch(() => {});
  }, [client, current, messages]);

  async function send() {
    const content = draft.trim();
    if (!content || !current) return;
    setDraft('');
    try {
      const { message } = await client.send(current, content);
      setMessages((list) => (list.some((item) => item.id === message.id) ? list : [...list, message]));
    } catch (failure) {
      setDraft(content);
      setError(failure instanceof Error ? failure.message : String(failure));
    }
  }

  function onKeyDown(event: KeyboardEvent<HTMLTextAreaElement>) {
    if (event.key === 'Enter' && !event.shiftKey) {
      event.preventDefault();
      void send();
    }
  }

  const room = rooms.find((item) => item.id === current);
  return (
    <div className="chat">
      <nav className="sidebar" aria-label="Rooms">
        <header>
          <strong>@{me}</strong>
          <button type="button" onClick={onSignOut} aria-label="Sign out">
            Sign out
          </button>
        </header>
        <ul>
          {rooms.map((item) => (
            <li key={item.id}>
              <button
                type="button"
                className={item.id === current ? 'room active' : 'room'}
                onClick={() => setCurrent(item.id)}
                aria-current={item.id === current ? 'page' : undefined}
              >
                <span>{roomTitle(item)}</span>
                {item.unread > 0 && (
                  <span className={item.mentions > 0 ? 'badge mention' : 'badge'} aria-label={`${item.unread} unread`}>
                    {item.unread}
                  </span>
                )}
              </button>
            </li>
          ))}
        </ul>
      </nav>
      <main className="room-view">
        <header>
          <h2>{room ? roomTitle(room) : ''}</h2>
          {room?.topic && <p className="topic">{room.topic}</p>}
          {state !== 'open' && (
            <p className="banner" role="status">
              {state === 'reconnecting' ? 'Reconnecting…' : 'Connecting…'}
            </p>
          )}
        </header>
        <ol className="messages" aria-label="Messages">
          {messages.map((message) => (
            <li key={message.id} className={`message ${message.sender_kind}`} data-seq={message.seq}>
              <span className="sender">
                @{message.sender}
                {message.sender_kind !== 'person' && <span className="kind">{message.sender_kind}</span>}
              </span>
              <time dateTime={message.created_at}>{new Date(message.created_at).toLocaleTimeString()}</time>
              <p className="content">{message.deleted ? 'message deleted' : message.content}</p>
            </li>
          ))}
        </ol>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <textarea
          aria-label="Message"
          value={draft}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
          placeholder={room ? `Message ${roomTitle(room)}` : ''}
          rows={2}
        />
      </main>
    </div>
  );
}
