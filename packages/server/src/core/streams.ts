/**
 * Streamed messages: a message stored as `streaming`, then deltas and tool-call parts sent as
 * ephemeral frames while its text is held here, then one final write (done, error, cancelled or
 * timed out), which only the first ending makes. The instance the sender is connected to holds the
 * stream and checkpoints its text to the store; others ask it to stop, and end its streams from the
 * store when its checkpoints stop (it died).
 *
 * The bound: every tick (a second, or a quarter of `streamIdleMs` when that is shorter) the holder
 * saves the time, and the text if it changed, of all its streams in one write, and every instance
 * sweeps. A sweep ends as orphaned the streams whose checkpoint is older than `streamIdleMs` minus
 * a tick, so such a stream ends at most `streamIdleMs` after its holder's last checkpoint, hence
 * within `streamIdleMs` of the holder's death (plus the ending write), with the text of that
 * checkpoint: what came in the tick before the death is lost. A live holder is taken for dead only
 * if it could not checkpoint for three ticks or more. Checkpoint times are compared across
 * instances, whose clocks must agree (as for task leases).
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
import type { BusMessage, MemberRecord, MessageAudience, StreamCheckpoint } from './ports.js';

/** How long (ms) to wait for the instance holding a stream to stop it, before ending it from the store. */
const REMOTE_STREAM_WAIT_MS = 2_000;

/** Streams of stopped instances ended by one sweep, at most: the next sweep takes the rest. */
const ORPHANS_PER_SWEEP = 100;

