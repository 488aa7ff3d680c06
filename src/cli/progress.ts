// Progress of long commands (resolve, import, feed sync, scan, diff) on one rewritten stderr line,
// for a person watching a terminal: nothing when stderr is not a TTY, in CI, on a dumb terminal or
// with --quiet, so logs and pipes stay clean. Colour (a dim line) only where colour is allowed.
import { formatBytes } from '../artifact/limits.js';
import { currentIo } from './output.js';
import type { ProgressReporter, ProgressTarget, StoppableProgress } from '../simple/progress.js';

export interface ProgressOptions {
  stream?: ProgressTarget;
  env?: Readonly<Record<string, string | undefined>>;
  /** --quiet: draw nothing. Defaults to the global flag main() sets from the command line. */
  quiet?: boolean;
  /** Nothing is drawn before the work is this old: short commands stay silent. */
  delayMs?: number;
  /** Redraw at most this often. */
  intervalMs?: number;
  /** The clock (tests pass a fake one). */
  now?: () => number;
}

/**
 * What a command tells the line: the step it is on and, where it knows them, counts. It is also
 * the index client's reporter (pages, metadata, downloads), whose totals join the line.
 */
export interface Progress extends StoppableProgress {
  /** The step, e.g. `feed sync upstream`, with `done` of `total` items when counted. */
  step(label: string, done?: number, total?: number): void;
  /** Whether anything can be drawn (false: every call is a no-op). */
  readonly active: boolean;
}

let quietFlag = false;

/** Set by main() from `--quiet`/`-q` for the command being run. */
export function setQuiet(quiet: boolean): void {
  quietFlag = quiet;
}

/** Whether progress may be drawn on `stream` at all. */
export function progressAllowed(stream: ProgressTarget, env: Readonly<Record<string, string | undefined>>, quiet: boolean): boolean {
  const inCi = env['CI'] !== undefined && env['CI'] !== '' && env['CI'] !== 'false';
  return !quiet && stream.isTTY === true && !inCi && env['TERM'] !== 'dumb';
}

export function createProgress(options: ProgressOptions = {}): Progress {
  const stream = options.stream ?? currentIo().progress;
  const env = options.env ?? process.env;
  if (stream === undefined || !progressAllowed(stream, env, options.quiet ?? quietFlag)) return silent();
  const noColor = env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '';
  return new LineProgress(stream, !noColor, options.delayMs ?? 1000, options.intervalMs ?? 100, options.now ?? Date.now);
}

function silent(): Progress {
  const nothing = (): void => {};
  return { active: false, step: nothing, started: nothing, received: nothing, finished: nothing, retrying: nothing, stop: nothing };
}

class LineProgress implements Progress, ProgressReporter {
  readonly active = true;
  private label = '';
  private done: number | undefined;
  private total: number | undefined;
  private requests = { inFlight: 0, done: 0, bytes: 0, retries: 0 };
  private drawn = false;
  private lastText = '';
  private stopped = false;
  private readonly startedAt: number;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: ProgressTarget,
    private readonly color: boolean,
    private readonly delayMs: number,
    private readonly intervalMs: number,
    private readonly now: () => number,
  ) {
    this.startedAt = now();
  }

  step(label: string, done?: number, total?: number): void {
    this.label = label;
    this.done = done;
    this.total = total;
    this.schedule();
  }

  started(): void {
    this.requests.inFlight += 1;
    this.schedule();
  }

  received(bytes: number): void {
    this.requests.bytes += bytes;
  }

  finished(): void {
    this.requests.inFlight = Math.max(0, this.requests.inFlight - 1);
    this.requests.done += 1;
  }

  retrying(): void {
    this.requests.retries += 1;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  /** The line as it would be drawn now (without the terminal controls). */
  line(): string {
    const parts: string[] = [];
    if (this.label !== '') parts.push(this.total !== undefined && this.done !== undefined ? `${this.label} ${this.done}/${this.total}` : this.label);
    const r = this.requests;
    if (r.done + r.inFlight > 0) {
      const index = [`${r.done} done`, `${r.inFlight} in flight`, formatBytes(r.bytes)];
      if (r.retries > 0) index.push(`${r.retries} ${r.retries === 1 ? 'retry' : 'retries'}`);
      parts.push(`index: ${index.join(', ')}`);
    }
    parts.push(`${Math.floor((this.now() - this.startedAt) / 1000)}s`);
    return parts.join(' · ');
  }

  /** Draws now if the work is old enough (the timer calls it; tests may too). */
  draw(): void {
    if (this.stopped || this.now() - this.startedAt < this.delayMs) return;
    let text = this.line();
    const width = this.stream.columns;
    if (width !== undefined && width > 1 && text.length >= width) text = text.slice(0, width - 1);
    // An unchanged line is not written again: a terminal log of the session stays short.
    if (this.drawn && text === this.lastText) return;
    this.stream.write(`\r\x1b[2K${this.color ? `\x1b[2m${text}\x1b[0m` : text}`);
    this.drawn = true;
    this.lastText = text;
  }

  private schedule(): void {
    if (this.timer !== undefined || this.stopped) return;
    // unref: a forgotten stop() must not keep the process alive.
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
  }
}

/** Runs `work` with a progress line that is cleared when it ends, however it ends. */
export async function withProgress<T>(label: string, work: (progress: Progress) => Promise<T>, options: ProgressOptions = {}): Promise<T> {
  const progress = createProgress(options);
  progress.step(label);
  try {
    return await work(progress);
  } finally {
    progress.stop();
  }
}
