/**
 * The web UI: sign-in when there is no identity, else the chat with its rooms, panels and shortcuts.
 * Error boundaries keep a failure where it happened: a message, a task card, a panel, the room list;
 * the last one, around the whole chat, offers a way out of a room that cannot be shown.
 */
import { Fragment, lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Message } from '@roundtable/client';
import { Menu as MenuIcon, Search as SearchIcon } from 'lucide-react';
import { ChatStore } from './store/chat-store.js';
import { roomTitle } from './store/rooms.js';
import { Boundary } from './components/Boundary.js';
import { Composer, type ComposerHandle } from './components/Composer.js';
import { RoomTools } from './components/RoomTools.js';
import { MembersPanel } from './components/MembersPanel.js';
import { MessageList } from './components/MessageList.js';
import { PanelBoundary } from './components/SidePanel.js';
import { Sidebar } from './components/Sidebar.js';
import { Switcher } from './components/Switcher.js';
import { ThreadPanel } from './components/ThreadPanel.js';
import { showFocusedWhenShown } from './components/focus.js';
import { TypingLine } from './components/TypingLine.js';
import { text } from './safe.js';
import { Toaster } from './ui/toast.js';
import { IconButton } from './ui/IconButton.js';
import { permalinkTarget, useSearchKeys } from './search/use-search.js';
import { SignIn } from './SignIn.js';
import { LinkSignIn, linkPurpose } from './account/LinkSignIn.js';
import { forgetToken, loadDrafts, saveDrafts, saveToken, savedToken } from './session.js';
import { StoreContext, useChat } from './use-chat.js';

// The tasks page is reached from the sidebar: the first screen does not wait for it.
const TasksPage = lazy(() => import('./components/TaskBoard.js').then((module) => ({ default: module.TasksPage })));
const TaskDetail = lazy(() => import('./components/task-detail.js').then((module) => ({ default: module.TaskDetail })));
const AgentsPage = lazy(() => import('./components/AgentsPage.js'));
const AccountPage = lazy(() => import('./account/AccountPage.js'));
const PeoplePage = lazy(() => import('./account/PeoplePage.js'));

/** A tab hidden this long marks its person away, in ms. */
const AWAY_AFTER_MS = 5 * 60_000;
const LAST_ROOM = 'roundtable.room';
// Search too is a chunk of its own, fetched when first opened.
const SearchView = lazy(() => import('./search/SearchView.js').then((module) => ({ default: module.SearchView })));

export function App() {
  const [token, setToken] = useState<string | null>(() => savedToken());
  // A new attempt mounts the chat afresh, with a new connection and nothing left of the failed one.
  const [attempt, setAttempt] = useState(0);
  const signOut = useCallback(() => {
    forgetToken();
    setToken(null);
  }, []);
  // A setup or invite link opens its own screen, even in a browser that is signed in already.
  const [link, setLink] = useState(() => {
    const purpose = linkPurpose(window.location.pathname);
    return purpose && { purpose, code: window.location.hash.slice(1) };
  });
  if (link) {
    const leave = () => {
      window.history.replaceState(null, '', '/');
      setLink(undefined);
    };
    return (
      <LinkSignIn
        purpose={link.purpose}
        code={link.code}
        onSignIn={() => {
          forgetToken();
          setToken(null);
          leave();
        }}
        onToken={(value) => {
          saveToken(value);
          setToken(value);
          leave();
        }}
      />
    );
  }
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
    <Boundary
      key={attempt}
      fallback={
        <Crashed
          onRecover={() => {
            // The room that failed is reopened at every reload unless it is forgotten.
            localStorage.removeItem(LAST_ROOM);
            setAttempt(attempt + 1);
          }}
          onSignOut={signOut}
        />
      }
    >
      <Chat key={token} token={token} onSignOut={signOut} />
    </Boundary>
  );
}

