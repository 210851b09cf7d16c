import WebSocket from 'ws';
import { SqliteStore } from '@roundtable/server';
import { percentile, settleHeap } from './timing.js';

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

const HISTORY_WARMUP_PAGES = 100;

export async function prepareHistory(job: HistoryJob): Promise<() => Promise<HistoryResult>> {
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
