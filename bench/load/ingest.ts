/** Ingest: many clients in many rooms, each keeping a window of sends in flight, after an optional steady phase at an offered rate. */
import { open, type Connection, type Protocol } from './connection.js';
import { percentile } from './timing.js';

export interface IngestJob {
  kind: 'ingest';
  protocol: Protocol;
  url: string;
  /** One per client; client i sends to rooms[i % rooms.length]. */
  tokens: string[];
  rooms: string[];
  messagesPerClient: number;
  window: number;
  /** First a steady phase: `rate` sends per second across all clients, each client evenly spaced from a random start. */
  steady?: { rate: number; seconds: number };
  /** Per room (by index), a member every message there mentions: each message then keeps a receipt. */
  mentions?: string[];
}

export interface IngestResult {
  /** The saturated phase: every client keeps `window` sends in flight. */
  seconds: number;
  messages: number;
  messagesPerSecond: number;
  ackP50: number;
  ackP99: number;
  /** The steady phase: acks at an offered load the server can carry, so they measure the commit, not a queue. */
  steady?: {
    offered: number;
    achieved: number;
    /** Acks of the steady phase, and of the first sends before it (see `firstSends`). */
    messages: number;
    firstMessages: number;
    ackP50: number;
    ackP99: number;
    firstAckP99: number;
  };
}

export async function prepareIngest(job: IngestJob): Promise<() => Promise<IngestResult>> {
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
    const steady = job.steady && (await steadyIngest(job.steady, job.rooms, clients, job.mentions));
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
                client.send(room, `${address(job.mentions, index % job.rooms.length)}ingest ${id}`, id, (error) => {
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
      steady,
    };
  };
}

async function steadyIngest(
  load: { rate: number; seconds: number },
  rooms: string[],
  clients: Connection[],
  mentions: string[] | undefined,
): Promise<NonNullable<IngestResult['steady']>> {
  const firstAcks = await firstSends(rooms, clients, mentions);
  const perClient = Math.max(1, Math.round((load.rate * load.seconds) / clients.length));
  const interval = (load.seconds * 1000) / perClient;
  const acks: number[] = [];
  const start = performance.now();
  await Promise.all(
    clients.map(
      (client, index) =>
        new Promise<void>((resolve, reject) => {
          const room = rooms[index % rooms.length]!;
          let sent = 0;
          let acked = 0;
          const sendOne = () => {
            const id = `w${index}-${sent++}`;
            const sentAt = performance.now();
            client.send(room, `${address(mentions, index % rooms.length)}steady ${id}`, id, (error) => {
              if (error) return reject(new Error(`send failed: ${error}`));
              acks.push(performance.now() - sentAt);
              if (++acked === perClient) resolve();
            });
            if (sent < perClient) setTimeout(sendOne, interval);
          };
          setTimeout(sendOne, Math.random() * interval);
        }),
    ),
  );
  return {
    offered: (perClient * clients.length) / load.seconds,
    achieved: acks.length / ((performance.now() - start) / 1000),
    messages: acks.length,
    firstMessages: firstAcks.length,
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
    firstAckP99: percentile(firstAcks, 99),
  };
}

/**
 * Each client's first message, all within one second, before the steady phase: a server just
 * started still fills its caches and compiles its code on these (the first message into each room
 * reads the room, a read waits for the sync under way), so the steady phase would otherwise measure
 * that warm-up, which a server running for a while no longer pays. Their acks are reported apart.
 */
async function firstSends(rooms: string[], clients: Connection[], mentions: string[] | undefined): Promise<number[]> {
  const acks: number[] = [];
  await Promise.all(
    clients.map(
      (client, index) =>
        new Promise<void>((resolve, reject) => {
          setTimeout(() => {
            const sentAt = performance.now();
            client.send(
              rooms[index % rooms.length]!,
              `${address(mentions, index % rooms.length)}first`,
              `f${index}`,
              (error) => {
                if (error) return reject(new Error(`send failed: ${error}`));
                acks.push(performance.now() - sentAt);
                resolve();
              },
            );
          }, Math.random() * 1_000);
        }),
    ),
  );
  return acks;
}

/** The mention a message to the room at `index` starts with, if the job asks for one. */
function address(mentions: string[] | undefined, index: number): string {
  const handle = mentions?.[index];
  return handle === undefined ? '' : `@${handle} `;
}
