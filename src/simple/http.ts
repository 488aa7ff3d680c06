// The HTTP client under the index client (PEP 503/691 pages, PEP 658 metadata files, distribution
// files): per-attempt timeouts, retries with jittered exponential back-off that honour Retry-After,
// a bound on requests in flight, redirects followed by hand, and response size caps.
//
// Written on node:http/node:https with a keep-alive agent rather than the global fetch: undici
// costs ~150 ms of CPU per process (its module, its WASM HTTP parser, web streams), more than the
// resolution it serves on a warm run; node:http's parser is built in. The agent keeps up to
// `concurrency` sockets per host open between requests, so a resolve pays one TCP (and TLS)
// handshake per socket, not per request. Content-Encoding (gzip, deflate, br) is decoded here, as
// fetch did, with the size cap applied to the decoded bytes.

import { createHash } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Readable } from 'node:stream';
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

/** Response headers, looked up case-insensitively; a repeated header's values joined with ', '. */
export interface ResponseHeaders {
  get(name: string): string | null;
}

export interface HttpResponse {
  /** The URL that answered, after redirects, without credentials. */
  url: string;
  /** 2xx, 304 or 404: every other status is an error (INDEX_HTTP) once retries are spent. */
  status: number;
  headers: ResponseHeaders;
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
const IDLE_SOCKET_MS = 4_000;
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
  private httpAgent: HttpAgent | undefined;
  private httpsAgent: HttpsAgent | undefined;

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
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let current: { destroy(error?: Error): void } | undefined;
    // One timer per hop, pushed back by every chunk (refresh() costs less than a new timer).
    const arm = (): void => {
      if (timer !== undefined) {
        timer.refresh();
        return;
      }
      timer = setTimeout(() => {
        timedOut = true;
        current?.destroy(new TransientFailure(`no answer within ${this.opts.timeoutMs} ms`));
      }, this.opts.timeoutMs);
    };
    // fetch asked for compressed answers by default; so do we (a caller may ask for identity).
    const headers: Record<string, string> = { 'User-Agent': this.opts.userAgent, 'Accept-Encoding': 'gzip, deflate, br', ...options.headers };
    const auth = this.credentials.get(url.origin);
    if (auth !== undefined) headers.Authorization = auth;
    arm();
    try {
      const res = await this.send(url, headers, (r) => (current = r));
      current = res;
      arm();
      const status = res.statusCode ?? 0;
      const statusText = res.statusMessage ?? '';
      const responseHeaders = new NodeHeaders(res);
      if (REDIRECTS.has(status)) {
        await discard(res);
        return this.redirectTarget(url, status, responseHeaders, what);
      }
      if (isRetryable(status)) {
        await discard(res);
        return {
          kind: 'retry',
          reason: `HTTP ${status}${statusText ? ` ${statusText}` : ''}`,
          status,
          retryAfterMs: parseRetryAfter(responseHeaders.get('retry-after')),
        };
      }
      if (status === 304 || status === 404) {
        await discard(res);
        return { kind: 'done', response: { url: url.href, status, headers: responseHeaders, body: new Uint8Array(), sha256: '' } };
      }
      if (status < 200 || status > 299) {
        await discard(res);
        throw new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: HTTP ${status}${statusText ? ` ${statusText}` : ''}`, {
          file: url.href,
          help: helpFor(status),
        });
      }
      const { body, sha256 } = await this.readBody(res, responseHeaders, url, options.maxBytes ?? Number.POSITIVE_INFINITY, what, arm, (r) => (current = r));
      return { kind: 'done', response: { url: url.href, status, headers: responseHeaders, body, sha256 } };
    } catch (err) {
      if (timedOut) throw new TransientFailure(`no answer within ${this.opts.timeoutMs} ms`);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The agent of a protocol, made on first use: node:https (and TLS) loads only for https URLs. */
  private async agentFor(protocol: string): Promise<{ agent: HttpAgent | HttpsAgent; request: typeof httpRequest }> {
    // An idle socket is closed after IDLE_SOCKET_MS, before servers drop theirs (Node's 5 s, nginx's
    // 75 s): reusing a socket the server is closing fails the request (it is then retried).
    const options = { keepAlive: true, maxSockets: Math.max(1, this.opts.concurrency), timeout: IDLE_SOCKET_MS };
    if (protocol === 'http:') {
      this.httpAgent ??= new HttpAgent(options);
      return { agent: this.httpAgent, request: httpRequest };
    }
    const https = await import('node:https');
    this.httpsAgent ??= new https.Agent(options);
    return { agent: this.httpsAgent, request: https.request };
  }

  /** One GET; resolves when the response headers arrive. Network errors reject with the system error. */
  private async send(url: URL, headers: Record<string, string>, track: (r: { destroy(error?: Error): void }) => void): Promise<IncomingMessage> {
    const { agent, request } = await this.agentFor(url.protocol);
    const options: RequestOptions = {
      method: 'GET',
      protocol: url.protocol,
      // node:http wants an IPv6 literal without its brackets.
      hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
      port: url.port === '' ? undefined : Number(url.port),
      path: `${url.pathname}${url.search}`,
      headers,
      agent,
    };
    return new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(options, resolve);
      track(req);
      req.on('error', reject);
      req.end();
    });
  }

  private redirectTarget(from: URL, status: number, headers: ResponseHeaders, what: string): URL {
    const location = headers.get('location');
    if (location === null) {
      throw new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: HTTP ${status} without a Location header`, { file: from.href });
    }
    let to: URL;
    try {
      to = new URL(location, from);
    } catch (err) {
      throw new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: HTTP ${status} to a Location that is not a URL`, { file: from.href, cause: err });
    }
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
    res: IncomingMessage,
    headers: ResponseHeaders,
    url: URL,
    maxBytes: number,
    what: string,
    arm: () => void,
    track: (r: { destroy(error?: Error): void }) => void,
  ): Promise<{ body: Uint8Array; sha256: string }> {
    const tooLarge = (): PyvouchError =>
      new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: larger than the ${formatBytes(maxBytes)} allowed`, {
        file: url.href,
        help: 'an index answer this large is not a package index answer; check the index URL',
      });
    const declared = Number(headers.get('content-length') ?? Number.NaN);
    const encoding = headers.get('content-encoding');
    // content-length counts encoded bytes; a decoded body is never smaller, so this check is safe.
    if (Number.isFinite(declared) && declared > maxBytes && encoding === null) {
      res.destroy();
      throw tooLarge();
    }
    let stream: Readable = res;
    const decoders = decodersFor(encoding);
    if (decoders === undefined) {
      res.destroy();
      // fetch passed an unknown coding through undecoded; bytes we cannot read are refused instead.
      throw new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: unsupported Content-Encoding '${encoding}'`, {
        file: url.href,
        help: 'the server compresses with a coding this client cannot decode (gzip, deflate and br are read)',
      });
    }
    for (const decoder of decoders) {
      const from = stream;
      from.on('error', (err) => decoder.destroy(err));
      stream = from.pipe(decoder);
    }
    if (stream !== res) {
      const last = stream;
      track({ destroy: (error?: Error) => { res.destroy(error); last.destroy(error); } });
    }
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let length = 0;
    // Events rather than an async iterator: a promise per chunk is most of the cost of small bodies.
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => {
        res.destroy();
        reject(err);
      };
      stream.on('data', (value: Buffer) => {
        arm();
        length += value.byteLength;
        if (length > maxBytes) {
          stream.removeAllListeners('data');
          fail(tooLarge());
          return;
        }
        hash.update(value);
        chunks.push(value);
        this.progress?.received(value.byteLength);
      });
      stream.once('end', resolve);
      stream.once('error', fail);
      // A response destroyed without an error (the socket closed) ends neither way.
      res.once('close', () => {
        if (!res.complete) fail(new TransientFailure('the connection closed before the answer was complete'));
      });
    });
    // A connection cut before the declared length is not a complete body (fetch failed it too).
    if (!res.complete) throw new TransientFailure('the connection closed before the answer was complete');
    const joined = Buffer.concat(chunks, length);
    return { body: new Uint8Array(joined.buffer, joined.byteOffset, joined.byteLength), sha256: hash.digest('hex') };
  }
}

/** Decoders for a Content-Encoding list, in the order to apply them; undefined for an unknown coding. */
function decodersFor(encoding: string | null): Array<NodeJS.ReadWriteStream & Readable> | undefined {
  if (encoding === null) return [];
  const codings = encoding.toLowerCase().split(',').map((c) => c.trim()).filter((c) => c !== '' && c !== 'identity');
  const decoders: Array<NodeJS.ReadWriteStream & Readable> = [];
  // Codings are listed in the order they were applied: undo the last first.
  for (const coding of codings.reverse()) {
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(createGunzip());
    else if (coding === 'deflate') decoders.push(createInflate());
    else if (coding === 'br') decoders.push(createBrotliDecompress());
    else return undefined;
  }
  return decoders;
}

/** node:http's header object behind the small part of the Headers interface callers use. */
class NodeHeaders implements ResponseHeaders {
  constructor(private readonly res: IncomingMessage) {}

  get(name: string): string | null {
    const value = this.res.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
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
  if (!(err instanceof Error)) return undefined;
  // node:http reports network failures as system errors with a code (ECONNREFUSED, ECONNRESET…).
  const code = networkCode(err);
  if (code === undefined) return undefined;
  if (PERMANENT_NETWORK_CODES.test(code)) return undefined;
  return `network error (${code})`;
}

function networkCode(err: Error): string | undefined {
  let cause: unknown = err;
  for (let depth = 0; depth < 5 && cause !== undefined && cause !== null; depth += 1) {
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

async function discard(res: IncomingMessage): Promise<void> {
  // A short body (none, for a 304) is read to its end so the keep-alive socket can serve the next
  // request; a long one (an error page of megabytes) is not worth it: the socket is dropped instead.
  const declared = Number(res.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > DISCARD_BYTES) {
    res.destroy();
    return;
  }
  await new Promise<void>((resolve) => {
    let seen = 0;
    res.on('data', (chunk: Buffer) => {
      seen += chunk.byteLength;
      if (seen > DISCARD_BYTES) res.destroy();
    });
    res.on('end', resolve).on('error', () => resolve()).on('close', resolve);
  });
}

const DISCARD_BYTES = 64 * 1024;

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
