/** Test helpers: a real hub on port 0 over a real SQLite file, and a raw-protocol WebSocket client. */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import WebSocket from 'ws';
import type { Member } from '@roundtable/protocol';
import { loadConfig, startServer, type RunningServer } from '../src/index.js';
import type { Clock } from '../src/core/ports.js';
import { createLogger } from '../src/observability/logger.js';
import { POSTGRES_URL } from './services.js';

export interface TestHub extends RunningServer {
  dir: string;
  dbPath: string;
  adminToken: string;
  /** Creates a member through the admin API and returns its handle and token. */
  member(
    handle: string,
    kind?: 'person' | 'agent',
    extra?: Record<string, unknown>,
  ): Promise<{ handle: string; token: string; member: Member }>;
  api<T = any>(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }>;
}

export function tempDir(t: TestContext, name = 'roundtable-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), name));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  if (onPostgres()) t.after(() => dropSchema(schemaFor(join(dir, 'roundtable.db'))));
  return dir;
}

/** Every row of a table, read straight from the hub's database (SQLite file or PostgreSQL schema). */
export async function storeRows(hub: TestHub, table: string): Promise<unknown[]> {
  if (onPostgres()) {
    const pool = new pg.Pool({
      connectionString: POSTGRES_URL,
      max: 1,
      options: `-c search_path=${schemaFor(hub.dbPath)}`,
    });
    const rows = (await pool.query(`SELECT * FROM ${table}`)).rows;
    await pool.end();
    return rows;
  }
  const db = new Database(hub.dbPath, { readonly: true });
  const rows = db.prepare(`SELECT * FROM ${table}`).all();
  db.close();
  return rows;
}

function onPostgres(): boolean {
  return process.env.ROUNDTABLE_TEST_STORE === 'postgres';
}

/** One PostgreSQL schema per test directory, so a restarted hub finds its data again. */
function schemaFor(dbPath: string): string {
  return `rt_test_${createHash('sha256').update(dbPath).digest('hex').slice(0, 16)}`;
}

async function dropSchema(schema: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 1 });
  await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await pool.end();
}

/**
 * Env-style settings for tests: generous rate limits unless a test asks otherwise. With
 * ROUNDTABLE_TEST_STORE=postgres the hub runs on PostgreSQL, in a schema named after the directory.
 */
export function testEnv(dbPath: string, overrides: Record<string, string> = {}): Record<string, string> {
  return {
    HOST: '127.0.0.1',
    PORT: '0',
    DATABASE_PATH: dbPath,
    ...(onPostgres() ? { DATABASE_URL: POSTGRES_URL, DATABASE_SCHEMA: schemaFor(dbPath) } : {}),
    LOG_LEVEL: 'silent',
    RATE_MEMBER_MESSAGES_PER_SEC: '10000',
    RATE_MEMBER_MESSAGES_BURST: '10000',
    RATE_CONNECTION_FRAMES_PER_SEC: '10000',
    RATE_CONNECTION_FRAMES_BURST: '10000',
    RATE_MEMBER_REQUESTS_PER_SEC: '10000',
    RATE_MEMBER_REQUESTS_BURST: '10000',
    RATE_ANONYMOUS_REQUESTS_PER_SEC: '10000',
    RATE_ANONYMOUS_REQUESTS_BURST: '10000',
    ...overrides,
  };
}

