// `serve --accel-dir DIR`: distribution files leave through nginx, not through Node. Once the gate
// has decided to serve a file (and recorded it), it answers with `X-Accel-Redirect: PREFIX<aa>/<rest
// of the sha256>` and no body; nginx serves the bytes from DIR through an `internal` location that
// clients cannot ask for directly. DIR is a content-addressed file store (by sha256) that only this
// code writes, each file only after upstream's bytes matched the digest, and atomically (a
// temporary name, then rename), so nginx never sees a partial or unchecked file. Several replicas
// may share DIR: two writers of one digest write the same bytes.
//
// Only a request that came through such an nginx gets the redirect: nginx marks it with the header
// `X-Pyvouch-Accel: on` (docs/deploy.md). Asked directly, the server sends the bytes itself, so a
// client that bypasses nginx never receives an empty file.

import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { IndexFile } from '../simple/types.js';
import type { Upstream } from './upstream.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

export interface AccelOptions {
  dir: string;
  /** The internal nginx location that maps onto `dir` (default `/_pyvouch/files/`). */
  prefix?: string;
}

/** The request header nginx sets to say it follows X-Accel-Redirect. */
export const ACCEL_HEADER = 'x-pyvouch-accel';

export class AccelFiles {
  readonly dir: string;
  readonly prefix: string;
  /** Digests being written now, so concurrent downloads of one file fetch it once. */
  readonly #writing = new Map<string, Promise<void>>();

  constructor(
    options: AccelOptions,
    private readonly upstream: Upstream,
  ) {
    this.dir = options.dir;
    const prefix = options.prefix ?? '/_pyvouch/files/';
    this.prefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  /** The file's place in DIR, relative (`aa/rest`), or undefined when `sha256` is no digest. */
  static relativePath(sha256: string): string | undefined {
    const hex = sha256.toLowerCase();
    // The digest becomes a path: anything but 64 hex digits could name a file elsewhere.
    return /^[0-9a-f]{64}$/.test(hex) ? `${hex.slice(0, 2)}/${hex.slice(2)}` : undefined;
  }

  /**
   * Makes sure the checked bytes of `file` are in DIR and returns the X-Accel-Redirect target;
   * undefined when the request did not come through nginx (the server then sends the bytes).
   * Throws what upstream's download throws (DIGEST_MISMATCH, INDEX_HTTP, IO).
   */
  async prepare(req: IncomingMessage, file: IndexFile, sha256: string): Promise<string | undefined> {
    if (req.headers[ACCEL_HEADER] !== 'on') return undefined;
    const relative = AccelFiles.relativePath(sha256);
    if (relative === undefined) throw new Error(`'${sha256}' is not a sha256 digest`);
    const path = join(this.dir, relative);
    const present = await stat(path).then(
      (s) => s.isFile() && (file.size === undefined || s.size === file.size),
      () => false,
    );
    if (!present) {
      let writing = this.#writing.get(relative);
      if (writing === undefined) {
        writing = this.#write(file, path).finally(() => this.#writing.delete(relative));
        this.#writing.set(relative, writing);
      }
      await writing;
    }
    return `${this.prefix}${relative}`;
  }

  async #write(file: IndexFile, path: string): Promise<void> {
    // upstream.download checks the bytes against upstream's digest before returning them.
    const bytes = await this.upstream.download(file);
    await writeFileAtomic(path, bytes, { mode: 0o644, dirMode: 0o755 });
  }
}