const TIMED_OUT = 'stream timed out: no delta arrived in time';
const ORPHANED = 'interrupted: the hub instance hosting this stream stopped';

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
  /** Text or parts changed since the last checkpoint. */
  unsaved: boolean;
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
  private timer: NodeJS.Timeout | undefined;
  private checkpointing = false;
  private sweeping = false;
  /** The last checkpoint failed: a failure is logged once until one succeeds. */
  private checkpointFailed = false;

  constructor(
    private readonly ctx: HubContext,
    private readonly deps: StreamsDeps,
  ) {}

  /** How often (ms) streams are checkpointed and swept; see the bound above. */
  private get tickMs(): number {
    return Math.max(1, Math.min(1_000, Math.floor(this.ctx.settings.streamIdleMs / 4)));
  }

  async start(): Promise<void> {
    if (this.ctx.settings.endStreamsAtStart) await this.endInterruptedStreams();
    this.timer = setInterval(() => {
      void this.checkpoint();
      void this.sweep();
    }, this.tickMs);
    this.timer.unref();
  }

  /** Stops the timer, queueing a last checkpoint: the store commits it before it closes, so a restart keeps all the text. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    void this.checkpoint();
  }

  /** Streams that were open when the hub last stopped cannot go on: their producers lost the connection. */
  private async endInterruptedStreams(): Promise<void> {
    for (const stored of await this.ctx.store.streamingMessages()) {
      await this.finish(streamFromStore(stored), 'error', {
        error: 'interrupted: the hub restarted while this message was streaming',
      });
    }
  }

  /**
   * Saves the text so far of the streams held here, and that they are alive, in one store write;
   * the timer calls it every tick. A stream the store no longer has streaming was ended by another
   * instance (or deleted): it is forgotten, so its sender's next request gets `not_streaming`.
   */
  async checkpoint(): Promise<void> {
    if (this.checkpointing || this.streams.size === 0) return;
    const held = [...this.streams.values()];
    const checkpoints = held.map((stream): StreamCheckpoint => {
      if (!stream.unsaved) return { messageId: stream.messageId };
      stream.unsaved = false;
      const parts = stream.parts.length > 0 ? [...stream.parts] : undefined;
      return { messageId: stream.messageId, text: { content: stream.content, parts } };
    });
    this.checkpointing = true;
    try {
      const saved = new Set(await this.ctx.store.checkpointStreams(this.ctx.now(), checkpoints));
      this.checkpointFailed = false;
      for (const stream of held) {
        if (!saved.has(stream.messageId) && this.streams.get(stream.messageId) === stream) {
          this.streams.delete(stream.messageId);
        }
      }
    } catch (error) {
      for (const { messageId, text } of checkpoints) {
        const stream = this.streams.get(messageId);
        if (text && stream) stream.unsaved = true;
      }
      if (!this.checkpointFailed) this.ctx.logger.warn({ err: error }, 'could not checkpoint the streams held here');
      this.checkpointFailed = true;
    } finally {
      this.checkpointing = false;
    }
  }

  /**
   * Ends as errors the streams held here that are idle past the setting, and any instance's streams
   * whose checkpoints stopped (see the bound above); the hub's timer calls it every tick.
   */
  async sweep(): Promise<void> {
    const now = this.ctx.clock.now();
    const idleBefore = now - this.ctx.settings.streamIdleMs;
    for (const stream of this.streams.values()) {
      if (stream.lastActivity < idleBefore) {
        this.finish(stream, 'error', { error: TIMED_OUT }).catch((error) =>
          this.ctx.logger.warn({ err: error, message: stream.messageId }, 'could not close an idle stream'),
        );
      }
    }
    if (this.sweeping) return;
    this.sweeping = true;
    try {
      await this.endOrphans(now);
    } catch (error) {
      this.ctx.logger.warn({ err: error }, 'could not end the streams of a stopped instance');
    } finally {
      this.sweeping = false;
    }
  }

  private async endOrphans(now: number): Promise<void> {
    const before = new Date(now - (this.ctx.settings.streamIdleMs - this.tickMs)).toISOString();
    for (const stored of await this.ctx.store.orphanedStreams(before, ORPHANS_PER_SWEEP)) {
      // One held here is alive, and has more text than the store: its own idle time applies.
      if (this.streams.has(stored.message.id)) continue;
      await this.finish(streamFromStore(stored), 'error', { error: ORPHANED });
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
      unsaved: false,
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
    stream.unsaved = true;
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
    stream.unsaved = true;
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
    const message = await this.finishFor(stream, 'complete', final);
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
    return this.finishFor(this.streamOf(actor, messageId), 'error', { error });
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
    if (stream) return this.finishFor(stream, 'cancelled', { cancelled_by: actor.handle });
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
    return this.finishFor(streamFromStore(stored), 'cancelled', { cancelled_by: actor.handle });
  }

  /** Another instance's person pressed stop on a stream this instance may hold. */
  async onCancel(message: Extract<BusMessage, { action: 'stream.cancel' }>): Promise<void> {
    const stream = this.streams.get(message.messageId);
    if (stream) await this.finish(stream, 'cancelled', { cancelled_by: message.by });
  }

  /**
   * A message changed, on any instance: if this instance waits for another to end its stream, the
   * wait is over; if it holds a stream another instance ended, it lets it go.
   */
  messageUpdated(message: Message): void {
    this.streamEnded.get(message.id)?.();
    if (message.status !== 'streaming') this.streams.delete(message.id);
  }

  /** Ends a stream at its sender's or a person's request; when another ending came first, it is over for them as any ended stream is. */
  private async finishFor(
    stream: ActiveStream,
    status: 'complete' | 'error' | 'cancelled',
    final: FinalFields,
  ): Promise<Message> {
    const message = await this.finish(stream, status, final);
    if (!message) throw new HubError('not_streaming');
    return message;
  }

  /** The stream's one ending; undefined when another ending (most likely another instance's) came first. */
  private async finish(
    stream: ActiveStream,
    status: 'complete' | 'error' | 'cancelled',
    final: FinalFields,
  ): Promise<Message | undefined> {
    this.streams.delete(stream.messageId);
    const { store } = this.ctx;
    const current = await store.messageById(stream.messageId);
    const metadata = { ...(current?.metadata ?? {}), ...(final.metadata ?? {}) };
    if (final.error) metadata.error = final.error;
    if (final.cancelled_by) metadata.cancelled_by = final.cancelled_by;
    const at = this.ctx.now();
    const result = await store.finishStream(
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
    if (!result) return undefined;
    this.ctx.publishEvent(result.event);
    return result.message;
  }
}

/** A stream no instance holds in memory, rebuilt from the store to be ended: its text is the last checkpoint's. */
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
    unsaved: false,
  };
}
