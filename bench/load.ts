/**
 * The load generators, for three wire protocols: Roundtable's (`/ws` with a token), the bare `ws`
 * baseline (the same frames, no auth), and Socket.IO (events with acks). Fan-out: N receivers in
 * one room and one sender keeping a window of sends in flight. Ingest: many clients in many rooms,
 * each with a window. Connections are opened first (`prepare`); `run` is the measured part.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { io as socketIo, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import { SqliteStore } from '@roundtable/server';

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
  /** First a steady phase: `rate` sends per second across all clients, each client evenly spaced from a random start. */
  steady?: { rate: number; seconds: number };
}

export interface IngestResult {
  /** The saturated phase: every client keeps `window` sends in flight. */
  seconds: number;
  messages: number;
  messagesPerSecond: number;
  ackP50: number;
  ackP99: number;
  /** The steady phase: acks at an offered load the server can carry, so they measure the commit, not a queue. */
  steady?: { offered: number; achieved: number; ackP50: number; ackP99: number };
}

/** Connections that only stay open: what each costs the server in memory. */
export interface IdleJob {
  kind: 'idle';
  protocol: Protocol;
  url: string;
  /** Every connection authenticates with this token (the baselines need none). */
  token?: string;
  connections: number;
}

export interface IdleResult {
  connections: number;
}

/** Clients all dropped at once while messages keep coming, then all resuming from their cursors. */
export interface StormJob {
  kind: 'storm';
  url: string;
  token: string;
  senderToken: string;
  clients: number;
  messages: number;
}

export interface StormResult {
  clients: number;
  messages: number;
  /** Messages sent while the clients were away that some client never received after resuming. */
  lost: number;
  /** Messages a client received twice. */
  duplicated: number;
  /** From the first reconnect to the last client having every message, in ms. */
  catchUpMs: number;
}

/** History pages read one after another at random points of a long room. */
export interface HistoryJob {
  kind: 'history';
  url: string;
  token: string;
  room: string;
  /** The room's newest seq: pages are read before random seqs up to it. */
  lastSeq: number;
  pages: number;
  /** The hub's SQLite file: the same pages are also read straight from the store, in this process, while the hub idles. */
  databasePath: string;
}

export interface HistoryResult {
  pages: number;
  /** Over a WebSocket round trip: request, hub, store, frame back. */
  p50: number;
  p99: number;
  /** The store's query alone (messages and their reactions), the part a bigger room could slow down. */
  storeP50: number;
  storeP99: number;
}

/**
 * An agent over MCP against one over the WebSocket protocol, in the same hub and the same rounds:
 * how soon a mention wakes each, and how long a send takes to be acknowledged.
 */
export interface McpJob {
  kind: 'mcp';
  url: string;
  /** The person who mentions both agents. */
  personToken: string;
  /** The agent that waits with `wait_for_messages` in an MCP session. */
  mcpToken: string;
  mcpHandle: string;
  /** The agent on a WebSocket: the baseline. */
  wsToken: string;
  wsHandle: string;
  rounds: number;
}

export interface McpResult {
  rounds: number;
  /** From the person's send to each agent having the message. */
  wakeMcpP50: number;
  wakeMcpP99: number;
  wakeWsP50: number;
  wakeWsP99: number;
  /** An agent's send, to its answer: `send_message` over MCP, a `send` frame's ack over WebSocket. */
  sendMcpP50: number;
  sendMcpP99: number;
  sendWsP50: number;
  sendWsP99: number;
}

export type Job = FanOutJob | IngestJob | IdleJob | StormJob | HistoryJob | McpJob;
export type JobResult = FanOutResult | IngestResult | IdleResult | StormResult | HistoryResult | McpResult;

/** Opens every connection; the returned function runs the measured part. */
export async function prepare(job: Job): Promise<() => Promise<JobResult>> {
  if (job.kind === 'fanout') return prepareFanOut(job);
  if (job.kind === 'ingest') return prepareIngest(job);
  if (job.kind === 'idle') return prepareIdle(job);
  if (job.kind === 'history') return prepareHistory(job);
  if (job.kind === 'mcp') return prepareMcp(job);
  return prepareStorm(job);
}

const HISTORY_WARMUP_PAGES = 100;
const MCP_WARMUP_ROUNDS = 20;

