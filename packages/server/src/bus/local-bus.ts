/** The in-process bus: fan-out for a single hub instance, with the same contract as the Redis bus. */
import type { Bus, BusMessage } from '../core/ports.js';

export class LocalBus implements Bus {
  private readonly handlers: Array<(message: BusMessage) => void> = [];
  private closed = false;

  publish(message: BusMessage): void {
    if (this.closed) return;
    // Delivered synchronously, in publish order: the hub publishes each room's events in seq order.
    for (const handler of this.handlers) handler(message);
  }

  subscribe(handler: (message: BusMessage) => void): void {
    this.handlers.push(handler);
  }

  /** One process loses nothing in transit: there is never a reason to resync. */
  onResync(): void {}

  async close(): Promise<void> {
    this.closed = true;
    this.handlers.length = 0;
  }
}
