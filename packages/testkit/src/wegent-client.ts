/**
 * A client of the Wegent dialect, as a Wegent front end would open it: `{event, data}` frames on a
 * task's chat or the personal channel, with an `id` where a test awaits the answer.
 */
import type { TestContext } from 'node:test';
import type { WegentClientEvent } from '@roundtable/protocol';
import { RawClient, type Frame } from './raw-client.js';

export class WegentClient {
  private nextId = 0;

  private constructor(readonly raw: RawClient) {}

  /** Opens `path` with a header token and waits for `ready`. */
  static async open(t: TestContext | undefined, url: string, token: string, path: string): Promise<WegentClient> {
    const client = new WegentClient(await RawClient.connect(t, url, { token, path }));
    await client.next('ready');
    return client;
  }

  get frames(): Frame[] {
    return this.raw.frames;
  }

  /** Every frame of one event, in the order received. */
  events(event: string): Array<Record<string, any>> {
    return this.frames.filter((frame) => frame.event === event).map((frame) => frame.data);
  }

  send(event: WegentClientEvent | string, data: unknown, id?: string): void {
    this.raw.sendRaw(JSON.stringify(id === undefined ? { event, data } : { event, id, data }));
  }

  /** Sends a frame and waits for its answer: the `ack`'s data, or a thrown error carrying the `error`'s data. */
  async emit(event: WegentClientEvent | string, data: unknown = {}): Promise<Record<string, any>> {
    const id = `w${++this.nextId}`;
    this.send(event, data, id);
    const reply = await this.raw.waitFor(
      (frame) => (frame.event === 'ack' || frame.event === 'error') && frame.id === id,
    );
    if (reply.event === 'error')
      throw Object.assign(new Error(`${reply.data.code}: ${reply.data.message}`), reply.data);
    return reply.data;
  }

  /** The error a frame is answered with; fails if it succeeds. */
  async emitError(event: WegentClientEvent | string, data: unknown = {}): Promise<{ code: string; message: string }> {
    try {
      await this.emit(event, data);
    } catch (error) {
      return error as { code: string; message: string };
    }
    throw new Error(`${event} was expected to fail`);
  }

  /** The first frame of `event` whose data matches, waiting for it if it has not come yet. */
  async next(event: string, match: (data: Record<string, any>) => boolean = () => true): Promise<Record<string, any>> {
    return (await this.raw.waitFor((frame) => frame.event === event && match(frame.data))).data;
  }

  close(): void {
    this.raw.close();
  }
}
