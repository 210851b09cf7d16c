/**
 * The load generators, for three wire protocols: Roundtable's (`/ws` with a token), the bare `ws`
 * baseline (the same frames, no auth), and Socket.IO (events with acks). Fan-out: N receivers in
 * one room and one sender keeping a window of sends in flight. Ingest: many clients in many rooms,
 * each with a window. Connections are opened first (`prepare`); `run` is the measured part.
 */
import { io as socketIo, type Socket } from 'socket.io-client';
import WebSocket from 'ws';

export type Protocol = 'roundtable' | 'ws' | 'socketio';

interface Connection {
  send(room: string, content: string, id: string, onAck: (error?: string) => void): void;
  onEvent(listener: (content: string) => void): void;
  close(): void;
}

const CONTENT = /"content":"([^"]*)"/;

async function openWs(url: string, token: string | undefined): Promise<Connection> {
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

function open(protocol: Protocol, url: string, token: string | undefined, rooms: string[]): Promise<Connection> {
  return protocol === 'socketio' ? openSocketIo(url, rooms) : openWs(url, token);
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

export interface FanOutJob {
  kind: 'fanout';
  protocol: Protocol;
  url: string;
  /** One per receiver; empty strings for the baselines. */
  tokens: string[];
  senderToken?: string;
  /** Where the sender connects, when not to `url` (another hub instance). */
  senderUrl?: string;
  room: string;
  messages: number;
  window: number;
  /** Sends per second instead of a window: for latency at a fixed rate. */
  rate?: number;
}

export interface FanOutResult {
  seconds: number;
  messagesPerSecond: number;
  deliveries: number;
  deliveriesPerSecond: number;
  ackP50: number;
  ackP99: number;
  deliveryP50: number;
  deliveryP99: number;
}

export interface IngestJob {
  kind: 'ingest';
  protocol: Protocol;
  url: string;
  /** One per client; client i sends to rooms[i % rooms.length]. */
  tokens: string[];
  rooms: string[];
  messagesPerClient: number;
  window: number;
}

export interface IngestResult {
  seconds: number;
  messages: number;
  messagesPerSecond: number;
  ackP50: number;
  ackP99: number;
}

export type Job = FanOutJob | IngestJob;

/** Opens every connection; the returned function runs the measured part. */
export async function prepare(job: Job): Promise<() => Promise<FanOutResult | IngestResult>> {
  return job.kind === 'fanout' ? prepareFanOut(job) : prepareIngest(job);
}

async function prepareFanOut(job: FanOutJob): Promise<() => Promise<FanOutResult>> {
  const receivers: Connection[] = [];
  // A few at a time: a thousand handshakes at once only measure the accept queue.
  for (let i = 0; i < job.tokens.length; i += 50) {
    const batch = job.tokens.slice(i, i + 50);
    receivers.push(
      ...(await Promise.all(batch.map((token) => open(job.protocol, job.url, token || undefined, [job.room])))),
    );
  }
  const sender = await open(job.protocol, job.senderUrl ?? job.url, job.senderToken, [job.room]);
  return async () => {
    const expected = job.messages * receivers.length;
    let delivered = 0;
    const deliveryLatencies: number[] = [];
    let finish!: () => void;
    let fail!: (error: Error) => void;
    const done = new Promise<void>((resolve, reject) => {
      finish = resolve;
      fail = reject;
    });
    for (const receiver of receivers) {
      receiver.onEvent((content) => {
        if (!content.startsWith('t')) return;
        deliveryLatencies.push(performance.now() - Number(content.slice(1)));
        if (++delivered === expected) finish();
      });
    }
    const ackLatencies: number[] = [];
    let next = 0;
    let inFlight = 0;
    const start = performance.now();
    const sendOne = () => {
      const id = `b${next++}`;
      const now = performance.now();
      inFlight++;
      sender.send(job.room, `t${now}`, id, (error) => {
        if (error) return fail(new Error(`send failed: ${error}`));
        ackLatencies.push(performance.now() - now);
        inFlight--;
        if (job.rate === undefined) pump();
      });
    };
    const pump = () => {
      while (inFlight < job.window && next < job.messages) sendOne();
    };
    if (job.rate === undefined) pump();
    else {
      const interval = 1000 / job.rate;
      const timer = setInterval(() => {
        const due = Math.min(job.messages, Math.floor((performance.now() - start) / interval) + 1);
        while (next < due) sendOne();
        if (next >= job.messages) clearInterval(timer);
      }, 1);
    }
    await done;
    const seconds = (performance.now() - start) / 1000;
    for (const connection of [...receivers, sender]) connection.close();
    return {
      seconds,
      messagesPerSecond: job.messages / seconds,
      deliveries: expected,
      deliveriesPerSecond: expected / seconds,
      ackP50: percentile(ackLatencies, 50),
      ackP99: percentile(ackLatencies, 99),
      deliveryP50: percentile(deliveryLatencies, 50),
      deliveryP99: percentile(deliveryLatencies, 99),
    };
  };
}

async function prepareIngest(job: IngestJob): Promise<() => Promise<IngestResult>> {
  const clients: Connection[] = [];
  for (let i = 0; i < job.tokens.length; i += 50) {
    const batch = job.tokens.slice(i, i + 50);
    clients.push(
      ...(await Promise.all(
        batch.map((token, j) =>
          open(job.protocol, job.url, token || undefined, [job.rooms[(i + j) % job.rooms.length]!]),
        ),
      )),
    );
  }
  return async () => {
    const acks: number[] = [];
    const start = performance.now();
    await Promise.all(
      clients.map(
        (client, index) =>
          new Promise<void>((resolve, reject) => {
            const room = job.rooms[index % job.rooms.length]!;
            let next = 0;
            let inFlight = 0;
            let done = 0;
            const pump = () => {
              while (inFlight < job.window && next < job.messagesPerClient) {
                const id = `i${index}-${next++}`;
                const sentAt = performance.now();
                inFlight++;
                client.send(room, `ingest ${id}`, id, (error) => {
                  if (error) return reject(new Error(`send failed: ${error}`));
                  acks.push(performance.now() - sentAt);
                  inFlight--;
                  if (++done === job.messagesPerClient) resolve();
                  else pump();
                });
              }
            };
            pump();
          }),
      ),
    );
    const seconds = (performance.now() - start) / 1000;
    for (const client of clients) client.close();
    return {
      seconds,
      messages: acks.length,
      messagesPerSecond: acks.length / seconds,
      ackP50: percentile(acks, 50),
      ackP99: percentile(acks, 99),
    };
  };
}
