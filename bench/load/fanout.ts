/** Fan-out: N receivers in one room and one sender keeping a window of sends in flight, or sending at a fixed rate. */
import { open, type Connection, type Protocol } from './connection.js';
import { percentile } from './timing.js';

export interface FanOutJob {
  kind: 'fanout';
  protocol: Protocol;
  url: string;
  /** One per receiver; empty strings for the baselines. */
  tokens: string[];
  senderToken?: string;
  /** Where the sender connects, when not to `url` (another hub instance). */
  senderUrl?: string;
  /** Where the receivers connect, in turn (receiver i to `receiverUrls[i % length]`), when spread over several hub instances; default `url`. */
  receiverUrls?: string[];
  room: string;
  messages: number;
  window: number;
  /** Sends per second instead of a window: for latency at a fixed rate. */
  rate?: number;
  /** Put before each message's text: `@member0 ` makes every message address that member (receipts). */
  prefix?: string;
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

export async function prepareFanOut(job: FanOutJob): Promise<() => Promise<FanOutResult>> {
  const receivers: Connection[] = [];
  const urls = job.receiverUrls ?? [job.url];
  // A few at a time: a thousand handshakes at once only measure the accept queue.
  for (let i = 0; i < job.tokens.length; i += 50) {
    const batch = job.tokens.slice(i, i + 50);
    receivers.push(
      ...(await Promise.all(
        batch.map((token, j) => open(job.protocol, urls[(i + j) % urls.length]!, token || undefined, [job.room])),
      )),
    );
  }
  const sender = await open(job.protocol, job.senderUrl ?? job.url, job.senderToken, [job.room]);
  return async () => {
    const expected = job.messages * receivers.length;
    const marker = `${job.prefix ?? ''}t`;
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
        if (!content.startsWith(marker)) return;
        deliveryLatencies.push(performance.now() - Number(content.slice(marker.length)));
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
      sender.send(job.room, `${marker}${now}`, id, (error) => {
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
    // The connections stay open: closing them is no part of fan-out, and the harness reads the
    // servers' counters before it stops this process.
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
