/**
 * Under one of the person's own messages: how far it got with each member it addresses
 * ("Delivered to @codex · read · replied"), live, and what the hub said at once about agents that
 * will not get it now. Receipts come from the hub, so every field is read through safe.ts.
 */
import { useEffect } from 'react';
import { Check, CheckCheck, Clock, CornerDownRight, TriangleAlert } from 'lucide-react';
import type { Message } from '@roundtable/client';
import type { RoomSummary } from '@roundtable/protocol';
import { date, oneOf, record, text, texts } from '../safe.js';
import { useChat, useStore } from '../use-chat.js';
import '../styles/receipts.css';

const STATES = ['stored', 'delivered', 'read', 'acted'] as const;
type State = (typeof STATES)[number];
/** Lines shown before the rest fold away: `@all` in a big room keeps a hundred receipts. */
const SHOWN = 3;

interface Line {
  member: string;
  state: State;
  times: Array<[label: string, at: Date | undefined]>;
}

function lineOf(value: unknown): Line | undefined {
  const receipt = record(value);
  const member = text(receipt.member);
  const state = oneOf(receipt.state, STATES);
  if (member === undefined || state === undefined) return undefined;
  return {
    member,
    state,
    times: [
      ['Delivered', date(receipt.delivered_at)],
      ['Read', date(receipt.read_at)],
      ['Replied', date(receipt.acted_at)],
    ],
  };
}

/** Whether the message may keep receipts at all: most messages address nobody, and are not asked about. */
function mayHaveReceipts(message: Message, room: RoomSummary | undefined): boolean {
  return (
    texts(message.mentions).length > 0 ||
    texts(message.targets).length > 0 ||
    message.mention_all === true ||
    message.thread_id !== null ||
    room?.kind === 'direct' ||
    room?.kind === 'conversation'
  );
}

function Icon({ state }: { state: State }) {
  const props = { size: 13, 'aria-hidden': true } as const;
  if (state === 'acted') return <CornerDownRight {...props} />;
  if (state === 'read') return <CheckCheck {...props} />;
  if (state === 'delivered') return <Check {...props} />;
  return <Clock {...props} />;
}

function ReceiptLine({ line }: { line: Line }) {
  const reached = STATES.indexOf(line.state);
  const steps = ['read', 'replied'].filter((_, index) => reached >= index + 2);
  const title = line.times
    .filter(([, at]) => at !== undefined)
    .map(([label, at]) => `${label} ${at!.toLocaleString()}`)
    .join(' · ');
  return (
    <li className={`receipt ${line.state}`} title={title || undefined}>
      <Icon state={line.state} />
      {line.state === 'stored' ? (
        <span>
          Not yet delivered to <bdi>@{line.member}</bdi>
        </span>
      ) : (
        <span>
          Delivered to <bdi>@{line.member}</bdi>
          {steps.map((step) => ` · ${step}`).join('')}
        </span>
      )}
    </li>
  );
}

export function Receipts({ message, room }: { message: Message; room: RoomSummary | undefined }) {
  const store = useStore();
  const receipts = useChat((state) => state.receipts.get(message.id));
  const notices = useChat((state) => state.notices.get(message.id));
  const asks = message.status !== 'streaming' && mayHaveReceipts(message, room);
  useEffect(() => {
    if (asks) store.loadReceipts(message.id);
  }, [asks, message.id, store]);
  const lines = (receipts ?? []).map(lineOf).filter((line): line is Line => line !== undefined);
  if (lines.length === 0 && !notices?.length) return null;
  const rest = lines.slice(SHOWN);
  return (
    <div className="receipts">
      {notices?.map((notice) => (
        <p key={notice.code} className="receipt-notice" role="status">
          <TriangleAlert size={13} aria-hidden="true" />
          {text(notice.text)}
        </p>
      ))}
      {lines.length > 0 && (
        <ul aria-label="Delivery">
          {lines.slice(0, SHOWN).map((line) => (
            <ReceiptLine key={line.member} line={line} />
          ))}
        </ul>
      )}
      {rest.length > 0 && (
        <details>
          <summary>
            {rest.length} more: {summary(rest)}
          </summary>
          <ul aria-label="Delivery to the others">
            {rest.map((line) => (
              <ReceiptLine key={line.member} line={line} />
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/** "4 replied, 8 read, 2 not delivered", largest step first. */
function summary(lines: Line[]): string {
  const words: Record<State, string> = {
    acted: 'replied',
    read: 'read',
    delivered: 'delivered',
    stored: 'not delivered',
  };
  return [...STATES]
    .reverse()
    .map((state) => [state, lines.filter((line) => line.state === state).length] as const)
    .filter(([, count]) => count > 0)
    .map(([state, count]) => `${count} ${words[state]}`)
    .join(', ');
}
