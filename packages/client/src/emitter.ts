/** A tiny typed event emitter whose listeners can never break the code that emits. */

export type Listener<T> = (payload: T) => unknown;

/** Receives what a listener threw, or what its returned promise rejected with. */
export type ListenerErrorHandler = (error: unknown, event: string) => void;

const reportToConsole: ListenerErrorHandler = (error, event) => {
  console.error(`roundtable: a listener for "${event}" failed`, error);
};

export class Emitter<Events extends object> {
  /**
   * Copy-on-write arrays: `emit` iterates the array it started with, so a listener that
   * subscribes or unsubscribes during an emit affects only later emits, and emit allocates nothing.
   */
  private readonly listeners: { [K in keyof Events]?: readonly Listener<Events[K]>[] } = {};
  private readonly onListenerError: ListenerErrorHandler;

  constructor(onListenerError: ListenerErrorHandler = reportToConsole) {
    this.onListenerError = onListenerError;
  }

  /** Returns a function that removes this subscription. */
  on<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): () => void {
    this.listeners[event] = [...(this.listeners[event] ?? []), listener];
    return () => this.off(event, listener);
  }

  off<K extends keyof Events & string>(event: K, listener: Listener<Events[K]>): void {
    const list = this.listeners[event];
    const index = list ? list.indexOf(listener) : -1;
    if (!list || index < 0) return;
    this.listeners[event] = list.length === 1 ? undefined : list.filter((_, i) => i !== index);
  }

  emit<K extends keyof Events & string>(event: K, payload: Events[K]): void {
    const list = this.listeners[event];
    if (!list) return;
    for (const listener of list) {
      try {
        const result = listener(payload);
        // Async listeners are the norm for agents; their rejections would otherwise be unhandled.
        if (result instanceof Promise) result.catch((error: unknown) => this.report(error, event));
      } catch (error) {
        this.report(error, event);
      }
    }
  }

  private report(error: unknown, event: string): void {
    try {
      this.onListenerError(error, event);
    } catch (secondary) {
      reportToConsole(secondary, event);
    }
  }
}
