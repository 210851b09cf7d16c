/**
 * The Redis bus: fan-out between hub instances over Redis pub/sub. Messages reach this instance's
 * subscribers at once (no round trip) and other instances through one channel. Pub/sub may drop
 * messages while a connection is down, so every reconnect asks the hub to resync from the store.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import type { Bus, BusMessage, StoredEvent } from '../core/ports.js';

export interface RedisBusOptions {
  /** `redis://host:port`. */
  url: string;
  /** Prefix of the channel, so several hubs can share one Redis. Default `roundtable`. */
  prefix?: string;
  onError?: (error: unknown) => void;
}

/** How soon an unsent event is tried again when the publisher seems connected. */
const UNSENT_RETRY_MS = 500;

/** On the wire an event travels once, as its frame; the receiver rebuilds the event from it. */
type WireMessage = { origin: string } & (
  Exclude<BusMessage, { kind: 'event' }> | (Omit<Extract<BusMessage, { kind: 'event' }>, 'event'> & { event?: never })
);

export class RedisBus implements Bus {
  private readonly origin = randomBytes(8).toString('hex');
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers: Array<(message: BusMessage) => void> = [];
  private readonly resyncHandlers: Array<() => void> = [];
  /**
   * Per room, the newest event this instance failed to publish. Other instances learn of a gap from
   * the next event of the room; when none comes, this one is sent again once the publisher is back,
   * so a room that went quiet while Redis was away does not stay behind on the others.
   */
  private readonly unsent = new Map<string, { seq: number; text: string }>();
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(options: RedisBusOptions) {
    this.channel = `${options.prefix ?? 'roundtable'}:bus`;
    const connection = {
      lazyConnect: true,
      // Never queue for later: a fan-out message that cannot go now is recovered from the store.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (times: number) => Math.min(times * 100, 2_000),
    };
    this.publisher = new Redis(options.url, connection);
    this.subscriber = new Redis(options.url, { ...connection, enableOfflineQueue: true });
    const onError = (error: unknown) => options.onError?.(error);
    this.publisher.on('error', onError);
    this.publisher.on('ready', () => this.publishUnsent());
    this.subscriber.on('error', onError);
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    let connectedOnce = false;
    this.subscriber.on('ready', () => {
      if (connectedOnce) for (const handler of this.resyncHandlers) handler();
      connectedOnce = true;
    });
  }

  static async open(options: RedisBusOptions): Promise<RedisBus> {
    const bus = new RedisBus(options);
    await Promise.all([bus.publisher.connect(), bus.subscriber.connect()]);
    await bus.subscriber.subscribe(bus.channel);
    return bus;
  }

  publish(message: BusMessage): void {
    if (this.closed) return;
    this.deliver(message);
    const wire: Record<string, unknown> = { ...message, origin: this.origin };
    delete wire.event;
    const text = JSON.stringify(wire);
    this.publisher.publish(this.channel, text).catch(() => {
      // Lost in transit: other instances fill the gap from the store when the next event comes, or this one again.
      if (message.kind === 'event') this.keepUnsent(message.room, message.seq, text);
    });
  }

  private keepUnsent(room: string, seq: number, text: string): void {
    if (this.closed || (this.unsent.get(room)?.seq ?? -1) >= seq) return;
    this.unsent.set(room, { seq, text });
    // The publisher may have come back while this publish was failing: then no `ready` is left to wait for.
    if (this.publisher.status === 'ready' && !this.retry) {
      this.retry = setTimeout(() => this.publishUnsent(), UNSENT_RETRY_MS);
      this.retry.unref();
    }
  }

  private publishUnsent(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    for (const [room, { seq, text }] of this.unsent) {
      this.unsent.delete(room);
      this.publisher.publish(this.channel, text).catch(() => this.keepUnsent(room, seq, text));
    }
  }

  subscribe(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  onResync(handler: () => void): void {
    this.resyncHandlers.push(handler);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retry);
    this.handlers.length = 0;
    this.publisher.disconnect();
    this.subscriber.disconnect();
  }

  private receive(text: string): void {
    if (this.closed) return;
    let wire: WireMessage;
    try {
      wire = JSON.parse(text) as WireMessage;
    } catch {
      return;
    }
    if (wire.origin === this.origin) return;
    const { origin: _origin, ...message } = wire;
    if (message.kind === 'event') {
      const { type: _type, ...event } = JSON.parse(message.frame) as StoredEvent & { type: string };
      this.deliver({ ...message, event: { ...event, agents: message.agents, quiet: message.quiet } } as BusMessage);
    } else {
      this.deliver(message as BusMessage);
    }
  }

  private deliver(message: BusMessage): void {
    for (const handler of this.handlers) handler(message);
  }
}