async function prepareMcp(job: McpJob): Promise<() => Promise<McpResult>> {
  const person = await openWs(job.url, job.personToken);
  const wsAgent = await openWs(job.url, job.wsToken);
  const mcp = new Client({ name: 'bench-agent', version: '1.0.0' });
  await mcp.connect(
    new StreamableHTTPClientTransport(new URL(`${job.url}/mcp`), {
      requestInit: { headers: { authorization: `Bearer ${job.mcpToken}` } },
    }),
  );
  const arrivals = new Map<string, (at: number) => void>();
  wsAgent.onEvent((content) => arrivals.get(content)?.(performance.now()));
  const acked = (connection: Connection, content: string) =>
    new Promise<void>((resolve, reject) =>
      connection.send('general', content, `c${Math.random()}`, (error) =>
        error ? reject(new Error(error)) : resolve(),
      ),
    );

  /** One round: both agents waiting, the person mentions them, each one's wake time. */
  const round = async (i: number) => {
    const content = `@${job.mcpHandle} @${job.wsHandle} ping ${i}`;
    const wsArrived = new Promise<number>((resolve) => arrivals.set(content, resolve));
    const mcpArrived = mcp
      .callTool({ name: 'wait_for_messages', arguments: { timeout_s: 30 } })
      .then(() => performance.now());
    // The wait is parked in the hub before the mention is sent.
    await new Promise((resolve) => setTimeout(resolve, 5));
    const sent = performance.now();
    await acked(person, content);
    const [ws, viaMcp] = await Promise.all([wsArrived, mcpArrived]);
    arrivals.delete(content);
    return { ws: ws - sent, mcp: viaMcp - sent };
  };
  const sends = async (i: number) => {
    let started = performance.now();
    await mcp.callTool({ name: 'send_message', arguments: { room: 'general', content: `mcp update ${i}` } });
    const viaMcp = performance.now() - started;
    started = performance.now();
    await acked(wsAgent, `ws update ${i}`);
    return { mcp: viaMcp, ws: performance.now() - started };
  };
  return async () => {
    for (let i = 0; i < MCP_WARMUP_ROUNDS; i++) {
      await round(-i - 1);
      await sends(-i - 1);
    }
    settleHeap();
    const wake = { mcp: [] as number[], ws: [] as number[] };
    const send = { mcp: [] as number[], ws: [] as number[] };
    for (let i = 0; i < job.rounds; i++) {
      const woken = await round(i);
      wake.mcp.push(woken.mcp);
      wake.ws.push(woken.ws);
      const sent = await sends(i);
      send.mcp.push(sent.mcp);
      send.ws.push(sent.ws);
    }
    await mcp.close();
    person.close();
    wsAgent.close();
    return {
      rounds: job.rounds,
      wakeMcpP50: percentile(wake.mcp, 50),
      wakeMcpP99: percentile(wake.mcp, 99),
      wakeWsP50: percentile(wake.ws, 50),
      wakeWsP99: percentile(wake.ws, 99),
      sendMcpP50: percentile(send.mcp, 50),
      sendMcpP99: percentile(send.mcp, 99),
      sendWsP50: percentile(send.ws, 50),
      sendWsP99: percentile(send.ws, 99),
    };
  };
}

async function prepareHistory(job: HistoryJob): Promise<() => Promise<HistoryResult>> {
  const socket = new WebSocket(job.url.replace(/^http/, 'ws') + '/ws', {
    headers: { authorization: `Bearer ${job.token}` },
  });
  await new Promise<void>((resolve, reject) => {
    socket.on('message', function onReady(data) {
      if (data.toString().startsWith('{"type":"ready"')) {
        socket.off('message', onReady);
        resolve();
      }
    });
    socket.once('error', reject);
  });
  const page = (before: number) =>
    new Promise<number>((resolve, reject) => {
      const id = `h${before}`;
      const started = performance.now();
      socket.on('message', function onAnswer(data) {
        const text = data.toString();
        if (!text.includes(`"id":"${id}"`)) return;
        socket.off('message', onAnswer);
        if (text.startsWith('{"type":"error"')) reject(new Error(text.slice(0, 300)));
        else resolve(performance.now() - started);
      });
      socket.send(JSON.stringify({ type: 'history', id, room: job.room, before, limit: 50 }));
    });
  return async () => {
    const randomPage = () => page(51 + Math.floor(Math.random() * (job.lastSeq - 50)));
    // Unmeasured first pages, so the figures are of the hub's steady state, not of its JIT warming up.
    for (let i = 0; i < HISTORY_WARMUP_PAGES; i++) await randomPage();
    settleHeap();
    const latencies: number[] = [];
    for (let i = 0; i < job.pages; i++) latencies.push(await randomPage());
    socket.terminate();
    const store = await storeLatencies(job);
    return {
      pages: latencies.length,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      storeP50: percentile(store, 50),
      storeP99: percentile(store, 99),
    };
  };
}

/**
 * A full collection now, so no concurrent marking is under way while latencies are taken: pinned to
 * one core, V8's background GC threads take that core in slices of about 4 ms from the main thread.
 */
