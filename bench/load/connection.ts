/**
 * One client connection, for three wire protocols: Roundtable's (`/ws` with a token), the bare `ws`
 * baseline (the same frames, no auth), and Socket.IO (events with acks), so every load drives them alike.
 */
import { io as socketIo, type Socket } from 'socket.io-client';
import WebSocket from 'ws';

export type Protocol = 'roundtable' | 'ws' | 'socketio';

export interface Connection {
  send(room: string, content: string, id: string, onAck: (error?: string) => void): void;
  onEvent(listener: (content: string) => void): void;
  close(): void;
}

const CONTENT = /"content":"([^"]*)"/;

/** When any connection of this process last heard a frame: see `quiet`. */
let lastFrameAt = performance.now();

/**
 * Resolves once no connection has heard a frame for `ms` (or after `maxMs` at most). Connecting a
 * crowd sets off a storm of presence frames that a hub works through for seconds after the last
 * client is ready; a measured part started then would measure the storm as much as its load.
 */
export async function quiet(ms = 300, maxMs = 60_000): Promise<void> {
  const deadline = performance.now() + maxMs;
  while (performance.now() < deadline) {
    const idle = performance.now() - lastFrameAt;
    if (idle >= ms) return;
    await new Promise((resolve) => setTimeout(resolve, ms - idle));
  }
}

export async function openWs(url: string, token: string | undefined): Promise<Connection> {
  const socket = new WebSocket(
    url.replace(/^http/, 'ws') + '/ws',
    token ? { headers: { authorization: `Bearer ${token}` } } : {},
  );
  await new Promise<void>((resolve, reject) => {
    if (!token) socket.once('open', () => resolve());
    else
      socket.on('message', function onReady(data) {
        if (data.toString().startsWith('{"type":"ready"')) {
          socket.off('message', onReady);
          resolve();
        }
      });
    socket.once('error', reject);
  });
  const acks = new Map<string, (error?: string) => void>();
  const listeners: Array<(content: string) => void> = [];
  socket.on('message', (data) => {
    lastFrameAt = performance.now();
    const text = data.toString();
    if (text.startsWith('{"type":"event"')) {
      const content = CONTENT.exec(text)?.[1];
      if (content !== undefined) for (const listener of listeners) listener(content);
      return;
    }
    const isAck = text.startsWith('{"type":"ack"');
    if (!isAck && !text.startsWith('{"type":"error"')) return;
    const id = /"id":"([^"]+)"/.exec(text)?.[1];
    const ack = id === undefined ? undefined : acks.get(id);
    if (!ack) return;
    acks.delete(id!);
    ack(isAck ? undefined : text.slice(0, 300));
  });
  return {
    send(room, content, id, onAck) {
      acks.set(id, onAck);
      socket.send(JSON.stringify({ type: 'send', id, room, content, client_id: id }));
    },
    onEvent: (listener) => void listeners.push(listener),
    close: () => socket.terminate(),
  };
}

async function openSocketIo(url: string, rooms: string[]): Promise<Connection> {
  const socket: Socket = socketIo(url, { transports: ['websocket'], reconnection: false, forceNew: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });
  socket.onAny(() => (lastFrameAt = performance.now()));
  for (const room of rooms) await new Promise<void>((resolve) => socket.emit('join', room, () => resolve()));
  return {
    send(room, content, _id, onAck) {
      socket.emit('send', { room, content }, () => onAck());
    },
    onEvent: (listener) =>
      void socket.on('event', (event: { data: { content: string } }) => listener(event.data.content)),
    close: () => socket.disconnect(),
  };
}

export function open(protocol: Protocol, url: string, token: string | undefined, rooms: string[]): Promise<Connection> {
  return protocol === 'socketio' ? openSocketIo(url, rooms) : openWs(url, token);
}
