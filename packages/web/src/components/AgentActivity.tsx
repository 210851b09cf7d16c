/**
 * What agents are doing before their reply shows any text: "@helper is thinking…" from the moment
 * its stream starts, "@helper is running search_docs" while a tool call runs. A line goes once the
 * reply's text starts (the message itself shows the rest) or the stream ends, fails or is stopped.
 */
import type { Message } from '@roundtable/protocol';
import { records, text } from '../safe.js';
import { streamedText } from '../store/streams.js';
import { useChat } from '../use-chat.js';
import '../styles/composer.css';

const NONE: Message[] = [];

/** One line per member with a reply under way, in the order their replies started. */
export function activityLines(messages: Message[], streams: Record<string, string[]>, me: string | undefined) {
  return messages.flatMap((message) => {
    const sender = text(message.sender);
    if (message.status !== 'streaming' || sender === undefined || sender === me) return [];
    if (streamedText(message, streams[message.id]).trim() !== '') return [];
    const running = records(message.parts).findLast((part) => part.type === 'tool_call' && part.status === 'running');
    const tool = text(running?.name);
    return [tool ? `@${sender} is running ${tool}` : `@${sender} is thinking…`];
  });
}

export function AgentActivity({ roomId, threadId = null }: { roomId: string; threadId?: string | null }) {
  const messages = useChat((state) =>
    threadId ? (state.threads[threadId]?.replies ?? NONE) : (state.views[roomId]?.messages ?? NONE),
  );
  const streams = useChat((state) => state.streams);
  const me = useChat((state) => state.me?.handle);
  const lines = activityLines(messages, streams, me);
  return (
    <p className="agent-activity" role="status">
      {lines.map((line, index) => (
        <span key={index}>{line}</span>
      ))}
    </p>
  );
}
