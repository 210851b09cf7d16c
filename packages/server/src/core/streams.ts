/**
 * Streamed messages: a message stored as `streaming`, then deltas and tool-call parts sent as
 * ephemeral frames while its text is held here, then one final write (done, error, cancelled or
 * timed out). The instance the sender is connected to holds the stream; others ask it to stop.
 */
import {
  Limits,
  type Message,
  type MessagePart,
  type MessageResult,
  type SendParams,
  type StreamDeltaFrame,
  type StreamPartFrame,
} from '@roundtable/protocol';
import type { HubContext } from './context.js';
import { audienceOf } from './delivery.js';
import { HubError } from './hub-error.js';
import { checkSizes } from './payload-limits.js';
import type { BusMessage, MemberRecord, MessageAudience } from './ports.js';

/** How long (ms) to wait for the instance holding a stream to stop it, before ending it from the store. */
const REMOTE_STREAM_WAIT_MS = 2_000;

interface ActiveStream {
  messageId: string;
  /** Started past the depth limit: its events wake no agent. */
  quiet: boolean;
  room: string;
  senderId: string;
  content: string;
  index: number;
  /** Tool calls so far, shown while they run and stored with the message at the end. */
  parts: MessagePart[];
  audience: string[];
  lastActivity: number;
}

interface FinalFields {
  content?: string;
  parts?: MessagePart[];
  metadata?: Record<string, unknown>;
  error?: string;
  cancelled_by?: string;
}

/** What streams need of the other features. */
export interface StreamsDeps {
  send(actor: MemberRecord, params: SendParams, status: 'streaming'): Promise<MessageResult>;
  /** The message as the actor may see it, with who it reached. */
  messageFor(actor: MemberRecord, messageId: string): Promise<MessageAudience>;
  /** An agent's stream ended complete; `audience` is null when it woke no agent. */
  finished(
    actor: MemberRecord,
    roomId: string,
    content: string,
    audience: string[] | null,
    metadata: Record<string, unknown> | undefined,
  ): Promise<void>;
}

