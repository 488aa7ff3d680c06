// The HTTP client under the index client (PEP 503/691 pages, PEP 658 metadata files, distribution
// files): per-attempt timeouts, retries with jittered exponential back-off that honour Retry-After,
// a bound on requests in flight, redirects followed by hand, and response size caps.

import { createHash } from 'node:crypto';
import { PyvouchError } from '../errors.js';
import { formatBytes } from '../artifact/limits.js';
import type { ProgressReporter } from './progress.js';

export interface HttpOptions {
  /** Longest wait for response headers, and longest silence while a body streams (default 30 s). */
  timeoutMs?: number;
  /** Further attempts after the first, on network errors, timeouts, 5xx, 408 and 429 (default 3). */
  retries?: number;
  /** First back-off; it doubles with each retry, with jitter (default 500 ms). */
  backoffMs?: number;
  /** Ceiling of one back-off (default 10 s). */
  maxBackoffMs?: number;
  /** Longest Retry-After we wait for; a server asking for more fails the request (default 60 s). */
  maxRetryAfterMs?: number;
  /** Requests in flight at once (default 16). */
  concurrency?: number;
  /** Redirects followed per request (default 10). */
  maxRedirects?: number;
  userAgent?: string;
  progress?: ProgressReporter;
}

export interface GetOptions {
  headers?: Readonly<Record<string, string>>;
  /** Largest body accepted, after content decoding (so a gzip bomb is cut off too). */
  maxBytes?: number;
  /** What is fetched, for messages: "project page", "metadata file", "file foo-1.0.whl". */
  what?: string;
}

export interface HttpResponse {
  /** The URL that answered, after redirects, without credentials. */
  url: string;
  /** 2xx, 304 or 404: every other status is an error (INDEX_HTTP) once retries are spent. */
  status: number;
  headers: Headers;
  /** Empty for 304 and 404. */
  body: Uint8Array;
  /** sha256 of the body, computed while it streamed. */
  sha256: string;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  retries: 3,
  backoffMs: 500,
  maxBackoffMs: 10_000,
  maxRetryAfterMs: 60_000,
  concurrency: 16,
  maxRedirects: 10,
  userAgent: 'pyvouch',
};

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
// Errors where another attempt cannot help: retrying them only delays the message.
const PERMANENT_NETWORK_CODES = /^(ENOTFOUND|ERR_TLS_|ERR_SSL_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_|ERR_INVALID_URL)/;

/** A failure worth another attempt; never escapes this module. */
class TransientFailure extends Error {}

type Attempt =
  | { kind: 'done'; response: HttpResponse }
  | { kind: 'retry'; reason: string; status: number; retryAfterMs: number | undefined };

export class HttpClient {
  private readonly opts: typeof DEFAULTS;
  private readonly progress: ProgressReporter | undefined;
  private readonly slots: Semaphore;
  /** Authorization by origin, taken from `user:password@` in URLs (fetch refuses such URLs). */
  private readonly credentials = new Map<string, string>();

  constructor(options: HttpOptions = {}) {
    const { progress, ...rest } = options;
    const given = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
    this.opts = { ...DEFAULTS, ...given };
    this.progress = progress;
    this.slots = new Semaphore(Math.max(1, this.opts.concurrency));
  }

  /**
   * `url` without its `user:password@`, which is remembered for requests to that origin. Callers
   * keep and show the returned URL, so a password never reaches a report or an error message.
   */
  rememberCredentials(url: string): string {
    return this.withoutCredentials(url).href;
  }