function settleHeap(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

async function storeLatencies(job: HistoryJob): Promise<number[]> {
  const store = new SqliteStore({ path: job.databasePath });
  try {
    const room = (await store.roomByName(job.room))!.id;
    const randomPage = () =>
      store.history(room, { before: 51 + Math.floor(Math.random() * (job.lastSeq - 50)), limit: 50 });
    for (let i = 0; i < HISTORY_WARMUP_PAGES; i++) await randomPage();
    settleHeap();
    const latencies: number[] = [];
    for (let i = 0; i < job.pages; i++) {
      const started = performance.now();
      await randomPage();
      latencies.push(performance.now() - started);
    }
    return latencies;
  } finally {
    await store.close();
  }
}

async function prepareIdle(job: IdleJob): Promise<() => Promise<IdleResult>> {
  const connections: Connection[] = [];
  for (let i = 0; i < job.connections; i += 100) {
    const batch = Math.min(100, job.connections - i);
    connections.push(
      ...(await Promise.all(Array.from({ length: batch }, () => open(job.protocol, job.url, job.token, ['general'])))),
    );
  }
  return async () => {
    // Long enough for the server to settle after the last handshakes; it is measured while all are open.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    return { connections: connections.length };
  };
}

interface StormClient {
  socket: WebSocket | undefined;
  cursor: number;
  seen: Map<number, number>;
}

/** A raw Roundtable socket that counts every `message.created` of `room` it receives, by seq. */
function stormSocket(url: string, token: string, room: string, client: StormClient): Promise<string> {
  const socket = new WebSocket(url.replace(/^http/, 'ws') + '/ws');
  client.socket = socket;
  return new Promise((resolve, reject) => {
    socket.once('open', () =>
      socket.send(JSON.stringify({ type: 'auth', id: 'a', token, resume: room ? { [room]: client.cursor } : {} })),
    );
    socket.on('message', (data) => {
      const text = data.toString();
      if (text.startsWith('{"type":"ready"')) {
        resolve(
          (JSON.parse(text) as { rooms: Array<{ id: string; name: string | null }> }).rooms.find(
            (r) => r.name === 'general',
          )!.id,
        );
        return;
      }
      if (!text.startsWith('{"type":"event"')) return;
      const event = JSON.parse(text) as { room: string; seq: number; kind: string };
      if (event.kind !== 'message.created') return;
      client.cursor = Math.max(client.cursor, event.seq);
      client.seen.set(event.seq, (client.seen.get(event.seq) ?? 0) + 1);
    });
    socket.once('error', reject);
  });
}

async function prepareStorm(job: StormJob): Promise<() => Promise<StormResult>> {
  const clients: StormClient[] = Array.from({ length: job.clients }, () => ({
    socket: undefined,
    cursor: 0,
    seen: new Map(),
  }));
  let room = '';
  for (let i = 0; i < clients.length; i += 100) {
    const rooms = await Promise.all(
      clients.slice(i, i + 100).map((client) => stormSocket(job.url, job.token, '', client)),
    );
    room = rooms[0]!;
  }
  const sender = await openWs(job.url, job.senderToken);
  return async () => {
    // Every client has caught up to now: its cursor is where it will resume from.
    for (const client of clients) {
      client.cursor = Math.max(client.cursor, ...client.seen.keys(), 0);
      client.seen.clear();
      client.socket!.terminate();
    }
    const sent: number[] = [];
    await new Promise<void>((resolve, reject) => {
      let next = 0;
      let inFlight = 0;
      const pump = () => {
        while (inFlight < 32 && next < job.messages) {
          const id = `s${next++}`;
          inFlight++;
          sender.send('general', `storm ${id}`, id, (error) => {
            if (error) return reject(new Error(error));
            inFlight--;
            if (sent.push(0) === job.messages) resolve();
            else pump();
          });
        }
      };
      pump();
    });
    const start = performance.now();
    // All at once, as after a network blip or a hub restart: the accept queue takes the storm.
    await Promise.all(clients.map((client) => stormSocket(job.url, job.token, room, client)));
    const deadline = start + 60_000;
    const caughtUp = () => clients.every((client) => client.seen.size >= job.messages);
    while (!caughtUp() && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const catchUpMs = performance.now() - start;
    let lost = 0;
    let duplicated = 0;
    for (const client of clients) {
      lost += Math.max(0, job.messages - client.seen.size);
      for (const count of client.seen.values()) duplicated += count - 1;
      client.socket!.terminate();
    }
    sender.close();
    return { clients: clients.length, messages: job.messages, lost, duplicated, catchUpMs };
  };
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
    const steady = job.steady && (await steadyIngest(job.steady, job.rooms, clients));
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
      steady,
    };
  };
}

async function steadyIngest(
  load: { rate: number; seconds: number },
  rooms: string[],
  clients: Connection[],
): Promise<NonNullable<IngestResult['steady']>> {
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
            client.send(room, `steady ${id}`, id, (error) => {
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
    ackP50: percentile(acks, 50),
    ackP99: percentile(acks, 99),
  };
}
