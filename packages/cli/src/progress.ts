/** A spinner on stderr while an operation may take a moment; drawn only on a terminal, so pipes and logs stay clean. */

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
/** Operations that finish sooner than this (ms) show nothing, so quick commands do not flicker. */
const SHOW_AFTER_MS = 150;
const FRAME_MS = 80;

export class Spinner {
  private readonly stream: NodeJS.WriteStream;
  private label = '';
  private frame = 0;
  private drawn = false;
  private delay: ReturnType<typeof setTimeout> | undefined;
  private interval: ReturnType<typeof setInterval> | undefined;

  constructor(stream: NodeJS.WriteStream) {
    this.stream = stream;
  }

  get enabled(): boolean {
    return this.stream.isTTY === true;
  }

  start(label: string): void {
    this.label = label;
    if (!this.enabled || this.delay || this.interval) return;
    this.delay = setTimeout(() => {
      this.delay = undefined;
      this.interval = setInterval(() => this.draw(), FRAME_MS);
      // The spinner never keeps the process alive: the operation it decorates does.
      this.interval.unref();
      this.draw();
    }, SHOW_AFTER_MS);
    this.delay.unref();
  }

  update(label: string): void {
    this.label = label;
    if (this.drawn) this.draw();
  }

  stop(): void {
    clearTimeout(this.delay);
    clearInterval(this.interval);
    this.delay = undefined;
    this.interval = undefined;
    this.erase();
  }

  /** Writes a whole line on stderr without tearing the spinner, which redraws on its next frame. */
  line(text: string): void {
    this.erase();
    this.stream.write(`${text}\n`);
  }

  private draw(): void {
    const columns = this.stream.columns || 80;
    const text = `${FRAMES[this.frame++ % FRAMES.length]} ${this.label}…`;
    this.stream.write(`\r\x1b[2K${text.slice(0, columns - 1)}`);
    this.drawn = true;
  }

  private erase(): void {
    if (!this.drawn) return;
    this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }
}

export const spinner = new Spinner(process.stderr);

/** Shows `label` with a spinner until `work` settles. */
export async function progress<T>(label: string, work: Promise<T>): Promise<T> {
  spinner.start(label);
  try {
    return await work;
  } finally {
    spinner.stop();
  }
}
