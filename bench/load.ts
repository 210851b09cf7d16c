/**
 * Load generator: N receivers in one room and one sender with a window of outstanding sends;
 * measures end-to-end throughput, ack latency and send-to-delivery latency.
 */
import WebSocket from 'ws';

export interface LoadOptions {
  url: string;
  /** Tokens per receiver; the baseline needs none. */
  tokens: string[];
  senderToken?: string;
  /** Where the sender connects, when not to `url` (another hub instance). */
  senderUrl?: string;
  room: string;
  messages: number;
  window: number;
}

export interface LoadResult {
  seconds: number;
  messagesPerSecond: number;
  deliveriesPerSecond: number;
  ackP50: number;
  ackP99: number;
  deliveryP50: number;
  deliveryP99: number;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

async function open(url: string, token: string | undefined): Promise<WebSocket> {
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
  return socket;
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const receivers = await Promise.all(options.tokens.map((token) => open(options.url, token || undefined)));
  const sender = await open(options.senderUrl ?? options.url, options.senderToken);
  const expected = options.messages * receivers.length;
  let delivered = 0;
  const deliveryLatencies: number[] = [];
  let finish!: () => void;
  const allDelivered = new Promise<void>((resolve) => (finish = resolve));
  for (const receiver of receivers) {
    receiver.on('message', (data) => {
      const text = data.toString();
      if (!text.startsWith('{"type":"event"')) return;
      const sentAt = /"content":"t(\d+(?:\.\d+)?)/.exec(text)?.[1];
      if (!sentAt) return;
      deliveryLatencies.push(performance.now() - Number(sentAt));
      if (++delivered === expected) finish();
    });
  }
  const ackLatencies: number[] = [];
  const sentAt = new Map<string, number>();
  let next = 0;
  let inFlight = 0;
  const start = performance.now();
  const pump = () => {
    while (inFlight < options.window && next < options.messages) {
      const id = `b${next++}`;
      const now = performance.now();
      sentAt.set(id, now);
      inFlight++;
      sender.send(JSON.stringify({ type: 'send', id, room: options.room, content: `t${now}`, client_id: id }));
    }
  };
  sender.on('message', (data) => {
    const text = data.toString();
    if (!text.startsWith('{"type":"ack"') && !text.startsWith('{"type":"error"')) return;
    const id = /"id":"(b\d+)"/.exec(text)?.[1];
    if (!id) return;
    if (text.startsWith('{"type":"error"')) throw new Error(`send failed: ${text}`);
    ackLatencies.push(performance.now() - sentAt.get(id)!);
    inFlight--;
    pump();
  });
  pump();
  await allDelivered;
  const seconds = (performance.now() - start) / 1000;
  for (const socket of [...receivers, sender]) socket.terminate();
  return {
    seconds,
    messagesPerSecond: options.messages / seconds,
    deliveriesPerSecond: expected / seconds,
    ackP50: percentile(ackLatencies, 50),
    ackP99: percentile(ackLatencies, 99),
    deliveryP50: percentile(deliveryLatencies, 50),
    deliveryP99: percentile(deliveryLatencies, 99),
  };
}

export interface IngestOptions {
  url: string;
  /** One token per client; client i sends to rooms[i % rooms.length]. */
  tokens: string[];
  rooms: string[];
  messagesPerClient: number;
  window: number;
}

export interface IngestResult {
  seconds: number;
  messagesPerSecond: number;
  ackP50: number;
  ackP99: number;
}

/** Many clients in many rooms, each keeping `window` sends in flight; every ack means a committed message. */
export async function runIngest(options: IngestOptions): Promise<IngestResult> {
  const sockets = await Promise.all(options.tokens.map((token) => open(options.url, token)));
  const acks: number[] = [];
  const start = performance.now();
  await Promise.all(
    sockets.map(
      (socket, index) =>
        new Promise<void>((resolve, reject) => {
          const room = options.rooms[index % options.rooms.length]!;
          const sentAt = new Map<string, number>();
          let next = 0;
          let done = 0;
          const pump = () => {
            while (sentAt.size < options.window && next < options.messagesPerClient) {
              const id = `i${next++}`;
              sentAt.set(id, performance.now());
              socket.send(
                JSON.stringify({ type: 'send', id, room, content: `ingest ${id}`, client_id: `${index}-${id}` }),
              );
            }
          };
          socket.on('message', (data) => {
            const text = data.toString();
            if (!text.startsWith('{"type":"ack"') && !text.startsWith('{"type":"error"')) return;
            const id = /"id":"(i\d+)"/.exec(text)?.[1];
            if (!id || !sentAt.has(id)) return;
            if (text.startsWith('{"type":"error"')) return reject(new Error(`send failed: ${text.slice(0, 200)}`));
            acks.push(performance.now() - sentAt.get(id)!);
            sentAt.delete(id);
            if (++done === options.messagesPerClient) resolve();
            else pump();
          });
          pump();
        }),
    ),
  );
  const seconds = (performance.now() - start) / 1000;
  for (const socket of sockets) socket.terminate();
  return {
    seconds,
    messagesPerSecond: acks.length / seconds,
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
  };
}
