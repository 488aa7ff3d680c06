// The on-disk cache of the index client: simple API pages (PEP 503/691) and PEP 658 metadata
// files keyed by URL and revalidated with ETag/Last-Modified, and distribution files keyed by sha256.
// Nothing read back is trusted: each entry carries its own digest and a bad one is dropped.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-write.js';
import { sha256Hex } from './digest.js';

/** A stored response: enough to answer a 304 and to revalidate next time. */
export interface CachedResponse {
  /** The URL asked for. */
  url: string;
  /** The URL that answered, after redirects (relative links resolve against it). */
  finalUrl: string;
  contentType: string;
  etag?: string;
  lastModified?: string;
  body: Uint8Array;
}

interface EntryHeader {
  v: 1;
  url: string;
  variant: string;
  finalUrl: string;
  contentType: string;
  etag?: string;
  lastModified?: string;
  size: number;
  sha256: string;
}

// The layout version is in the directory names, so a future format never misreads an old one.
const RESPONSES = 'responses-v1';
const FILES = 'files-v1/sha256';

export class IndexCache {
  constructor(readonly dir: string) {}

  /**
   * The stored response for `url` fetched with `variant` (the Accept header: one URL serves HTML
   * and JSON), or undefined when absent or damaged.
   */
  async getResponse(url: string, variant: string): Promise<CachedResponse | undefined> {
    const path = this.responsePath(url, variant);
    let raw: Buffer;
    try {
      // Read synchronously: an entry is a page or a metadata file (bounded by the index's page
      // and metadata limits, a few KB as a rule), and a warm resolve reads one per request it
      // revalidates; fs/promises' readFile (a FileHandle, fstat and a thread-pool hop per file)
      // cost ~15 ms of CPU for set 0's 80 entries, readFileSync ~2. Distribution files stay async.
      raw = readFileSync(path);
    } catch {
      return undefined;
    }
    const entry = decodeEntry(raw, url, variant);
    if (entry === undefined) await rm(path, { force: true }).catch(() => {});
    return entry;
  }

  async putResponse(variant: string, response: CachedResponse): Promise<void> {
    const header: EntryHeader = {
      v: 1,
      url: response.url,
      variant,
      finalUrl: response.finalUrl,
      contentType: response.contentType,
      ...(response.etag === undefined ? {} : { etag: response.etag }),
      ...(response.lastModified === undefined ? {} : { lastModified: response.lastModified }),
      size: response.body.byteLength,
      sha256: sha256Hex(response.body),
    };
    // One file, header line then body, written whole and renamed: a reader sees all or nothing.
    const data = Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`, 'utf8'), response.body]);
    await writeAtomically(this.responsePath(response.url, variant), data);
  }

  async dropResponse(url: string, variant: string): Promise<void> {
    await rm(this.responsePath(url, variant), { force: true }).catch(() => {});
  }

  /** The file whose sha256 is `sha256`, checked again on every read; undefined if absent or altered. */
  async getFile(sha256: string): Promise<Uint8Array | undefined> {
    const path = this.filePath(sha256);
    if (path === undefined) return undefined;
    let raw: Buffer;
    try {
      raw = await readFile(path);
    } catch {
      return undefined;
    }
    if (sha256Hex(raw) !== sha256.toLowerCase()) {
      await rm(path, { force: true }).catch(() => {});
      return undefined;
    }
    return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  }

  /** Stores `bytes` under `sha256`, which the caller has already checked them against. */
  async putFile(sha256: string, bytes: Uint8Array): Promise<void> {
    const path = this.filePath(sha256);
    if (path === undefined) return;
    await writeAtomically(path, bytes);
  }

  private responsePath(url: string, variant: string): string {
    const key = createHash('sha256').update(variant).update('\n').update(url).digest('hex');
    return join(this.dir, RESPONSES, key.slice(0, 2), `${key.slice(2)}.entry`);
  }

  private filePath(sha256: string): string | undefined {
    const hex = sha256.toLowerCase();
    // The digest becomes a path: anything but 64 hex digits could name a file elsewhere.
    if (!/^[0-9a-f]{64}$/.test(hex)) return undefined;
    return join(this.dir, FILES, hex.slice(0, 2), hex.slice(2));
  }
}

function decodeEntry(raw: Buffer, url: string, variant: string): CachedResponse | undefined {
  const newline = raw.indexOf(0x0a);
  if (newline < 0) return undefined;
  let header: EntryHeader;
  try {
    header = JSON.parse(raw.subarray(0, newline).toString('utf8')) as EntryHeader;
  } catch {
    return undefined;
  }
  if (typeof header !== 'object' || header === null || header.v !== 1) return undefined;
  // A hash collision of keys, or a file copied into place by hand, must not answer for another URL.
  if (header.url !== url || header.variant !== variant) return undefined;
  if (typeof header.finalUrl !== 'string' || typeof header.contentType !== 'string') return undefined;
  const body = raw.subarray(newline + 1);
  if (body.byteLength !== header.size || sha256Hex(body) !== header.sha256) return undefined;
  return {
    url: header.url,
    finalUrl: header.finalUrl,
    contentType: header.contentType,
    ...(typeof header.etag === 'string' ? { etag: header.etag } : {}),
    ...(typeof header.lastModified === 'string' ? { lastModified: header.lastModified } : {}),
    body: new Uint8Array(body.buffer, body.byteOffset, body.byteLength),
  };
}

const writeAtomically = (path: string, data: Uint8Array): Promise<void> => writeFileAtomic(path, data, { mode: 0o644, dirMode: 0o755 });
