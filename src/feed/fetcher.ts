// How a follower fetches a feed's files for tuf-js (TUF client workflow §5): `file://` URLs from a
// local directory, anything else over HTTP(S). Every read stops at the byte limit the updater
// gives (a declared length or a size limit), so an endless file costs at most that much. A
// missing file is a 404, which is how the updater learns there is no newer root.
import { open } from 'node:fs/promises';
import { writeFile } from 'node:fs/promises';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Fetcher } from 'tuf-js';
import { DownloadHTTPError } from 'tuf-js/dist/error.js';
import { PyvouchError } from '../errors.js';

export interface FetcherOptions {
  /** Per request, milliseconds (default 30 s). */
  timeoutMs?: number;
  userAgent?: string;
}

export class FeedFetcher implements Fetcher {
  /** The last URL asked for: tells a bad root (N.root.json) from a bad snapshot in errors. */
  lastUrl: string | undefined;
  /** tuf-js wraps some errors in a string; the original is kept here to recover its code. */
  lastError: PyvouchError | undefined;
  readonly #timeoutMs: number;
  readonly #userAgent: string;

  constructor(options: FetcherOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#userAgent = options.userAgent ?? 'pyvouch-feed';
  }

  async downloadFile<T>(url: string, maxLength: number, handler: (file: string) => Promise<T>): Promise<T> {
    const bytes = await this.downloadBytes(url, maxLength);
    const dir = await mkdtemp(join(tmpdir(), 'pyvouch-feed-'));
    try {
      const file = join(dir, 'download');
      await writeFile(file, bytes);
      return await handler(file);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  async downloadBytes(url: string, maxLength: number): Promise<Buffer> {
    this.lastUrl = url;
    this.lastError = undefined;
    try {
      return url.startsWith('file:') ? await readLocal(url, maxLength) : await this.#readHttp(url, maxLength);
    } catch (err) {
      if (err instanceof PyvouchError) this.lastError = err;
      throw err;
    }
  }

  async #readHttp(url: string, maxLength: number): Promise<Buffer> {
    let response: Response | undefined;
    // A pooled keep-alive connection the server closed while this process was busy verifying a
    // batch fails at once with a reset; a GET is safe to send again on a fresh connection.
    for (let attempt = 0; response === undefined; attempt++) {
      try {
        response = await fetch(url, {
          headers: { 'user-agent': this.#userAgent },
          redirect: 'follow',
          signal: AbortSignal.timeout(this.#timeoutMs),
        });
      } catch (err) {
        if (attempt < 2 && isConnectionReset(err)) continue;
        throw new PyvouchError('FEED_UNREACHABLE', `cannot fetch ${url}: ${describeFetchError(err)}`, {
          file: url,
          cause: err,
          help: 'check the feed URL (`pyvouch feed list`) and your network; nothing was imported',
        });
      }
    }
    if (!response.ok) {
      await response.body?.cancel();
      // 403/404 mean "no such file" to the updater (no newer root); every other status is an error.
      if (response.status === 403 || response.status === 404) throw new DownloadHTTPError(`${url}: HTTP ${response.status}`, response.status);
      throw new PyvouchError('FEED_UNREACHABLE', `${url}: HTTP ${response.status} ${response.statusText}`, {
        file: url,
        help: 'the feed server answered with an error; try again later (nothing was imported)',
      });
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > maxLength) {
      await response.body?.cancel();
      throw tooLarge(url, maxLength);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    if (response.body === null) return Buffer.alloc(0);
    const reader: ReadableStreamDefaultReader<Uint8Array> = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.length;
        if (size > maxLength) {
          await reader.cancel();
          throw tooLarge(url, maxLength);
        }
        chunks.push(Buffer.from(value));
      }
    } catch (err) {
      if (err instanceof PyvouchError) throw err;
      throw new PyvouchError('FEED_UNREACHABLE', `reading ${url} failed: ${(err as Error).message}`, { file: url, cause: err });
    }
    return Buffer.concat(chunks, size);
  }
}

async function readLocal(url: string, maxLength: number): Promise<Buffer> {
  const path = fileURLToPath(url);
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new DownloadHTTPError(`${path}: no such file`, 404);
    throw new PyvouchError('FEED_UNREACHABLE', `cannot read ${path}: ${(err as Error).message}`, { file: path, cause: err });
  }
  try {
    // Read one byte past the limit: a file that has it is too large, whatever stat says.
    const buffer = Buffer.alloc(Math.min(maxLength + 1, (await handle.stat()).size + 1));
    let size = 0;
    for (;;) {
      if (size === buffer.length) break;
      const { bytesRead } = await handle.read(buffer, size, buffer.length - size, size);
      if (bytesRead === 0) break;
      size += bytesRead;
    }
    if (size > maxLength) throw tooLarge(path, maxLength);
    return buffer.subarray(0, size);
  } finally {
    await handle.close();
  }
}

function isConnectionReset(err: unknown): boolean {
  const code = ((err as { cause?: { code?: unknown } }).cause?.code ?? '') as string;
  return ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'].includes(code);
}

function describeFetchError(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return `${(err as Error).message}${detail === undefined ? '' : ` (${detail})`}`;
}

function tooLarge(where: string, maxLength: number): PyvouchError {
  return new PyvouchError('FEED_TOO_LARGE', `${where} is larger than the ${maxLength} bytes allowed for it`, {
    file: where,
    help: 'a feed file past its declared length or size limit is refused (endless-data attack); nothing was imported',
  });
}
