/** The WebSocket the client runs on: the platform's own, `ws` on Node versions without one, or an injected one. */

/**
 * A handler slot typed through a method, whose parameter is bivariant, so that both the DOM's
 * and ws's richer event types fit; the client reads only the fields named here.
 */
type Slot<E> = { bivarianceHack(event: E): void }['bivarianceHack'] | null;

/** The part of the WHATWG WebSocket the client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: Slot<unknown>;
  onmessage: Slot<{ data: unknown }>;
  onclose: Slot<{ code: number; reason: string }>;
  onerror: Slot<unknown>;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  /** ws only: drops the connection at once instead of waiting for a closing handshake a dead peer never answers. */
  terminate?(): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export const SocketState = { Connecting: 0, Open: 1, Closing: 2, Closed: 3 } as const;

let wsModule: Promise<WebSocketConstructor> | undefined;

/** `ws` is imported only when needed, so a browser bundle never has to resolve it. */
export function loadWebSocket(): Promise<WebSocketConstructor> {
  if (typeof globalThis.WebSocket === 'function') return Promise.resolve(globalThis.WebSocket);
  wsModule ??= import('ws').then((module) => module.default);
  return wsModule;
}

/** The hub's WebSocket endpoint for its base URL; relative URLs resolve against the page in a browser. */
export function webSocketUrl(base: string): string {
  const page = (globalThis as { location?: { href: string } }).location?.href;
  const url = new URL(base, page);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  else if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new TypeError(`The hub URL must be http(s) or ws(s), not ${url.protocol}`);
  }
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/ws`;
  return url.toString();
}