/** The last resort: something outside every smaller boundary failed, so the chat is replaced by a way back. */
function Crashed({ onRecover, onSignOut }: { onRecover: () => void; onSignOut: () => void }) {
  return (
    <main className="crashed" aria-labelledby="crashed-title">
      <h1 id="crashed-title">Something went wrong</h1>
      <p>
        This screen could not be shown, perhaps because the room holds something the web app cannot display. Your
        messages and rooms are safe on the hub.
      </p>
      <div className="crashed-actions">
        <button type="button" onClick={onRecover}>
          Back to the room list
        </button>
        <button type="button" className="link" onClick={onSignOut}>
          Sign out
        </button>
      </div>
    </main>
  );
}

function notificationPermission(): NotificationPermission | 'unsupported' {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

function Chat({ token, onSignOut }: { token: string; onSignOut: () => void }) {
  const openRoomRef = useRef<(roomId: string) => void>(() => {});
  const store = useMemo(
    () =>
      new ChatStore({
        url: window.location.origin,
        token,
        isVisible: () => document.visibilityState === 'visible',
        notify: (title, body, roomId) => {
          if (notificationPermission() !== 'granted') return;
          const notification = new Notification(title, { body, tag: roomId });
          notification.onclick = () => {
            window.focus();
            openRoomRef.current(roomId);
            notification.close();
          };
        },
      }),
    [token],
  );
  useEffect(() => {
    store.start(onSignOut);
    return () => void store.stop();
  }, [store, onSignOut]);
  return (
    <StoreContext.Provider value={store}>
      <ChatView store={store} onSignOut={onSignOut} openRoomRef={openRoomRef} />
    </StoreContext.Provider>
  );
}

function ChatView({
  store,
  onSignOut,
  openRoomRef,
}: {
  store: ChatStore;
  onSignOut: () => void;
  openRoomRef: React.RefObject<(roomId: string) => void>;
}) {
  const rooms = useChat((state) => state.rooms);
  const connection = useChat((state) => state.connection);
  const error = useChat((state) => state.error);
  const me = useChat((state) => state.me);
  const threadRoot = useChat((state) => state.threads);
  const [current, setCurrent] = useState<string | undefined>(() => localStorage.getItem(LAST_ROOM) ?? undefined);
  const [threadId, setThreadId] = useState<string | undefined>();
  const [showMembers, setShowMembers] = useState(() => window.matchMedia('(min-width: 1100px)').matches);
  const [showRooms, setShowRooms] = useState(false);
  const [switcher, setSwitcher] = useState(false);
  const [view, setView] = useState<'room' | 'tasks' | 'agents' | 'account' | 'people' | 'search'>('room');
  const [searchQuery, setSearchQuery] = useState<string | undefined>();
  // A `/m/<id>` address: the message to open once connected, before any room is chosen.
  const [landing, setLanding] = useState(() => permalinkTarget(window.location.pathname));
  const [taskId, setTaskId] = useState<string | undefined>();
  const [drafts, setDrafts] = useState<Record<string, string>>(loadDrafts);
  const [permission, setPermission] = useState(notificationPermission);
  const composer = useRef<ComposerHandle>(null);

  const room = rooms.find((item) => item.id === current);
  const topic = text(room?.topic);

  const openRoom = useCallback(
    (roomId: string) => {
      setView('room');
      setCurrent(roomId);
      setThreadId(undefined);
      setShowRooms(false);
      localStorage.setItem(LAST_ROOM, roomId);
      void store.openRoom(roomId);
    },
    [store],
  );
  openRoomRef.current = openRoom;

  /** Opens search, with words to search for (from `/search …`) or as it was left. */
  const openSearch = useCallback((query?: string) => {
    setSearchQuery(query);
    setView('search');
    setShowRooms(false);
  }, []);
  useSearchKeys(openSearch);

  /** Opens a message's room at that message (a search result, a permalink), and its thread for a reply. */
  const openAt = useCallback(
    async (messageId: string) => {
      const landed = await store.openAt(messageId);
      if (!landed) return;
      setView('room');
      setCurrent(landed.room);
      setThreadId(landed.thread);
      setShowRooms(false);
      localStorage.setItem(LAST_ROOM, landed.room);
      if (landed.thread) showFocusedWhenShown('.thread-panel ol.messages', messageId);
    },
    [store],
  );

  useEffect(() => {
    if (!landing || !me) return;
    // Once: the address becomes the app's own again, so a reload opens the last room as usual.
    window.history.replaceState(null, '', '/');
    void openAt(landing).finally(() => setLanding(undefined));
  }, [landing, me, openAt]);

  // The first ready frame decides the room: the one open before a reload, else #general.
  useEffect(() => {
    if (!me || rooms.length === 0 || landing) return;
    if (current && rooms.some((item) => item.id === current)) {
      if (!store.snapshot().views[current]) void store.openRoom(current);
      return;
    }
    const fallback = rooms.find((item) => item.name === 'general') ?? rooms[0];
    if (fallback) openRoom(fallback.id);
  }, [me, rooms, current, store, openRoom, landing]);

  const setDraft = useCallback((key: string, text: string) => {
    setDrafts((all) => {
      const next = { ...all, [key]: text };
      if (!text) delete next[key];
      saveDrafts(next);
      return next;
    });
  }, []);

  const closeTopPanel = useCallback(() => {
    if (taskId) setTaskId(undefined);
    else if (threadId) setThreadId(undefined);
    else if (showRooms) setShowRooms(false);
    else if (showMembers) setShowMembers(false);
    else if (view === 'search') setView('room');
  }, [taskId, threadId, showRooms, showMembers, view]);

  useEffect(() => {
    function onKey(event: KeyboardEvent) {
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        setSwitcher((open) => !open);
      } else if (event.key === 'Escape' && !event.defaultPrevented) {
        closeTopPanel();
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [closeTopPanel]);

  const totalUnread = rooms.reduce((sum, item) => sum + (item.notify === 'muted' ? 0 : item.unread), 0);
  useEffect(() => {
    const name = room ? `${roomTitle(room)} · Roundtable` : 'Roundtable';
    document.title = totalUnread > 0 ? `(${totalUnread}) ${name}` : name;
  }, [room, totalUnread]);

  useEffect(() => {
    let away: ReturnType<typeof setTimeout> | undefined;
    function onVisibility() {
      clearTimeout(away);
      if (document.visibilityState === 'visible') {
        void store.client.setPresence('online').catch(() => {});
        if (current) void store.openRoom(current);
      } else {
        away = setTimeout(() => void store.client.setPresence('away').catch(() => {}), AWAY_AFTER_MS);
      }
    }
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      clearTimeout(away);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [store, current]);

  const openThread = useCallback(
    (message: Message) => {
      setThreadId(message.id);
      void store.openThreadOf(message);
    },
    [store],
  );

  const mention = useCallback((handle: string) => composer.current?.mention(handle), []);

  const banner =
    connection === 'open'
      ? undefined
      : connection === 'reconnecting'
        ? 'Reconnecting… messages you send now go out when the connection is back.'
        : connection === 'connecting'
          ? 'Connecting…'
          : 'Disconnected.';

  const taskPanel = view === 'tasks' ? taskId : undefined;
  const threadPanel = view === 'room' && threadId && threadRoot[threadId] ? threadId : undefined;
  const membersPanel = view === 'room' && showMembers && !threadId ? current : undefined;
  // The third column exists only while a panel fills it: otherwise a panel opened later would wrap below.
  const withPanel = Boolean(taskPanel || threadPanel || membersPanel);

  return (
    <div className={`chat${withPanel ? ' with-panel' : ''}${showRooms ? ' rooms-open' : ''}`}>
      <Boundary
        fallback={
          <nav className="sidebar" aria-label="Rooms">
            <p className="unshown">The room list could not be shown. Ctrl+K still finds a room.</p>
          </nav>
        }
      >
        <Sidebar
          current={view === 'room' ? current : undefined}
          tasksOpen={view === 'tasks'}
          onTasks={() => {
            setView('tasks');
            setShowRooms(false);
          }}
          page={view === 'agents' || view === 'account' || view === 'people' ? view : undefined}
          onPage={(page) => {
            setView(page);
            setShowRooms(false);
          }}
          onOpen={openRoom}
          onSignOut={onSignOut}
          notifications={permission}
          onEnableNotifications={() => void Notification.requestPermission().then(setPermission)}
        />
      </Boundary>
      {view === 'search' ? (
        <Suspense fallback={<main className="room-view page" aria-label="Search" aria-busy="true" />}>
          <SearchView
            key={searchQuery ?? ''}
            initialQuery={searchQuery}
            onOpen={openAt}
            onShowRooms={() => setShowRooms(true)}
            onClose={() => setView('room')}
          />
        </Suspense>
      ) : view === 'agents' || view === 'account' || view === 'people' ? (
        <Suspense fallback={<main className="room-view page" aria-busy="true" aria-label="Loading" />}>
          {view === 'agents' ? (
            <AgentsPage onShowRooms={() => setShowRooms(true)} />
          ) : view === 'account' ? (
            <AccountPage onShowRooms={() => setShowRooms(true)} />
          ) : (
            <PeoplePage me={text(me?.handle) ?? ''} onShowRooms={() => setShowRooms(true)} />
          )}
        </Suspense>
      ) : view === 'tasks' ? (
        <Suspense fallback={<main className="room-view" aria-label="Tasks" aria-busy="true" />}>
          <TasksPage selected={taskId} onSelect={setTaskId} onMenu={() => setShowRooms(true)} />
        </Suspense>
      ) : (
        <main className="room-view" aria-label={room ? roomTitle(room) : 'Room'}>
          <header className="room-header">
            <button type="button" className="icon menu" aria-label="Show rooms" onClick={() => setShowRooms(true)}>
              <MenuIcon size={20} aria-hidden="true" />
            </button>
            <div className="room-title">
              <h2>{room ? roomTitle(room) : ''}</h2>
              {topic && <p className="topic">{topic}</p>}
            </div>
            <IconButton label="Search messages" className="ghost" tipSide="below" onClick={() => openSearch()}>
              <SearchIcon size={16} aria-hidden="true" />
            </IconButton>
            {room && (
              <RoomTools
                room={room}
                showMembers={showMembers}
                onToggleMembers={() => setShowMembers(!showMembers)}
                onLeft={() => setCurrent(undefined)}
              />
            )}
          </header>
          {banner && (
            <p className="banner" role="status">
              {banner}
            </p>
          )}
          {error && (
            <p role="alert" className="error banner">
              {error}{' '}
              <button type="button" className="link" onClick={() => store.clearError()}>
                Dismiss
              </button>
            </p>
          )}
          {current && room && (
            <Fragment key={current}>
              <MessageList roomId={current} onOpenThread={openThread} />
              <TypingLine roomId={current} />
              <Composer
                ref={composer}
                roomId={current}
                label="Message"
                placeholder={`Message ${roomTitle(room)}`}
                draft={drafts[current] ?? ''}
                onDraft={(draft) => setDraft(current, draft)}
                onSearch={openSearch}
              />
            </Fragment>
          )}
        </main>
      )}
      {taskPanel && (
        <PanelBoundary key={taskPanel} title="Task" className="task-panel" onClose={() => setTaskId(undefined)}>
          <Suspense fallback={null}>
            <TaskDetail taskId={taskPanel} onClose={() => setTaskId(undefined)} />
          </Suspense>
        </PanelBoundary>
      )}
      {threadPanel && (
        <PanelBoundary key={threadPanel} title="Thread" className="thread-panel" onClose={() => setThreadId(undefined)}>
          <ThreadPanel
            rootId={threadPanel}
            draft={drafts[`thread:${threadPanel}`] ?? ''}
            onDraft={(draft) => setDraft(`thread:${threadPanel}`, draft)}
            onClose={() => setThreadId(undefined)}
          />
        </PanelBoundary>
      )}
      {membersPanel && (
        <PanelBoundary
          key={membersPanel}
          title="Members"
          className="members-panel"
          onClose={() => setShowMembers(false)}
        >
          <MembersPanel roomId={membersPanel} onMention={mention} onClose={() => setShowMembers(false)} />
        </PanelBoundary>
      )}
      {showRooms && <div className="scrim" onClick={() => setShowRooms(false)} aria-hidden="true" />}
      {switcher && <Switcher onOpen={openRoom} onClose={() => setSwitcher(false)} />}
      <Toaster />
    </div>
  );
}
