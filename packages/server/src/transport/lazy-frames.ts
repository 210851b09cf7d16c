/**
 * Frames that may wait for their connection's next write. A receipt moving is a state, not an
 * event: written on its own it costs a system call and a wake-up of the peer per receipt, more than
 * the message it is about, while a connection busy enough to make that matter writes again within
 * milliseconds. So such a frame joins the next write to its connection, and waits at most
 * LAZY_FRAME_MS: then every frame still waiting leaves, on one timer for all connections.
 */

/** The longest a frame waits for company: short enough that a person sees a receipt move at once. */
export const LAZY_FRAME_MS = 100;
/** Past this many waiting frames a connection writes them out at once, so a burst holds no memory. */
const MAX_WAITING = 64;

interface Waiting {
  frames: string[];
  write: (frame: string) => void;
}

class LazyFrames {
  private readonly waiting = new Map<object, Waiting>();
  private timer: NodeJS.Timeout | undefined;

  /** Queues a frame for `owner`'s next write; `write` sends one frame when it leaves. */
  add(owner: object, frame: string, write: (frame: string) => void): void {
    let entry = this.waiting.get(owner);
    if (!entry) this.waiting.set(owner, (entry = { frames: [], write }));
    entry.frames.push(frame);
    if (entry.frames.length >= MAX_WAITING) this.flush(owner);
    else if (!this.timer) this.timer = setTimeout(() => this.flushAll(), LAZY_FRAME_MS).unref();
  }

  /** Writes what waits for `owner`: called before each of its writes, so waiting frames share it. */
  flush(owner: object): void {
    const entry = this.waiting.get(owner);
    if (!entry) return;
    this.waiting.delete(owner);
    for (const frame of entry.frames) entry.write(frame);
  }

  /** The connection closed: what waits for it goes nowhere. */
  drop(owner: object): void {
    this.waiting.delete(owner);
  }

  private flushAll(): void {
    this.timer = undefined;
    for (const owner of [...this.waiting.keys()]) this.flush(owner);
  }
}

/** One queue for every connection of the process, so one timer serves them all. */
export const lazyFrames = new LazyFrames();
