/** Which messages raise a browser notification, and what it says. */
import type { Message, NotifyLevel, RoomSummary } from '@roundtable/protocol';
import { text } from '../safe.js';
import { addressesMe } from './messages.js';
import { roomTitle } from './rooms.js';

/** Whether a message from someone else should raise a browser notification at this room's level. */
export function shouldNotify(level: NotifyLevel, message: Message, me: string, room: RoomSummary | undefined): boolean {
  if (message.sender === me || level === 'muted') return false;
  return level === 'all' || addressesMe(message, me, room);
}

/** Who wrote where, and the start of what they wrote: a direct room or a conversation is not named, its sender is enough. */
export function notificationOf(message: Message, room: RoomSummary): { title: string; body: string } {
  const where =
    room.kind === 'direct' ? 'direct message' : room.kind === 'conversation' ? 'conversation' : roomTitle(room);
  return { title: `${text(message.sender) ?? '?'} (${where})`, body: (text(message.content) ?? '').slice(0, 200) };
}
