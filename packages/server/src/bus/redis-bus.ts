/**
 * The Redis bus: fan-out between hub instances over Redis pub/sub. Messages reach this instance's
 * subscribers at once (no round trip) and other instances through one channel. Pub/sub may drop
 * messages while a connection is down, so every reconnect asks the hub to resync from the store.
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { REDIS_CONNECTION } from './redis-connection.js';
import type { Bus, BusMessage, StoredEvent } from '../core/ports.js';

export interface RedisBusOptions {
  /** `redis://host:port`. */
  url: string;
  /** Prefix of the channel, so several hubs can share one Redis. Default `roundtable`. */
  prefix?: string;
  onError?: (error: unknown) => void;
}

/** How soon a lost publish is announced again when the publisher seems connected. */
const LOST_RETRY_MS = 500;

/**
 * On the wire an event travels once, as its frame; the receiver rebuilds the event from it. `resync`
 * is the bus's own: an instance whose events were lost asks the others to read the logs again.
 */
type WireMessage = { origin: string } & (
  | Exclude<BusMessage, { kind: 'event' }>
  | (Omit<Extract<BusMessage, { kind: 'event' }>, 'event'> & { event?: never })
  | { kind: 'resync' }
);

export class RedisBus implements Bus {
  private readonly origin = randomBytes(8).toString('hex');
  private readonly channel: string;
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly handlers: Array<(message: BusMessage) => void> = [];
  private readonly resyncHandlers: Array<() => void> = [];
  /**
   * An event this instance failed to publish. Other instances learn of a gap from a room's next
   * event; when none comes (the room went quiet while Redis was away), they are asked to read the
   * logs again once the publisher is back.
   */
  private lost = false;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  private constructor(options: RedisBusOptions) {
    this.channel = `${options.prefix ?? 'roundtable'}:bus`;
    // Never queued for later: a fan-out message that cannot go now is recovered from the store.
    this.publisher = new Redis(options.url, REDIS_CONNECTION);
    // Resubscribing is done here, not by ioredis: its own resubscribe leaves the SUBSCRIBE's promise
    // unhandled, so a connection lost again before Redis answered would end the process.
    this.subscriber = new Redis(options.url, { ...REDIS_CONNECTION, enableOfflineQueue: true, autoResubscribe: false });
    const onError = (error: unknown) => options.onError?.(error);
    this.publisher.on('error', onError);
    this.publisher.on('ready', () => this.announceLost());
    this.subscriber.on('error', onError);
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel === this.channel) this.receive(text);
    });
    let connectedOnce = false;
    this.subscriber.on('ready', () => {
      if (!connectedOnce) {
        connectedOnce = true;
        return;
      }
      // Subscribed first, then resynced: an event published between the two is read from the log, not lost.
      this.subscriber
        .subscribe(this.channel)
        .then(() => {
          for (const handler of this.resyncHandlers) handler();
        })
        .catch(onError);
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
      // Lost in transit: signals are of the moment, events are in the store for the others to read.
      if (message.kind === 'event') this.noteLost();
    });
  }

  private noteLost(): void {
    if (this.closed) return;
    this.lost = true;
    // The publisher may have come back while this publish was failing: then no `ready` is left to wait for.
    if (this.publisher.status === 'ready' && !this.retry) {
      this.retry = setTimeout(() => this.announceLost(), LOST_RETRY_MS);
      this.retry.unref();
    }
  }

  private announceLost(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    if (!this.lost || this.closed) return;
    this.lost = false;
    const resync: WireMessage = { origin: this.origin, kind: 'resync' };
    this.publisher.publish(this.channel, JSON.stringify(resync)).catch(() => this.noteLost());
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
    if (message.kind === 'resync') {
      for (const handler of this.resyncHandlers) handler();
    } else if (message.kind === 'event') {
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
