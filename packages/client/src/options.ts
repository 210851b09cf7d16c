/** How a RoundtableClient is set up, and the options its methods take. */
import type { Cursors, RequestParams } from '@roundtable/protocol';
import type { ListenerErrorHandler } from './emitter.js';
import type { WebSocketConstructor } from './socket.js';

export interface Logger {
  warn(message: string, extra?: unknown): void;
}

export interface ClientOptions {
  /** The hub's base URL, `http(s)://host:port` (`ws(s)://` also works); the client connects to `<url>/ws`. */
  url: string;
  /** Sent in the auth frame. */
  token?: string;
  /** Cursors saved by an earlier run (see `cursors()`): the first connect resumes those rooms from there. */
  cursors?: Cursors;
  /** WebSocket implementation. Default: the global one, else `ws`, imported on first connect. */
  WebSocket?: WebSocketConstructor;
  /** Ceiling of the first reconnect delay, in ms; it doubles per failed attempt. Default 250. */
  reconnectBaseMs?: number;
  /** Largest reconnect delay ceiling, in ms. Default 10,000. */
  reconnectMaxMs?: number;
  /** How long a request may wait for its answer, time queued while disconnected included, in ms. Default 30,000; 0 disables. */
  requestTimeoutMs?: number;
  /** How long an attempt may take from opening the socket to `ready` before it is abandoned and retried, in ms. Default 15,000; 0 disables. */
  connectTimeoutMs?: number;
  /** Where reconnects and unreadable frames are reported. Default: console. */
  logger?: Logger;
  /** Receives what event listeners throw or reject with. Default: console.error. */
  onListenerError?: ListenerErrorHandler;
}

export interface RequestOptions {
  /** Overrides `requestTimeoutMs` for this request, in ms; 0 disables. */
  timeoutMs?: number;
}

export type SendOptions = Omit<RequestParams<'send'>, 'room' | 'content'>;
export type StreamOptions = Omit<RequestParams<'stream.start'>, 'room'>;
export type HistoryOptions = Omit<RequestParams<'history'>, 'room'>;

export const consoleLogger: Logger = {
  warn: (message, extra) => (extra === undefined ? console.warn(message) : console.warn(message, extra)),
};
