/**
 * A WebSocket client that speaks the raw protocol. Request results are typed by the protocol's
 * ResultMap; received frames stay loose, since tests also look at refused and malformed traffic.
 */
import type { TestContext } from 'node:test';
import WebSocket from 'ws';
import type { RequestParams, RequestType, ResultMap } from '@roundtable/protocol';

export type Frame = Record<string, any> & { type: string };

/** Params may be left out where the protocol requires none of them. */
type ParamsOf<T extends RequestType> =
  Record<never, never> extends RequestParams<T> ? [params?: RequestParams<T>] : [params: RequestParams<T>];

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

  async request<T extends RequestType>(type: T, ...[params]: ParamsOf<T>): Promise<ResultMap[T]> {
    return (await this.call(type, params ?? {})) as ResultMap[T];
  }

  /** The error frame a request is answered with; fails if the request succeeds. Any type and params go. */
  async requestError(type: string, params: Record<string, unknown> = {}): Promise<Frame> {
    try {
      await this.call(type, params);
    } catch (error) {
      return (error as { frame: Frame }).frame;
    }
    throw new Error(`${type} was expected to fail`);
  }

  private async call(type: string, params: object): Promise<unknown> {
    const id = `q${++this.nextId}`;
    this.socket.send(JSON.stringify({ type, id, ...params }));
    const reply = await this.waitFor((frame) => (frame.type === 'ack' || frame.type === 'error') && frame.id === id);
    if (reply.type === 'error') throw Object.assign(new Error(`${reply.code}: ${reply.message}`), { frame: reply });
    return reply.result;
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