  /**
   * GET `url`, retrying transient failures. Resolves with 2xx (body read), 304 or 404 (no body);
   * throws INDEX_HTTP for every other outcome, naming the URL, the status or error, and what to do.
   */
  async get(url: string, options: GetOptions = {}): Promise<HttpResponse> {
    const target = this.withoutCredentials(url);
    const what = options.what ?? 'resource';
    for (let attempt = 0; ; attempt += 1) {
      let failure: { reason: string; status?: number; retryAfterMs?: number | undefined };
      try {
        const outcome = await this.slots.run(() => this.attempt(target, options, what));
        if (outcome.kind === 'done') return outcome.response;
        failure = outcome;
      } catch (err) {
        if (err instanceof PyvouchError) throw err;
        const reason = transientReason(err);
        if (reason === undefined) throw unreachable(what, target.href, err);
        failure = { reason };
      }
      const attempts = attempt + 1;
      if (attempt >= this.opts.retries) {
        throw new PyvouchError(
          'INDEX_HTTP',
          `cannot fetch ${what}: ${failure.reason} (gave up after ${attempts} ${attempts === 1 ? 'attempt' : 'attempts'})`,
          { file: target.href, help: helpFor(failure.status) },
        );
      }
      let delay = this.backoff(attempt);
      if (failure.retryAfterMs !== undefined) {
        if (failure.retryAfterMs > this.opts.maxRetryAfterMs) {
          // Coming back sooner than asked would be ignored or punished; say so instead.
          throw new PyvouchError(
            'INDEX_HTTP',
            `cannot fetch ${what}: ${failure.reason}, and the server asks to retry in ${Math.ceil(failure.retryAfterMs / 1000)} s, longer than the ${Math.ceil(this.opts.maxRetryAfterMs / 1000)} s we wait`,
            { file: target.href, help: 'the index is rate-limiting this client; try again later' },
          );
        }
        delay = failure.retryAfterMs;
      }
      this.progress?.retrying(target.href, failure.reason, delay);
      await sleep(delay);
    }
  }

  /** Equal jitter (half fixed, half random): spreads clients that failed together, yet always waits. */
  private backoff(attempt: number): number {
    const ceiling = Math.min(this.opts.maxBackoffMs, this.opts.backoffMs * 2 ** attempt);
    return ceiling / 2 + (Math.random() * ceiling) / 2;
  }

  private withoutCredentials(url: string): URL {
    let target: URL;
    try {
      target = new URL(url);
    } catch (err) {
      throw new PyvouchError('INDEX_HTTP', `'${url}' is not a URL`, { help: 'give the index as http(s)://host/path/', cause: err });
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new PyvouchError('INDEX_HTTP', `${target.protocol} URLs cannot be fetched over HTTP`, { file: `${target.protocol}//${target.host}${target.pathname}` });
    }
    if (target.username !== '' || target.password !== '') {
      const user = safeDecode(target.username);
      const password = safeDecode(target.password);
      this.credentials.set(target.origin, `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`);
      target.username = '';
      target.password = '';
    }
    return target;
  }