export async function startHub(
  t: TestContext,
  options: { env?: Record<string, string>; dir?: string; logLines?: string[]; adminToken?: string; clock?: Clock } = {},
): Promise<TestHub> {
  const dir = options.dir ?? tempDir(t);
  const dbPath = join(dir, 'roundtable.db');
  const logLines = options.logLines;
  const server = await startServer(loadConfig(testEnv(dbPath, options.env)), {
    logger: logLines ? createLogger('debug', (line) => void logLines.push(line)) : undefined,
    clock: options.clock,
  });
  t.after(() => server.close());
  const adminToken = server.adminToken ?? options.adminToken;
  if (!adminToken) throw new Error('startHub on an existing database needs the adminToken');
  const api = async (token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(server.url + path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
  return {
    ...server,
    dir,
    dbPath,
    adminToken,
    api,
    async member(handle, kind = 'person', extra = {}) {
      const created = await api(adminToken, 'POST', '/api/v1/members', { handle, kind, ...extra });
      if (created.status !== 201) throw new Error(`could not create @${handle}: ${JSON.stringify(created.body)}`);
      return { handle, token: created.body.token, member: created.body.member };
    },
  };
}

export type Frame = Record<string, any> & { type: string };

/** A WebSocket client that speaks the raw protocol and records every frame it receives. */
export class RawClient {
  readonly frames: Frame[] = [];
  private readonly waiters = new Set<() => void>();
  private nextId = 0;
  closeCode: number | undefined;
  closeReason = '';

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()) as Frame);
      for (const wake of this.waiters) wake();
    });
    socket.on('close', (code, reason) => {
      this.closeCode = code;
      this.closeReason = reason.toString();
      for (const wake of this.waiters) wake();
    });
  }

  static async connect(
    t: TestContext | undefined,
    url: string,
    options: { token?: string; path?: string; headers?: Record<string, string>; query?: string } = {},
  ): Promise<RawClient> {
    const wsUrl = url.replace(/^http/, 'ws') + (options.path ?? '/ws') + (options.query ? `?${options.query}` : '');
    const headers = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    const socket = new WebSocket(wsUrl, { headers });
    const client = new RawClient(socket);
    t?.after(() => client.close());
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    return client;
  }

  /** Connects with a header token and waits for `ready` (and the catch-up of resumed rooms). */
  static async ready(
    t: TestContext | undefined,
    url: string,
    token: string,
    resume?: Record<string, number>,
  ): Promise<RawClient> {
    const query = resume
      ? `resume=${Object.entries(resume)
          .map(([room, seq]) => `${room}:${seq}`)
          .join(',')}`
      : undefined;
    const client = await RawClient.connect(t, url, { token, query });
    const ready = await client.waitFor((frame) => frame.type === 'ready');
    for (const room of ready.resuming as string[]) await client.waitFor((f) => f.type === 'synced' && f.room === room);
    return client;
  }

  sendRaw(data: string | Buffer): void {
    this.socket.send(data);
  }

  /** Frames in one TCP write, so the hub reads them in one go (ws keeps its net.Socket in `_socket`). */
  sendTogether(frames: string[]): void {
    const tcp = (this.socket as unknown as { _socket: import('node:net').Socket })._socket;
    tcp.cork();
    for (const frame of frames) this.socket.send(frame);
    process.nextTick(() => tcp.uncork());
  }

  async request<T = any>(type: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = `q${++this.nextId}`;
    this.socket.send(JSON.stringify({ type, id, ...params }));
    const reply = await this.waitFor((frame) => (frame.type === 'ack' || frame.type === 'error') && frame.id === id);
    if (reply.type === 'error') throw Object.assign(new Error(`${reply.code}: ${reply.message}`), { frame: reply });
    return reply.result as T;
  }

  /** The error frame a request is answered with; fails if the request succeeds. */
  async requestError(type: string, params: Record<string, unknown> = {}): Promise<Frame> {
    try {
      await this.request(type, params);
    } catch (error) {
      return (error as { frame: Frame }).frame;
    }
    throw new Error(`${type} was expected to fail`);
  }

  async waitFor(predicate: (frame: Frame) => boolean, timeoutMs = 5_000): Promise<Frame> {
    const found = this.frames.find(predicate);
    if (found) return found;
    return new Promise<Frame>((resolve, reject) => {
      const check = () => {
        const match = this.frames.find(predicate);
        if (match) {
          done();
          resolve(match);
        } else if (this.closeCode !== undefined) {
          done();
          reject(new Error(`socket closed (${this.closeCode} ${this.closeReason}) while waiting`));
        }
      };
      const timer = setTimeout(() => {
        done();
        const last = this.frames.slice(-3).map((frame) => JSON.stringify(frame).slice(0, 300));
        reject(new Error(`timed out waiting for a frame; last frames: ${last.join(' ')}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
    });
  }

  async waitForClose(timeoutMs = 5_000): Promise<number> {
    if (this.closeCode !== undefined) return this.closeCode;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket did not close')), timeoutMs);
      const check = () => {
        if (this.closeCode !== undefined) {
          clearTimeout(timer);
          this.waiters.delete(check);
          resolve();
        }
      };
      this.waiters.add(check);
    });
    return this.closeCode!;
  }

  events(room?: string): Frame[] {
    return this.frames.filter((frame) => frame.type === 'event' && (room === undefined || frame.room === room));
  }

  messages(room?: string): Frame[] {
    return this.events(room).filter((frame) => frame.kind === 'message.created');
  }

  close(): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING)
      this.socket.terminate();
  }
}

/**
 * Retries an assertion until it passes or the time runs out: no sleeps in tests. Give every
 * `assert.ok` in it a message: without one, Node re-reads and parses the source file to build the
 * message on each failure, which can stall the event loop for seconds.
 */
export async function eventually(assertion: () => void | Promise<void>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await assertion();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

/** Real time plus an offset the test moves forward: leases expire without waiting for them. */
export class SkewClock implements Clock {
  private offset = 0;

  now(): number {
    return Date.now() + this.offset;
  }

  advance(ms: number): void {
    this.offset += ms;
  }
}
