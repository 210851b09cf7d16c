/**
 * What agents are doing: their own activity status ("@codex is running search_files", "@codex is
 * waiting for approval"), and before a reply shows any text, what its stream says ("@helper is
 * thinking…" from the moment it starts, the tool call running). "Thinking" goes once the reply's text
 * starts (the message itself shows the rest); every status lapses after the time the hub gave it.
 */
import type { Message } from '@roundtable/protocol';
import { records, text } from '../safe.js';
import type { AgentStatus } from '../store/activity.js';
import { streamedText } from '../store/streams.js';
import { useChat } from '../use-chat.js';
import '../styles/composer.css';

const NONE: Message[] = [];
const NO_STATUS: Record<string, AgentStatus> = {};

function statusLine({ member, state, tool }: AgentStatus): string {
  if (state === 'tool') return `@${member} is running ${tool ?? 'a tool'}…`;
  if (state === 'waiting_approval') return `@${member} is waiting for approval${tool ? ` to run ${tool}` : ''}…`;
  return `@${member} is thinking…`;
}

/** One line per member at work: replies under way in the order they started, then statuses without one. */
export function activityLines(
  messages: Message[],
  streams: Record<string, string[]>,
  me: string | undefined,
  statuses: AgentStatus[] = [],
) {
  const writing = new Set<string>();
  const byMember = new Map(statuses.map((status) => [status.member, status]));
  const lines = messages.flatMap((message) => {
    const sender = text(message.sender);
    if (message.status !== 'streaming' || sender === undefined || sender === me) return [];
    writing.add(sender);
    const status = byMember.get(sender);
    if (status && status.state !== 'thinking') return [statusLine(status)];
    if (streamedText(message, streams[message.id]).trim() !== '') return [];
    const running = records(message.parts).findLast((part) => part.type === 'tool_call' && part.status === 'running');
    const tool = text(running?.name);
    return [tool ? `@${sender} is running ${tool}` : `@${sender} is thinking…`];
  });
  const apart = statuses.filter((status) => !writing.has(status.member) && status.member !== me);
  return [...lines, ...apart.map(statusLine)];
}

export function AgentActivity({ roomId, threadId = null }: { roomId: string; threadId?: string | null }) {
  const messages = useChat((state) =>
    threadId ? (state.threads[threadId]?.replies ?? NONE) : (state.views[roomId]?.messages ?? NONE),
  );
  const streams = useChat((state) => state.streams);
  const me = useChat((state) => state.me?.handle);
  const held = useChat((state) => state.activity[roomId] ?? NO_STATUS);
  const statuses = Object.values(held).filter((status) => status.thread === threadId);
  const lines = activityLines(messages, streams, me, statuses);
  return (
    <p className="agent-activity" role="status">
      {lines.map((line, index) => (
        <span key={index}>{line}</span>
      ))}
    </p>
  );
}
