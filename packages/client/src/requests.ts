/**
 * Requests awaiting their ack (or their timeout) and frames awaiting a connection, kept in the order
 * they were made so that a reconnect writes them again in that order.
 */
import type { RequestType, ResultMap } from '@roundtable/protocol';
import { ConnectionLostError, RoundtableError, TimeoutError } from './errors.js';
import type { WebSocketLike } from './socket.js';

interface Pending {
  /** Serialized once, so a re-send after a reconnect repeats it exactly, client_id included. */
  readonly frame: string;
  readonly type?: RequestType;
  /** Written to a socket that then dropped: whether it took effect is unknown. */
  written?: boolean;
  /** Absent for fire-and-forget frames, which leave the queue once written. */
  readonly resolve?: (result: unknown) => void;
  readonly reject?: (error: Error) => void;
  readonly timer?: ReturnType<typeof setTimeout>;
}

/**
 * Requests that may be repeated after a dropped connection without doing anything twice: reads,
 * set-like changes, and sends carrying a client_id. Any other request that was written before a
 * drop is rejected with ConnectionLostError, since the client cannot know whether it took effect.
 */
const SAFE_TO_REPEAT = new Set<RequestType>([
  'ping',
  'send',
  'stream.start',
  'history',
  'sync',
  'message.get',
  'rooms.list',
  'room.direct',
  'room.join',
  'room.invite',
  'room.members',
  'room.settings',
  'room.update',
  'members.list',
  'read',
  'react',
  'unreact',
  'presence',
  'edit',
  'delete',
  'task.create',
  'task.get',
  'task.list',
  'task.heartbeat',
]);

export class PendingRequests {
  private readonly pending = new Map<string, Pending>();

  /**
   * Resolves with the result of the ack answering `id`. The frame is written to `socket` at once when
   * there is one (a connection that got `ready`), else by the next `flush`.
   */
  add<T extends RequestType>(
    id: string,
    type: T,
    frame: string,
    timeoutMs: number,
    socket: WebSocketLike | undefined,
  ): Promise<ResultMap[T]> {
    return new Promise<ResultMap[T]>((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id);
              reject(new TimeoutError(type, timeoutMs));
            }, timeoutMs)
          : undefined;
      const entry: Pending = {
        frame,
        type,
        resolve: resolve as (result: unknown) => void,
        reject,
        timer,
        written: false,
      };
      this.pending.set(id, entry);
      if (socket) {
        socket.send(frame);
        entry.written = true;
      }
    });
  }

  /** A frame that expects no answer, written by the next `flush` and then forgotten. */
  queue(id: string, frame: string): void {
    this.pending.set(id, { frame });
  }

  /** Whether a request is still waiting for the answer to `id`. */
  awaits(id: string): boolean {
    return Boolean(this.pending.get(id)?.reject);
  }

  /**
   * Acks nobody waits for are expected: the auth ack (the ready frame is authoritative), watchdog
   * pings, and requests that already timed out.
   */
  ack(id: string, result: unknown): void {
    this.take(id)?.resolve?.(result);
  }

  reject(id: string, error: Error): void {
    this.take(id)?.reject?.(error);
  }

  /** Writes everything queued to a connection that just got `ready`, in order; requests stay until answered. */
  flush(socket: WebSocketLike): void {
    for (const [key, entry] of this.pending) {
      socket.send(entry.frame);
      entry.written = true;
      if (!entry.resolve) this.pending.delete(key);
    }
  }

  rejectAll(error: Error): void {
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.reject?.(error);
    }
    this.pending.clear();
  }

  /** The connection dropped: requests it may have carried out, and must not repeat, fail with ConnectionLostError. */
  rejectUnrepeatable(): void {
    for (const [id, entry] of this.pending) {
      if (entry.written && entry.type && !SAFE_TO_REPEAT.has(entry.type)) {
        this.take(id)?.reject?.(new ConnectionLostError(entry.type));
      }
    }
  }

  /**
   * The hub closed with 1009 because a frame passed its size cap. The largest pending request is
   * at least as large as the culprit, so it is over the cap too: re-sending it would loop forever.
   */
  rejectLargest(): void {
    let largestId: string | undefined;
    let largestSize = -1;
    for (const [id, entry] of this.pending) {
      if (entry.reject && entry.frame.length > largestSize) {
        largestId = id;
        largestSize = entry.frame.length;
      }
    }
    if (largestId !== undefined) this.take(largestId)?.reject?.(new RoundtableError('frame_too_large'));
  }

  private take(id: string): Pending | undefined {
    const entry = this.pending.get(id);
    if (!entry) return undefined;
    this.pending.delete(id);
    clearTimeout(entry.timer);
    return entry;
  }
}
