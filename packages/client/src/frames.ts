/**
 * Reading what the hub sends: each WebSocket message becomes one typed frame, and what cannot be read
 * is skipped with a warning.
 */
import type { AckFrame, ErrorFrame, EventFrame, ReadyFrame, ServerFrame, SyncedFrame } from '@roundtable/protocol';
import type { Emitter } from './emitter.js';
import type { ClientEvents } from './events.js';
import type { Logger } from './options.js';

/** The frames the client acts on itself; the others go to listeners as they are. */
export interface FrameHandlers {
  event(frame: EventFrame): void;
  ack(frame: AckFrame): void;
  error(frame: ErrorFrame): void;
  ready(frame: ReadyFrame): void;
  synced(frame: SyncedFrame): void;
}

export class FrameReader {
  private readonly handlers: FrameHandlers;
  private readonly emitter: Emitter<ClientEvents>;
  private readonly logger: Logger;

  constructor(handlers: FrameHandlers, emitter: Emitter<ClientEvents>, logger: Logger) {
    this.handlers = handlers;
    this.emitter = emitter;
    this.logger = logger;
  }

  read(data: unknown): void {
    if (typeof data !== 'string') {
      this.logger.warn('roundtable: ignored a binary frame');
      return;
    }
    let frame: ServerFrame;
    try {
      frame = JSON.parse(data) as ServerFrame;
    } catch (error) {
      this.logger.warn('roundtable: ignored a frame that is not JSON', error);
      return;
    }
    if (typeof frame !== 'object' || frame === null) {
      this.logger.warn('roundtable: ignored a frame that is not an object');
      return;
    }
    // A malformed frame (a damaged stored row, a newer hub) is skipped, never thrown into the socket's handler.
    try {
      this.dispatch(frame);
    } catch (error) {
      this.logger.warn(`roundtable: ignored a ${String(frame.type)} frame it could not read`, error);
    }
  }

  private dispatch(frame: ServerFrame): void {
    switch (frame.type) {
      case 'event':
        this.handlers.event(frame);
        return;
      case 'ack':
        this.handlers.ack(frame);
        return;
      case 'error':
        this.handlers.error(frame);
        return;
      case 'ready':
        this.handlers.ready(frame);
        return;
      case 'synced':
        this.handlers.synced(frame);
        return;
      case 'stream.delta':
        this.emitter.emit('delta', frame);
        return;
      case 'stream.part':
        this.emitter.emit('part', frame);
        return;
      case 'typing':
        this.emitter.emit('typing', frame);
        return;
      case 'activity':
        this.emitter.emit('activity', frame);
        return;
      case 'presence':
        this.emitter.emit('presence', frame);
        return;
      case 'read':
        this.emitter.emit('read', frame);
        return;
      case 'task.assigned':
        this.emitter.emit('task.assigned', frame);
        return;
      case 'task.lease':
        this.emitter.emit('task.lease', frame);
        return;
      case 'receipt':
        this.emitter.emit('receipt', frame);
        return;
      case 'notice':
        this.emitter.emit('notice', frame);
        return;
      default:
        // A newer hub may push frames this SDK does not know; they are safe to skip.
        this.logger.warn(
          `roundtable: ignored an unknown frame type ${JSON.stringify((frame as { type: unknown }).type)}`,
        );
    }
  }
}
