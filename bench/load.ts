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
  const sender = await open(options.url, options.senderToken);
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