export class Streams {
  private readonly streams = new Map<string, ActiveStream>();
  /** Cancels waiting for another instance to end a stream, by message id. */
  private readonly streamEnded = new Map<string, () => void>();
  private sweepTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: HubContext,
    private readonly deps: StreamsDeps,
  ) {}

  async start(): Promise<void> {
    if (this.ctx.settings.endStreamsAtStart) await this.endInterruptedStreams();
    this.sweepTimer = setInterval(() => this.sweep(), Math.min(this.ctx.settings.streamIdleMs, 30_000));
    this.sweepTimer.unref();
  }

  stop(): void {
    if (this.sweepTimer) clearInterval(this.sweepTimer);
  }

  /** Streams that were open when the hub last stopped cannot go on: their producers lost the connection. */
  private async endInterruptedStreams(): Promise<void> {
    for (const stored of await this.ctx.store.streamingMessages()) {
      await this.finish(streamFromStore(stored), 'error', {
        error: 'interrupted: the hub restarted while this message was streaming',
      });
    }
  }

  /** Ends the streams idle past the setting as errors; the hub's timer calls it. */
  sweep(): void {
    const idleBefore = this.ctx.clock.now() - this.ctx.settings.streamIdleMs;
    for (const stream of this.streams.values()) {
      if (stream.lastActivity < idleBefore) {
        this.finish(stream, 'error', { error: 'stream timed out: no delta arrived in time' }).catch((error) =>
          this.ctx.logger.warn({ err: error, message: stream.messageId }, 'could not close an idle stream'),
        );
      }
    }
  }

  /** A streaming message was just stored: this instance holds its text from now on. */
  open(message: Message, stream: { quiet: boolean; senderId: string; audience: string[] }): void {
    this.streams.set(message.id, {
      messageId: message.id,
      quiet: stream.quiet,
      room: message.room,
      senderId: stream.senderId,
      content: message.content,
      index: 0,
      parts: [],
      audience: stream.audience,
      lastActivity: this.ctx.clock.now(),
    });
  }

  /** A deleted message's stream is dropped: nothing more of it is shown or stored. */
  forget(messageId: string): void {
    this.streams.delete(messageId);
  }

  /** A streaming message holds its text in memory until it ends; readers see the text so far. */
  withStreamContent(message: Message): Message {
    if (message.status !== 'streaming') return message;
    const stream = this.streams.get(message.id);
    // `stream_deltas` tells a reader joining mid-stream which delta indexes the snapshot already holds.
    return stream
      ? {
          ...message,
          content: stream.content,
          parts: stream.parts.length > 0 ? stream.parts : message.parts,
          metadata: { ...message.metadata, stream_deltas: stream.index },
        }
      : message;
  }

  async startStream(
    actor: MemberRecord,
    params: Omit<SendParams, 'content'> & { content?: string },
  ): Promise<MessageResult> {
    return this.deps.send(actor, { ...params, content: params.content ?? '' }, 'streaming');
  }

  private streamOf(actor: MemberRecord, messageId: string): ActiveStream {
    const stream = this.streams.get(messageId);
    if (!stream) throw new HubError('not_streaming');
    if (stream.senderId !== actor.id) throw new HubError('forbidden', 'Only the sender may write to a stream.');
    return stream;
  }

  streamDelta(actor: MemberRecord, messageId: string, delta: string): void {
    this.ctx.requireMayPost(actor);
    const stream = this.streamOf(actor, messageId);
    if (stream.content.length + delta.length > Limits.maxContentChars) throw new HubError('content_too_long');
    stream.content += delta;
    stream.lastActivity = this.ctx.clock.now();
    this.signalStream(stream, {
      type: 'stream.delta',
      room: stream.room,
      message: messageId,
      index: stream.index,
      delta,
    });
    stream.index += 1;
  }

  streamPart(actor: MemberRecord, messageId: string, part: MessagePart): void {
    this.ctx.requireMayPost(actor);
    const stream = this.streamOf(actor, messageId);
    const parts = [...stream.parts.filter((existing) => existing.id !== part.id), part];
    checkSizes(parts, undefined);
    // Replaced in place, so a tool call keeps its position as it goes from running to done.
    const at = stream.parts.findIndex((existing) => existing.id === part.id);
    if (at >= 0) stream.parts[at] = part;
    else stream.parts.push(part);
    stream.lastActivity = this.ctx.clock.now();
    this.signalStream(stream, { type: 'stream.part', room: stream.room, message: messageId, part });
  }

  /** A stream's ephemeral frame, to the room's people and to the agents the message addresses. */
  private signalStream(stream: ActiveStream, frame: StreamDeltaFrame | StreamPartFrame): void {
    const encoded = JSON.stringify(frame);
    const { bus } = this.ctx;
    bus.publish({ kind: 'signal', room: stream.room, members: null, agentsToo: false, frame: encoded });
    for (const agentId of stream.audience) {
      bus.publish({ kind: 'signal', room: null, members: [agentId], agentsToo: true, frame: encoded });
    }
  }

  async streamDone(
    actor: MemberRecord,
    messageId: string,
    final: { content?: string; parts?: MessagePart[]; metadata?: Record<string, unknown> },
  ): Promise<Message> {
    this.ctx.requireMayPost(actor);
    const stream = this.streamOf(actor, messageId);
    checkSizes(final.parts, final.metadata);
    const message = await this.finish(stream, 'complete', final);
    await this.deps.finished(
      actor,
      stream.room,
      message.content,
      stream.quiet ? null : stream.audience,
      final.metadata,
    );
    return message;
  }

  async streamError(actor: MemberRecord, messageId: string, error: string): Promise<Message> {
    return this.finish(this.streamOf(actor, messageId), 'error', { error });
  }

  /** Stop: the sender, or any person in the room, may cancel a streaming message. */
  async cancelStream(actor: MemberRecord, messageId: string): Promise<Message> {
    // Visibility first: a non-member learns nothing about a message in a private room.
    const stored = await this.deps.messageFor(actor, messageId);
    const { message, senderId } = stored;
    if (message.status !== 'streaming') throw new HubError('not_streaming');
    if (senderId !== actor.id && actor.kind !== 'person') {
      throw new HubError('forbidden', 'Only the sender or a person in the room may stop a stream.');
    }
    const stream = this.streams.get(messageId);
    if (stream) return this.finish(stream, 'cancelled', { cancelled_by: actor.handle });
    // Another instance holds the stream (its sender is connected there): ask it to stop, since it
    // has the text so far; if none answers in time, end the stream from what the store has.
    const ended = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), REMOTE_STREAM_WAIT_MS);
      this.streamEnded.set(messageId, () => {
        clearTimeout(timer);
        resolve(true);
      });
    });
    this.ctx.bus.publish({ kind: 'control', action: 'stream.cancel', messageId, by: actor.handle });
    const stoppedElsewhere = await ended;
    this.streamEnded.delete(messageId);
    if (stoppedElsewhere) return (await this.ctx.store.messageById(messageId)) ?? message;
    return this.finish(streamFromStore(stored), 'cancelled', { cancelled_by: actor.handle });
  }

  /** Another instance's person pressed stop on a stream this instance may hold. */
  async onCancel(message: Extract<BusMessage, { action: 'stream.cancel' }>): Promise<void> {
    const stream = this.streams.get(message.messageId);
    if (stream) await this.finish(stream, 'cancelled', { cancelled_by: message.by });
  }

  /** A message changed: if this instance waits for another to end its stream, the wait is over. */
  messageUpdated(messageId: string): void {
    this.streamEnded.get(messageId)?.();
  }

  private async finish(
    stream: ActiveStream,
    status: 'complete' | 'error' | 'cancelled',
    final: FinalFields,
  ): Promise<Message> {
    this.streams.delete(stream.messageId);
    const { store } = this.ctx;
    const current = await store.messageById(stream.messageId);
    const metadata = { ...(current?.metadata ?? {}), ...(final.metadata ?? {}) };
    if (final.error) metadata.error = final.error;
    if (final.cancelled_by) metadata.cancelled_by = final.cancelled_by;
    const at = this.ctx.now();
    const result = await store.updateMessage(
      stream.messageId,
      {
        content: final.content ?? stream.content,
        status,
        parts: final.parts ?? (stream.parts.length > 0 ? stream.parts : undefined),
        metadata,
      },
      (message) => ({
        kind: 'message.updated',
        actor: status === 'cancelled' ? String(final.cancelled_by) : message.sender,
        at,
        data: message,
        agents: stream.audience,
        quiet: stream.quiet,
      }),
    );
    if (!result) throw new HubError('message_not_found');
    this.ctx.publishEvent(result.event);
    return result.message;
  }
}

/** A stream no instance holds in memory, rebuilt from the store to be ended: its text is what was stored. */
function streamFromStore({ message, senderId, wake, quiet }: MessageAudience): ActiveStream {
  return {
    messageId: message.id,
    quiet,
    room: message.room,
    senderId,
    content: message.content,
    index: 0,
    parts: message.parts,
    audience: audienceOf(wake, { id: senderId, kind: message.sender_kind }),
    lastActivity: 0,
  };
}
