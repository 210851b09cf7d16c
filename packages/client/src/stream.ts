/** An agent's streamed reply: deltas out in order, then done, error or cancel; aborted when someone presses stop. */
import type { Message, MessagePart, RequestParams, RequestType, ResultMap } from '@roundtable/protocol';

/** What a stream needs from the client it runs on. */
export interface StreamHost {
  request<T extends RequestType>(type: T, params: RequestParams<T>): Promise<ResultMap[T]>;
  notify<T extends RequestType>(type: T, params: RequestParams<T>): void;
}

export type StreamDone = Omit<RequestParams<'stream.done'>, 'message'>;

export class MessageStream {
  /** The message as the hub created it, with status `streaming`. */
  readonly message: Message;
  private readonly host: StreamHost;
  private readonly controller: AbortController;
  private readonly onEnd: () => void;
  private ended = false;

  /** Made by `LiveStreams.start`, which owns the controller so it can abort on a cancel from elsewhere. */
  constructor(host: StreamHost, message: Message, controller: AbortController, onEnd: () => void) {
    this.host = host;
    this.message = message;
    this.controller = controller;
    this.onEnd = onEnd;
  }

  get id(): string {
    return this.message.id;
  }

  /**
   * Aborted when the stream was cancelled or failed, by this process or by someone else (a person
   * pressing stop): pass it to the model call that produces the deltas.
   */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get active(): boolean {
    return !this.ended && !this.controller.signal.aborted;
  }

  /**
   * Fire-and-forget: deltas go out in call order and carry no ack. A delta lost to a dropped
   * connection is not re-sent, so pass the full text to `done` when it matters.
   * After the stream ended this does nothing, so a producer racing a stop does not throw.
   */
  append(delta: string): void {
    if (delta === '' || !this.active) return;
    this.host.notify('stream.delta', { message: this.message.id, delta });
  }

  /**
   * Shows a part (a tool call) on the message while it streams, or replaces the one with the same id
   * (running, then ok or error). Fire-and-forget like `append`; the parts so far are stored at `done`
   * unless `done` is given its own.
   */
  part(part: MessagePart): void {
    if (!this.active) return;
    this.host.notify('stream.part', { message: this.message.id, part });
  }

  /** Completes the message; `final.content`, when given, replaces the concatenated deltas. */
  done(final: StreamDone = {}): Promise<Message> {
    return this.finish(this.host.request('stream.done', { ...final, message: this.message.id }));
  }

  /** Ends the message with status `error`, showing `reason` to the room. */
  error(reason: string): Promise<Message> {
    return this.finish(this.host.request('stream.error', { message: this.message.id, error: reason }));
  }

  /** Ends the message with status `cancelled`, and aborts `signal`. */
  cancel(): Promise<Message> {
    this.controller.abort(new Error('The stream was cancelled'));
    return this.finish(this.host.request('stream.cancel', { message: this.message.id }));
  }

  private async finish(answer: Promise<{ message: Message }>): Promise<Message> {
    this.ended = true;
    this.onEnd();
    return (await answer).message;
  }
}

/** The client's streams still running, by message id, so a cancel seen in the room log can abort the producer. */
export class LiveStreams {
  private readonly controllers = new Map<string, AbortController>();

  start(host: StreamHost, message: Message): MessageStream {
    const controller = new AbortController();
    this.controllers.set(message.id, controller);
    return new MessageStream(host, message, controller, () => this.controllers.delete(message.id));
  }

  /** A message as the room log now has it: the stream ends here too once someone else cancelled it or it failed. */
  updated(message: Message): void {
    if (message?.status === 'cancelled' || message?.status === 'error') {
      this.controllers.get(message.id)?.abort(new Error(`The stream ended with status ${message.status}`));
      this.controllers.delete(message.id);
    }
  }

  abortAll(error: Error): void {
    for (const controller of this.controllers.values()) controller.abort(error);
    this.controllers.clear();
  }
}
