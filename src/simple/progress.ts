// A one-line progress report on stderr while the index client works (pages, metadata files and
// downloads of PEP 503/691/658 indexes), shown only to a person watching a terminal.

import { formatBytes } from '../artifact/limits.js';

/** What the HTTP client tells whoever watches it. Every method must be cheap: it runs per chunk. */
export interface ProgressReporter {
  started(url: string): void;
  received(bytes: number): void;
  finished(url: string): void;
  retrying(url: string, reason: string, delayMs: number): void;
}

/** The bits of a stream and of the environment that decide whether to draw. */
export interface ProgressTarget {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface StderrProgressOptions {
  stream?: ProgressTarget;
  env?: Readonly<Record<string, string | undefined>>;
  /** Nothing is drawn before the run is this old: short runs stay silent. */
  delayMs?: number;
  /** Redraw at most this often. */
  intervalMs?: number;
}

export interface StoppableProgress extends ProgressReporter {
  /** Clears the line and stops drawing; call it once the index is no longer in use. */
  stop(): void;
}

/**
 * A progress line on stderr, or a reporter that draws nothing when stderr is not a terminal or the
 * run is in CI (where a line rewritten with `\r` turns into a log of thousands of lines). NO_COLOR
 * does not matter: the line has no colour.
 */
export function createStderrProgress(options: StderrProgressOptions = {}): StoppableProgress {
  const stream = options.stream ?? process.stderr;
  const env = options.env ?? process.env;
  const inCi = env.CI !== undefined && env.CI !== '' && env.CI !== 'false';
  if (stream.isTTY !== true || inCi || env.TERM === 'dumb') return silentProgress();
  return new LineProgress(stream, options.delayMs ?? 1000, options.intervalMs ?? 100);
}

export function silentProgress(): StoppableProgress {
  const nothing = (): void => {};
  return { started: nothing, received: nothing, finished: nothing, retrying: nothing, stop: nothing };
}

class LineProgress implements StoppableProgress {
  private inFlight = 0;
  private done = 0;
  private bytes = 0;
  private retries = 0;
  private drawn = false;
  private readonly startedAt = Date.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly stream: ProgressTarget,
    private readonly delayMs: number,
    private readonly intervalMs: number,
  ) {}

  started(): void {
    this.inFlight += 1;
    this.schedule();
  }

  received(bytes: number): void {
    this.bytes += bytes;
  }

  finished(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
    this.done += 1;
  }

  retrying(): void {
    this.retries += 1;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.stream.write('\r\x1b[2K');
    this.drawn = false;
  }

  private schedule(): void {
    if (this.timer !== undefined) return;
    // unref: a forgotten stop() must not keep the process alive.
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
  }

  private draw(): void {
    if (Date.now() - this.startedAt < this.delayMs) return;
    const parts = [`${this.done} done`, `${this.inFlight} in flight`, formatBytes(this.bytes)];
    if (this.retries > 0) parts.push(`${this.retries} ${this.retries === 1 ? 'retry' : 'retries'}`);
    let line = `index: ${parts.join(', ')}`;
    const width = this.stream.columns;
    if (width !== undefined && width > 1 && line.length >= width) line = line.slice(0, width - 1);
    this.stream.write(`\r\x1b[2K${line}`);
    this.drawn = true;
  }
}
