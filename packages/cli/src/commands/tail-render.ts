/** How `roundtable tail` shows a room: `HH:MM:SS #room @sender: text` lines, a streamed reply growing in place on its own. */
import type { EventFrame, Message, StreamDeltaFrame } from '@roundtable/client';
import { clock, printJsonLine } from '../output.js';

export interface Renderer {
  /** A message loaded as history before following starts. */
  history(message: Message): void;
  event(frame: EventFrame): void;
  delta(frame: StreamDeltaFrame): void;
}

/** `--json`: every item as it comes, one JSON object a line; history messages as `{"type":"history","message":…}`. */
export const jsonRenderer: Renderer = {
  history: (message) => printJsonLine({ type: 'history', message }),
  event: (frame) => printJsonLine(frame),
  delta: (frame) => printJsonLine(frame),
};

interface LiveStream {
  text: string;
  /** The index the next delta should carry: lower ones were already shown. */
  nextIndex: number;
}

export class TextRenderer implements Renderer {
  private readonly write: (text: string) => void;
  private readonly label: string;
  private readonly streams = new Map<string, LiveStream>();
  /** The stream whose line is open (printed without its newline yet), if any. */
  private open: string | undefined;

  constructor(room: string, write: (text: string) => void) {
    this.label = `#${room}`;
    this.write = write;
  }

  history(message: Message): void {
    this.created(message);
  }

  event(frame: EventFrame): void {
    switch (frame.kind) {
      case 'message.created':
        return this.created(frame.data);
      case 'message.updated':
        return this.updated(frame.data);
      case 'message.deleted':
        return this.line(`${this.head(frame.at, frame.actor)} deleted ${frame.data.id}`);
      case 'reaction.added':
        return this.line(`${this.head(frame.at, frame.actor)} reacted ${frame.data.emoji} to ${frame.data.message_id}`);
      case 'reaction.removed':
        return this.line(
          `${this.head(frame.at, frame.actor)} removed ${frame.data.emoji} from ${frame.data.message_id}`,
        );
      case 'member.joined': {
        const member = frame.data.member;
        const by = frame.actor === member ? '' : ` (added by @${frame.actor})`;
        return this.line(`${this.head(frame.at, member)} joined${by}`);
      }
      case 'member.left':
        return this.line(`${this.head(frame.at, frame.data.member)} left`);
      case 'room.updated': {
        const { room } = frame.data;
        const what = room.archived ? 'archived the room' : `set the topic: ${room.topic}`;
        return this.line(`${this.head(frame.at, frame.actor)} ${what}`);
      }
      default:
        // A newer hub may log kinds this CLI does not know: shown plainly rather than dropped.
        return this.line(`${this.head(frame.at, frame.actor)} ${String(frame.kind)}`);
    }
  }

  delta(frame: StreamDeltaFrame): void {
    const stream = this.streams.get(frame.message);
    // Deltas of a stream that began before tail started, or repeats: the final message covers them.
    if (!stream || frame.index < stream.nextIndex) return;
    stream.nextIndex = frame.index + 1;
    stream.text += frame.delta;
    if (this.open === frame.message) this.write(indent(frame.delta));
  }

  private created(message: Message): void {
    if (message.status !== 'streaming') return this.line(this.messageLine(message));
    this.closeOpenLine();
    this.streams.set(message.id, { text: message.content, nextIndex: 0 });
    this.write(`${this.prefix(message)}${indent(message.content)}`);
    this.open = message.id;
  }

  private updated(message: Message): void {
    const stream = this.streams.get(message.id);
    if (stream) {
      if (message.status === 'streaming') return;
      this.streams.delete(message.id);
      // Every delta arrived on an unbroken line: closing it is enough. Otherwise the final text is printed whole.
      if (this.open === message.id && stream.text === message.content) {
        this.open = undefined;
        return this.write(`${statusNote(message)}\n`);
      }
      return this.line(this.messageLine(message));
    }
    if (message.edited_at && message.status === 'complete') {
      return this.line(
        `${this.head(message.edited_at, message.sender, message.sender_kind)} edited ${message.id}: ${indent(message.content)}`,
      );
    }
    this.line(this.messageLine(message));
  }

  private messageLine(message: Message): string {
    const text = message.deleted ? '(deleted)' : indent(message.content);
    return `${this.prefix(message)}${text}${statusNote(message)}`;
  }

  private prefix(message: Message): string {
    const thread = message.thread_id ? ` (thread ${message.thread_id})` : '';
    return `${this.head(message.created_at, message.sender, message.sender_kind)}${thread}: `;
  }

  private head(at: string, handle: string, kind?: string): string {
    const mark = kind === 'agent' || kind === 'system' ? ` [${kind}]` : '';
    return `${clock(at)} ${this.label} @${handle}${mark}`;
  }

  /** A whole line; an open stream line is ended first, and its remaining deltas wait for the final message. */
  private line(text: string): void {
    this.closeOpenLine();
    this.write(`${text}\n`);
  }

  private closeOpenLine(): void {
    if (this.open === undefined) return;
    this.write(' …\n');
    this.open = undefined;
  }
}

function statusNote(message: Message): string {
  if (message.status === 'error') return ` [error: ${String(message.metadata.error ?? 'unknown')}]`;
  if (message.status === 'cancelled') {
    const by = message.metadata.cancelled_by;
    return by === undefined ? ' [stopped]' : ` [stopped by @${String(by)}]`;
  }
  if (message.status === 'streaming') return ' …';
  return '';
}

/** Continuation lines of a multi-line message are indented, so each message still starts at the left edge. */
function indent(text: string): string {
  return text.replace(/\n/g, '\n    ');
}
