/**
 * A WebSocket for fuzzing: it keeps no frames (a run receives hundreds of thousands), matches
 * answers to request ids, judges every error frame and close code as it comes, and reconnects after
 * the hub closes it.
 */
import WebSocket from 'ws';
import { excerpt } from './json-text.js';
import { closeProblem, errorBodyProblem, type Findings } from './scene.js';

/** What the hub does with a payload, worked out as it does: the id it must answer, if any. */
export function expectedAnswerId(payload: string | Buffer, binary: boolean, maxFrameBytes: number): string | undefined {
  const bytes = typeof payload === 'string' ? Buffer.from(payload) : payload;
  if (bytes.length > maxFrameBytes) return undefined;
  // A text frame that is not UTF-8 ends the connection before the hub sees it.
  if (!binary && !isUtf8(bytes)) return undefined;
  let frame: unknown;
  try {
    frame = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) return undefined;
  const id = (frame as { id?: unknown }).id;
  return typeof id === 'string' && id.length > 0 && id.length <= 64 ? id : undefined;
}

function isUtf8(bytes: Buffer): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** How an answer starts: `type` on /ws, `event` on the Wegent dialect's sockets. */
const ANSWER_HEADS = ['{"type":"ack"', '{"type":"error"', '{"event":"ack"', '{"event":"error"'];

export interface Sent {
  /** How the case is named in a report. */
  label: string;
  payload: string | Buffer;
}

export class FuzzSocket {
  private socket: WebSocket | undefined;
  private opening: Promise<WebSocket> | undefined;
  private readonly waiting = new Map<string, { sent: Sent; done: (outcome: 'answered' | 'closed') => void }>();
  /** The cases of the current batch without an id: an error frame without one is theirs. */
  private anonymous: Sent[] = [];
  /** Sockets this side closed on purpose: their close codes are ours, not the hub's (they may arrive late). */
  private readonly recycled = new WeakSet<WebSocket>();
  frames = 0;
  /** Acks and errors: the cases the hub answered. */
  answers = 0;
  closes = 0;

  constructor(
    readonly name: string,
    private readonly url: () => string,
    private readonly headers: () => Record<string, string>,
    private readonly findings: Findings,
  ) {}

  private open(): Promise<WebSocket> {
    if (this.socket?.readyState === WebSocket.OPEN) return Promise.resolve(this.socket);
    this.opening ??= new Promise<WebSocket>((resolve, reject) => {
      const socket = new WebSocket(this.url(), { headers: this.headers() });
      socket.on('message', (data: Buffer, isBinary: boolean) => this.onFrame(data, isBinary));
      socket.once('close', (code: number) => this.onClose(socket, code));
      socket.once('error', () => undefined);
      socket.once('open', () => {
        this.socket = socket;
        this.opening = undefined;
        resolve(socket);
      });
      socket.once('unexpected-response', (_request, response) => {
        this.opening = undefined;
        reject(new Error(`${this.name}: upgrade refused with HTTP ${response.statusCode}`));
      });
    });
    return this.opening;
  }

  /** Sends one case; resolves when its answer came, or at once when none is due, or when the socket closed. */
  async send(sent: Sent, binary: boolean, answerId: string | undefined): Promise<'answered' | 'closed' | 'sent'> {
    const socket = await this.open();
    const outcome =
      answerId === undefined
        ? undefined
        : new Promise<'answered' | 'closed'>((done) => this.waiting.set(answerId, { sent, done }));
    if (answerId === undefined) this.anonymous.push(sent);
    socket.send(sent.payload, { binary });
    return outcome ?? 'sent';
  }

  /** Starts a new batch: id-less errors from here on are blamed on its id-less cases. */
  newBatch(): void {
    this.anonymous = [];
  }

  /** Ids still waiting for their answer: the hub owes them one. */
  unanswered(): Sent[] {
    return [...this.waiting.values()].map((entry) => entry.sent);
  }

  forget(): void {
    for (const entry of this.waiting.values()) entry.done('closed');
    this.waiting.clear();
  }

  private onFrame(data: Buffer, isBinary: boolean): void {
    this.frames += 1;
    // Most frames are events: only acks and errors are read, the protocol's and the Wegent dialect's.
    const head = data.subarray(0, 20).toString();
    if (!ANSWER_HEADS.some((answer) => head.startsWith(answer))) return;
    this.answers += 1;
    let frame: { type?: string; event?: string; id?: string; code?: unknown; data?: unknown };
    try {
      frame = JSON.parse(data.toString());
    } catch {
      this.findings.add('ws: a frame that is not JSON', this.name, excerpt(data.toString()));
      return;
    }
    if (isBinary) this.findings.add('ws: a binary frame from the hub', this.name, excerpt(data.toString()));
    const entry = frame.id === undefined ? undefined : this.waiting.get(frame.id);
    if ((frame.type ?? frame.event) === 'error') {
      const problem = errorBodyProblem(frame.event ? frame.data : frame);
      if (problem && entry) {
        this.findings.add(
          `ws: ${problem}`,
          entry.sent.label,
          `${this.name} sent ${excerpt(entry.sent.payload)}\n    got ${excerpt(data.toString())}`,
        );
      } else if (problem) {
        // An error without an id answers one of the batch's cases that had none: all are suspects.
        const suspects = this.anonymous.map((sent) => `${sent.label}: ${excerpt(sent.payload, 160)}`);
        this.findings.add(
          `ws: ${problem}`,
          '(no id)',
          `${this.name} got ${excerpt(data.toString())}\n    suspects ${suspects.join(' | ') || 'none'}`,
        );
      }
    }
    if (entry) {
      this.waiting.delete(frame.id!);
      entry.done('answered');
    }
  }

  private onClose(socket: WebSocket, code: number): void {
    if (this.socket === socket) this.socket = undefined;
    if (this.recycled.has(socket)) return;
    this.closes += 1;
    const problem = closeProblem(code);
    if (problem) {
      const blamed = [...this.anonymous, ...this.unanswered()].map(
        (sent) => `${sent.label}: ${excerpt(sent.payload, 160)}`,
      );
      this.findings.add(`ws: ${problem}`, this.name, `in flight: ${blamed.join(' | ') || 'nothing'}`);
    }
    this.forget();
  }

  /** Drops the connection, so the next case opens a new one. */
  recycle(): void {
    if (!this.socket) return;
    this.recycled.add(this.socket);
    this.socket.terminate();
    this.socket = undefined;
  }

  close(): void {
    this.recycle();
  }
}
