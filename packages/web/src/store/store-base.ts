/**
 * What every part of the chat's store shares: the SDK clients, the state and its listeners, and how
 * an action becomes the next state. chat-store.ts builds the chat on it, task-calls.ts the task board.
 */
import { ClientClosedError, RestClient, RoundtableClient } from '@roundtable/client';
import { Limits } from '@roundtable/protocol';
import { loadOutbox, saveOutbox } from '../session.js';
import { initialState, reduce, type Action, type ChatState } from './state.js';

export abstract class StoreBase {
  readonly client: RoundtableClient;
  /** The REST API as this member, for pages that read what no frame carries (the Agents page). */
  readonly rest: RestClient;
  protected state: ChatState;
  protected readonly listeners = new Set<() => void>();
  protected stopped = true;

  constructor(options: { token: string; url: string }) {
    this.client = new RoundtableClient({ url: options.url, token: options.token });
    this.rest = new RestClient({ url: options.url, token: options.token });
    this.state = initialState(loadOutbox());
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  snapshot = (): ChatState => this.state;

  protected apply(action: Action): void {
    let next = reduce(this.state, action);
    if (next === this.state) return;
    if (next.outbox !== this.state.outbox) {
      // A stopped store belongs to a signed-out identity: what it still had must not be saved for the next one.
      if (this.stopped) next = { ...next, outbox: this.state.outbox };
      else saveOutbox(next.outbox);
    }
    this.state = next;
    for (const listener of this.listeners) listener();
  }

  clearError(): void {
    this.apply({ type: 'error', message: undefined });
  }

  protected async guard<T>(work: Promise<T>): Promise<T | undefined> {
    try {
      return await work;
    } catch (error) {
      this.fail(error);
      return undefined;
    }
  }

  protected fail(error: unknown): void {
    if (error instanceof ClientClosedError) return;
    this.apply({ type: 'error', message: error instanceof Error ? error.message : String(error) });
  }

  get limits(): typeof Limits {
    return this.client.session?.server.limits ?? Limits;
  }
}
