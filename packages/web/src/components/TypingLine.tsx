/** The line above the message box: what agents are doing, and "ada is typing…", for a room or one of its threads. */
import type { Typing } from '../store/typing.js';
import { useChat } from '../use-chat.js';
import { AgentActivity } from './AgentActivity.js';

const NOBODY: Record<string, Typing> = {};

export function TypingLine({ roomId, threadId = null }: { roomId: string; threadId?: string | null }) {
  const typing = useChat((state) => state.typing[roomId] ?? NOBODY);
  const me = useChat((state) => state.me?.handle);
  const who = Object.entries(typing)
    .filter(([handle, where]) => handle !== me && where.thread === threadId)
    .map(([handle]) => handle);
  const text =
    who.length === 0
      ? ''
      : who.length === 1
        ? `${who[0]} is typing…`
        : who.length <= 3
          ? `${who.slice(0, -1).join(', ')} and ${who.at(-1)} are typing…`
          : 'Several people are typing…';
  return (
    <div className="activity-line">
      <AgentActivity roomId={roomId} threadId={threadId} />
      <p className="typing" aria-live="polite">
        {text}
      </p>
    </div>
  );
}
