// When may a cached decision be reused? Every decision is stamped with a generation: this process's
// own counter (bumped when it stores statements or reloads the policy) joined with the statement
// store's generation (which moves whenever any process stores statements: see
// src/store/decisions-*.ts). A decision is reused only under the generation it was made in.
//
// Reading the store's generation is cheap but not free on PostgreSQL, so there are two reads:
// `strict` (downloads, the actual gate) always asks the store; a lax read (project pages, which
// only steer the client and whose downloads are gated again) trusts the LISTEN subscription while
// it is up. Strict reads are coalesced: a caller joins a read only if that read started after the
// caller arrived, so no caller ever gets a generation older than its own request.
//
// A store that cannot announce changes (SQLite) is asked on every strict read, but a lax read
// reuses a reading younger than `laxReuseMs`: asking on every page view cost a fifth of the CPU of
// a cached page under load (a WAL read transaction each), while a page that lags another process's
// statements by a tenth of a second leads only to downloads that are checked afresh.

import type { DecisionLog, StatementWatch } from '../store/decisions.js';

export interface FreshnessOptions {
  /** How long a lax read reuses the last reading of a store without notifications (default 100 ms). */
  laxReuseMs?: number;
  /** Monotonic milliseconds. */
  clock?: () => number;
}

export class Freshness {
  #local = 0;
  #store = '';
  /** When the read that gave #store started (clock ms); -Infinity when unknown. */
  #readAt = Number.NEGATIVE_INFINITY;
  #watch: StatementWatch | undefined;
  #inflight: Promise<string> | undefined;
  #next: Promise<string> | undefined;
  readonly #listeners = new Set<() => void>();
  readonly #laxReuseMs: number;
  readonly #clock: () => number;

  constructor(
    private readonly log: DecisionLog,
    options: FreshnessOptions = {},
  ) {
    this.#laxReuseMs = options.laxReuseMs ?? 100;
    this.#clock = options.clock ?? (() => performance.now());
  }

  /** Reads the store's generation and subscribes to changes where the store offers it. */
  async start(): Promise<void> {
    if (this.log.watchStatements !== undefined) {
      this.#watch = await this.log.watchStatements((generation) => {
        if (generation === undefined) {
          // The subscription was lost meanwhile: forget what we knew and read afresh.
          this.#store = '';
          this.#changed();
          this.#read().catch(() => undefined);
        } else this.#advance(generation);
      });
    }
    await this.#read();
  }

  /** This process's own counter (for metrics). */
  get local(): number {
    return this.#local;
  }

  /** Invalidates every cached decision of this process at once. */
  bump(): void {
    this.#local++;
    this.#changed();
  }

  /** Called (synchronously) whenever cached decisions became invalid. */
  onChange(listener: () => void): void {
    this.#listeners.add(listener);
  }

  /** The current generation; `strict` guarantees it is no older than this call. */
  async current(strict: boolean): Promise<string> {
    if (!strict) {
      const known = this.lax();
      if (known !== undefined) return known;
    }
    await this.#fresh();
    return this.#token();
  }

  /** The store's part of the generation, read strictly (no older than this call): what replicas share. */
  async storeGeneration(): Promise<string> {
    await this.#fresh();
    return this.#store;
  }

  /** The generation a lax read may use without asking the store, if there is one (no promise). */
  lax(): string | undefined {
    if (this.#store === '') return undefined;
    if (this.#watch?.healthy === true) return this.#token();
    if (this.#watch === undefined && this.#clock() - this.#readAt < this.#laxReuseMs) return this.#token();
    return undefined;
  }

  async close(): Promise<void> {
    await this.#watch?.close();
  }

  #token(): string {
    return `${this.#local}.${this.#store}`;
  }

  #fresh(): Promise<string> {
    if (this.#inflight === undefined) return this.#read();
    // A read already under way may have been sent before our caller's request arrived.
    this.#next ??= this.#inflight.then(
      () => undefined,
      () => undefined,
    ).then(() => {
      this.#next = undefined;
      return this.#read();
    });
    return this.#next;
  }

  #read(): Promise<string> {
    const startedAt = this.#clock();
    const read = this.log.statementGeneration().then((generation) => {
      this.#advance(generation);
      // The reading is as old as the moment its read began, whichever read finished last.
      if (startedAt > this.#readAt) this.#readAt = startedAt;
      return generation;
    });
    this.#inflight = read;
    const clear = (): void => {
      if (this.#inflight === read) this.#inflight = undefined;
    };
    read.then(clear, clear);
    return read;
  }

  /** Generations only move forward; a late answer must not take one back. */
  #advance(generation: string): void {
    if (this.#store !== '' && compareGenerations(generation, this.#store) <= 0) return;
    this.#store = generation;
    this.#changed();
  }

  #changed(): void {
    for (const listener of this.#listeners) listener();
  }
}

function compareGenerations(a: string, b: string): number {
  try {
    const x = BigInt(a);
    const y = BigInt(b);
    return x < y ? -1 : x > y ? 1 : 0;
  } catch {
    return a === b ? 0 : 1;
  }
}
