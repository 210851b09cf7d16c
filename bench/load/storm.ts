import WebSocket from 'ws';
import { openWs } from './connection.js';

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

export async function prepareStorm(job: StormJob): Promise<() => Promise<StormResult>> {
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
