/** The tools of a room's header: how loudly it notifies, who is in it, and leaving it. */
import { useState } from 'react';
import { Bell, BellOff, BellRing, DoorOpen, Ellipsis, Users } from 'lucide-react';
import type { NotifyLevel, RoomSummary } from '@roundtable/protocol';
import { roomTitle } from '../store/rooms.js';
import { num } from '../safe.js';
import { Menu } from '../ui/Menu.js';
import { useStore } from '../use-chat.js';
import { Confirm } from './Dialog.js';

const LEVELS: Array<{ level: NotifyLevel; label: string; hint: string }> = [
  { level: 'all', label: 'All messages', hint: 'Every new message' },
  { level: 'mentions', label: 'Mentions only', hint: '@you, @all and replies' },
  { level: 'muted', label: 'Muted', hint: 'Nothing, no unread count' },
];

const LEVEL_ICON = { all: BellRing, mentions: Bell, muted: BellOff } as const;

export function RoomTools({
  room,
  showMembers,
  onToggleMembers,
  onLeft,
}: {
  room: RoomSummary;
  showMembers: boolean;
  onToggleMembers: () => void;
  onLeft: () => void;
}) {
  const store = useStore();
  const [leaving, setLeaving] = useState(false);
  const LevelIcon = LEVEL_ICON[room.notify] ?? Bell;
  const current = LEVELS.find((item) => item.level === room.notify);
  const leavable = room.kind !== 'direct' && room.kind !== 'conversation';
  const count = num(room.member_count);
  return (
    <div className="room-tools">
      <Menu
        label={`Notifications: ${current?.label ?? 'unknown'}`}
        trigger={
          <>
            <LevelIcon size={16} aria-hidden="true" />
            <span className="tool-text">{current?.label ?? 'Notifications'}</span>
          </>
        }
        items={LEVELS.map((item) => ({
          label: item.label,
          hint: item.hint,
          checked: room.notify === item.level,
          onSelect: () => void store.setNotify(room.id, item.level),
        }))}
      />
      <button
        type="button"
        className="ghost"
        aria-pressed={showMembers}
        aria-label={`Members ${count ?? '?'}`}
        data-tip="Members"
        data-tip-side="below"
        onClick={onToggleMembers}
      >
        <Users size={16} aria-hidden="true" />
        {count ?? '?'}
      </button>
      {leavable && (
        <Menu
          label="More room actions"
          tip
          className="icon"
          trigger={<Ellipsis size={18} aria-hidden="true" />}
          items={[
            { label: 'Leave room', icon: <DoorOpen size={15} />, danger: true, onSelect: () => setLeaving(true) },
          ]}
        />
      )}
      {leaving && (
        <Confirm
          title={`Leave ${roomTitle(room)}`}
          action="Leave"
          onConfirm={() => void store.leave(room.id).then((left) => left && onLeft())}
          onClose={() => setLeaving(false)}
        >
          <p>
            You stop getting its messages.{' '}
            {room.kind === 'public'
              ? 'You can join again from Browse rooms.'
              : 'To come back, someone in it must invite you.'}
          </p>
        </Confirm>
      )}
    </div>
  );
}
