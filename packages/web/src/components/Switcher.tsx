/** Ctrl/Cmd+K: type part of a room's name, arrows to choose, Enter to go there. */
import { useState, type KeyboardEvent } from 'react';
import { roomTitle } from '../store/rooms.js';
import { useChat } from '../use-chat.js';
import { Dialog } from './Dialog.js';

export function Switcher({ onOpen, onClose }: { onOpen: (roomId: string) => void; onClose: () => void }) {
  const rooms = useChat((state) => state.rooms);
  const [filter, setFilter] = useState('');
  const [choice, setChoice] = useState(0);
  const needle = filter.toLowerCase().replace(/^[#@]/, '');
  const shown = rooms
    .filter((room) => roomTitle(room).toLowerCase().includes(needle))
    .sort((a, b) => (b.unread > 0 ? 1 : 0) - (a.unread > 0 ? 1 : 0));
  function go(roomId: string | undefined) {
    if (!roomId) return;
    onClose();
    onOpen(roomId);
  }
  function onKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setChoice((choice + step + shown.length) % Math.max(shown.length, 1));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      go(shown[choice]?.id);
    }
  }
  return (
    <Dialog label="Jump to a room" onClose={onClose}>
      <input
        aria-label="Room name"
        placeholder="Room name"
        value={filter}
        onChange={(e) => {
          setFilter(e.target.value);
          setChoice(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ul className="switcher" role="listbox" aria-label="Rooms">
        {shown.map((room, index) => (
          <li
            key={room.id}
            role="option"
            aria-selected={index === choice}
            className={index === choice ? 'active' : undefined}
            onMouseDown={(event) => {
              event.preventDefault();
              go(room.id);
            }}
          >
            {roomTitle(room)}
            {room.unread > 0 && <span className="badge">{room.unread}</span>}
          </li>
        ))}
      </ul>
    </Dialog>
  );
}
