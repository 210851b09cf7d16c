/** "ada is typing…" for a room or one of its threads. */
import { useChat } from '../use-chat.js';

const NOBODY: Record<string, number> = {};

export function TypingLine({ roomId }: { roomId: string }) {
  const typing = useChat((state) => state.typing[roomId] ?? NOBODY);
  const me = useChat((state) => state.me?.handle);
  const who = Object.keys(typing).filter((handle) => handle !== me);
  const text =
    who.length === 0
      ? ''
      : who.length === 1
        ? `${who[0]} is typing…`
        : who.length <= 3
          ? `${who.slice(0, -1).join(', ')} and ${who.at(-1)} are typing…`
          : 'Several people are typing…';
  return (
    <p className="typing" aria-live="polite">
      {text}
    </p>
  );
}
