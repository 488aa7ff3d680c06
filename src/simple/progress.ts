// What the index client reports while it works (pages, metadata files and downloads of PEP
// 503/691/658 indexes), and where a report may be drawn; src/cli/progress.ts draws it on stderr.


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

export interface StoppableProgress extends ProgressReporter {
  /** Clears the line and stops drawing; call it once the index is no longer in use. */
  stop(): void;
}