  /** One attempt: the request and its redirects, each hop with its own timeout. */
  private async attempt(start: URL, options: GetOptions, what: string): Promise<Attempt> {
    let current = start;
    this.progress?.started(start.href);
    try {
      for (let hop = 0; ; hop += 1) {
        const next = await this.hop(current, options, what);
        if (!(next instanceof URL)) return next;
        if (hop >= this.opts.maxRedirects) {
          throw new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: more than ${this.opts.maxRedirects} redirects`, {
            file: start.href,
            help: 'the index redirects in a loop; check the index URL',
          });
        }
        current = next;
      }
    } finally {
      this.progress?.finished(start.href);
    }
  }

  private async hop(url: URL, options: GetOptions, what: string): Promise<Attempt | URL> {
    const controller = new AbortController();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = (): void => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, this.opts.timeoutMs);
    };
    const headers: Record<string, string> = { 'User-Agent': this.opts.userAgent, ...options.headers };
    const auth = this.credentials.get(url.origin);
    if (auth !== undefined) headers.Authorization = auth;
    arm();
    try {
      const res = await fetch(url, { headers, redirect: 'manual', signal: controller.signal });
      if (REDIRECTS.has(res.status)) {
        await discard(res);
        return this.redirectTarget(url, res, what);
      }
      if (isRetryable(res.status)) {
        await discard(res);
        return {
          kind: 'retry',
          reason: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`,
          status: res.status,
          retryAfterMs: parseRetryAfter(res.headers.get('retry-after')),
        };
      }
      if (res.status === 304 || res.status === 404) {
        await discard(res);
        return { kind: 'done', response: { url: url.href, status: res.status, headers: res.headers, body: new Uint8Array(), sha256: '' } };
      }
      if (res.status < 200 || res.status > 299) {
        await discard(res);
        throw new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`, {
          file: url.href,
          help: helpFor(res.status),
        });
      }
      const { body, sha256 } = await this.readBody(res, url, options.maxBytes ?? Number.POSITIVE_INFINITY, what, arm);
      return { kind: 'done', response: { url: url.href, status: res.status, headers: res.headers, body, sha256 } };
    } catch (err) {
      if (timedOut) throw new TransientFailure(`no answer within ${this.opts.timeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private redirectTarget(from: URL, res: Response, what: string): URL {
    const location = res.headers.get('location');
    if (location === null) {
      throw new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: HTTP ${res.status} without a Location header`, { file: from.href });
    }
    const to = new URL(location, from);
    if (to.protocol !== 'http:' && to.protocol !== 'https:') {
      throw new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: redirect to a ${to.protocol} URL refused`, { file: from.href });
    }
    // A page fetched over https must not be replaced by one anyone on the path could forge.
    if (from.protocol === 'https:' && to.protocol !== 'https:') {
      throw new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: redirect from https to ${to.href} refused`, {
        file: from.href,
        help: 'the index downgrades to plain HTTP; use an index that stays on https',
      });
    }
    to.username = '';
    to.password = '';
    return to;
  }

  private async readBody(
    res: Response,
    url: URL,
    maxBytes: number,
    what: string,
    arm: () => void,
  ): Promise<{ body: Uint8Array; sha256: string }> {
    const tooLarge = (): PyvouchError =>
      new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: larger than the ${formatBytes(maxBytes)} allowed`, {
        file: url.href,
        help: 'an index answer this large is not a package index answer; check the index URL',
      });
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    // content-length counts encoded bytes; a decoded body is never smaller, so this check is safe.
    if (Number.isFinite(declared) && declared > maxBytes && res.headers.get('content-encoding') === null) {
      await discard(res);
      throw tooLarge();
    }
    const hash = createHash('sha256');
    if (res.body === null) return { body: new Uint8Array(), sha256: hash.digest('hex') };
    const reader: ReadableStreamDefaultReader<Uint8Array> = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      arm();
      length += value.byteLength;
      if (length > maxBytes) {
        await reader.cancel().catch(() => {});
        throw tooLarge();
      }
      hash.update(value);
      chunks.push(value);
      this.progress?.received(value.byteLength);
    }
    const joined = Buffer.concat(chunks, length);
    return { body: new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength), sha256: hash.digest('hex') };
  }
}

function isRetryable(status: number): boolean {
  // 501 and 505 say the server will never do it; every other 5xx may pass.
  return status === 408 || status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or bad. */
export function parseRetryAfter(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Date.parse reads '-1' or '7' as years; an HTTP date always names a day and month in letters.
  if (!/[A-Za-z]/.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

function transientReason(err: unknown): string | undefined {
  if (err instanceof TransientFailure) return err.message;
  // undici reports network failures as TypeError with the system error as `cause`.
  if (!(err instanceof TypeError)) return undefined;
  const code = networkCode(err);
  if (code !== undefined && PERMANENT_NETWORK_CODES.test(code)) return undefined;
  return `network error (${code ?? err.message})`;
}

function networkCode(err: Error): string | undefined {
  let cause: unknown = err.cause;
  for (let depth = 0; depth < 4 && cause !== undefined && cause !== null; depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cause = (cause as { cause?: unknown }).cause;
  }
  return undefined;
}

function unreachable(what: string, url: string, err: unknown): PyvouchError {
  const detail = err instanceof Error ? (networkCode(err) ?? err.message) : String(err);
  return new PyvouchError('INDEX_HTTP', `cannot connect to fetch ${what} (${detail})`, {
    file: url,
    help: 'check the index URL, the host name and its TLS certificate',
    cause: err,
  });
}

function helpFor(status: number | undefined): string {
  if (status === 401 || status === 403) {
    return 'the index wants credentials: give them in the URL (https://user:token@host/simple/)';
  }
  if (status === 429) return 'the index is rate-limiting this client; try again later';
  if (status !== undefined && status >= 500) return 'the index is failing; try again later or use another index';
  return 'check the index URL and your network, then try again';
}

async function discard(res: Response): Promise<void> {
  // An unread body pins the connection; cancelling it lets undici reuse or close the socket.
  await res.body?.cancel().catch(() => {});
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Counts requests in flight; waiters are served in arrival order. */
class Semaphore {
  private available: number;
  private readonly waiting: Array<() => void> = [];

  constructor(size: number) {
    this.available = size;
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.available > 0) this.available -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next !== undefined) next();
      else this.available += 1;
    }
  }
}
