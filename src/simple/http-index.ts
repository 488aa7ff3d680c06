// The PackageIndex of a remote simple API: PEP 503 HTML or PEP 691 JSON pages chosen by content
// negotiation, PEP 658/714 metadata files, and downloads checked against the index's digests.

import { PyvouchError } from '../errors.js';
import { archiveLimits, type ArchiveLimits } from '../artifact/limits.js';
import { parseSdistFilename, parseWheelFilename } from '../pep/filename.js';
import { parseCoreMetadata } from '../pep/metadata.js';
import { canonicalizeName } from '../pep/name.js';
import type { IndexCache } from './cache.js';
import { checkableAlgorithms, verifyDigests } from './digest.js';
import { HttpClient } from './http.js';
import { parseSimpleHtml } from './simple-html.js';
import { parseSimpleJson } from './simple-json.js';
import type { IndexFile, PackageIndex, ProjectPage } from './types.js';
import type { Provenance } from '../provenance/attestation.js';
import { memo, METADATA_MEMO } from '../memo.js';

// The wheel reader (zip, tar) and the PEP 740 parser (Sigstore's bundle types) load on first use:
// a resolve over an index with PEP 658 files needs neither, and they are most of what it would load.

/** PEP 691's recommended Accept header: JSON first, HTML for older indexes, text/html as a last resort. */
export const SIMPLE_ACCEPT =
  'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';

/** PyPI's Integrity API answers JSON under its own media type. */
export const PROVENANCE_ACCEPT = 'application/vnd.pypi.integrity.v1+json, application/json;q=0.9';

const MiB = 1024 * 1024;

export interface HttpIndexOptions {
  /** Share one client between indexes so they share one bound on requests in flight. */
  http?: HttpClient;
  cache?: IndexCache;
  /** Largest project page (default 64 MiB: PyPI's largest pages are a few MiB). */
  maxPageBytes?: number;
  /** Largest PEP 658 metadata file (default 16 MiB). */
  maxMetadataBytes?: number;
  /** Largest distribution file (default 1 GiB); a smaller `size` stated by the index also binds. */
  maxDownloadBytes?: number;
  /** Limits for reading METADATA out of a downloaded wheel. */
  archiveLimits?: Partial<ArchiveLimits>;
}

interface Fetched {
  finalUrl: string;
  contentType: string;
  body: Uint8Array;
}

export class HttpIndex implements PackageIndex {
  readonly url: string;
  private readonly http: HttpClient;
  private readonly cache: IndexCache | undefined;
  private readonly maxPageBytes: number;
  private readonly maxMetadataBytes: number;
  private readonly maxDownloadBytes: number;
  private readonly limits: ArchiveLimits;
  // The resolver asks for the same project and file many times, often concurrently: one request each.
  private readonly pages = new Map<string, Promise<ProjectPage | undefined>>();
  private readonly downloads = new Map<string, Promise<Uint8Array>>();
  private readonly metadata = new Map<string, Promise<string>>();

  constructor(url: string, options: HttpIndexOptions = {}) {
    this.http = options.http ?? new HttpClient();
    const root = this.http.rememberCredentials(url);
    // Project URLs are relative to the root, which only works when the root ends with '/'.
    this.url = root.endsWith('/') ? root : `${root}/`;
    this.cache = options.cache;
    this.maxPageBytes = options.maxPageBytes ?? 64 * MiB;
    this.maxMetadataBytes = options.maxMetadataBytes ?? 16 * MiB;
    this.maxDownloadBytes = options.maxDownloadBytes ?? 1024 * MiB;
    this.limits = archiveLimits(options.archiveLimits);
  }

  async project(name: string): Promise<ProjectPage | undefined> {
    // PEP 503: clients must ask for the normalized name and not rely on the index redirecting.
    const canonical = canonicalizeName(name, { validate: true });
    return memo(this.pages, canonical, () => this.fetchProject(canonical));
  }

  coreMetadata(file: IndexFile): Promise<string> {
    // A resolve for many targets (--matrix, check --all-targets) asks for the same files' metadata
    // once per target: read and check each once. Keyed by the digests too, so another page's
    // claim about the same URL is checked on its own.
    // Bounded: a long-running serve reads metadata of ever more releases (oldest forgotten first).
    return memo(this.metadata, `${file.url}\n${JSON.stringify(file.hashes)}\n${JSON.stringify(file.coreMetadata)}`, () => this.readCoreMetadata(file), METADATA_MEMO);
  }

  private async readCoreMetadata(file: IndexFile): Promise<string> {
    if (file.coreMetadata !== false) {
      const url = metadataUrl(file.url);
      const hashes = file.coreMetadata.hashes;
      const fetched = await this.fetchRevalidated(url, '*/*', this.maxMetadataBytes, `the metadata file of ${file.filename}`, hashes);
      // An advertised file that is missing is the index's bug; the wheel still holds the truth.
      if (fetched !== undefined) {
        verifyDigests(fetched.body, hashes, `${file.filename}.metadata`, url);
        const text = decodeMetadata(fetched.body, url);
        checkMetadataNames(text, file.filename, url);
        return text;
      }
    }
    if (file.filename.toLowerCase().endsWith('.whl')) {
      const [bytes, { readWheelMetadata }] = await Promise.all([this.download(file), import('../artifact/wheel.js')]);
      const { text } = await readWheelMetadata(bytes, file.filename, { limits: this.limits });
      return text;
    }
    throw new PyvouchError(
      'INDEX_NO_METADATA',
      `${file.filename}: the index serves no metadata file for it, and an sdist's metadata is only known by reading the sdist`,
      { file: file.url, help: 'download the sdist and read it with readSdistMetadata or sdistDependencies (src/artifact/sdist.ts)' },
    );
  }

  /**
   * PEP 740: the file's provenance from the `provenance` URL its page gives; undefined when the
   * page gives none or the URL answers 404. Malformed provenance throws PROVENANCE_INVALID: what
   * it means for trust (not verified) is for the caller to decide.
   */
  async provenance(file: IndexFile): Promise<Provenance | undefined> {
    if (file.provenance === undefined) return undefined;
    const what = `the provenance of ${file.filename}`;
    const fetched = await this.fetchRevalidated(file.provenance, PROVENANCE_ACCEPT, this.maxMetadataBytes, what);
    if (fetched === undefined) return undefined;
    const { parseProvenanceJson } = await import('../provenance/attestation.js');
    return parseProvenanceJson(Buffer.from(fetched.body).toString('utf8'), file.provenance);
  }

  download(file: IndexFile): Promise<Uint8Array> {
    // Only requests in flight are shared: holding every downloaded file in memory would not scale,
    // and the on-disk cache serves repeats.
    const known = this.downloads.get(file.url);
    if (known !== undefined) return known;
    const promise = this.fetchFile(file);
    this.downloads.set(file.url, promise);
    const forget = (): void => {
      this.downloads.delete(file.url);
    };
    promise.then(forget, forget);
    return promise;
  }

  private async fetchProject(canonical: string): Promise<ProjectPage | undefined> {
    const url = new URL(`${encodeURIComponent(canonical)}/`, this.url).href;
    const fetched = await this.fetchRevalidated(url, SIMPLE_ACCEPT, this.maxPageBytes, `the project page of '${canonical}'`);
    if (fetched === undefined) return undefined;
    const type = mediaType(fetched.contentType);
    if (type === 'application/vnd.pypi.simple.v1+json') {
      return parseSimpleJson(decodePage(fetched, true), fetched.finalUrl, canonical);
    }
    if (type === 'application/vnd.pypi.simple.v1+html' || type === 'text/html') {
      return parseSimpleHtml(decodePage(fetched, false), fetched.finalUrl, canonical);
    }
    const versioned = /^application\/vnd\.pypi\.simple\.v(\d+)\+(json|html)$/.exec(type);
    const why = versioned
      ? `simple API version ${versioned[1]} is not supported (this client reads version 1)`
      : `unexpected Content-Type '${fetched.contentType}' (expected a simple API page, HTML or JSON)`;
    throw new PyvouchError('INDEX_PARSE', why, {
      file: fetched.finalUrl,
      help: 'check that the index URL points at a simple API root, such as https://pypi.org/simple/',
    });
  }

  private async fetchFile(file: IndexFile): Promise<Uint8Array> {
    const sha256 = file.hashes.sha256;
    if (sha256 !== undefined && this.cache !== undefined) {
      const hit = await this.cache.getFile(sha256);
      if (hit !== undefined) return hit;
    }
    const res = await this.http.get(file.url, {
      // A server that gzips a .tar.gz on the fly would otherwise hand us bytes with another digest.
      headers: { Accept: '*/*', 'Accept-Encoding': 'identity' },
      maxBytes: this.maxDownloadBytes,
      what: file.filename,
    });
    if (res.status !== 200) {
      throw new PyvouchError('INDEX_HTTP', `cannot fetch ${file.filename}: HTTP ${res.status}`, {
        file: file.url,
        help: res.status === 404 ? 'the index lists a file it does not serve; refresh the index or report it' : 'try again later',
      });
    }
    verifyDigests(res.body, file.hashes, file.filename, file.url, { sha256: res.sha256 });
    if (file.size !== undefined && res.body.byteLength !== file.size) {
      throw new PyvouchError(
        'DIGEST_MISMATCH',
        `${file.filename}: ${res.body.byteLength} bytes downloaded, but the index says ${file.size}`,
        { file: file.url, help: 'the file was altered on the index or on the way; do not use it' },
      );
    }
    if (sha256 !== undefined && this.cache !== undefined) {
      // The cache is an optimisation: a read-only or full disk must not fail the run.
      await this.cache.putFile(sha256, res.body).catch(() => {});
    }
    return res.body;
  }

  /**
   * GET through the on-disk cache: a stored answer is revalidated with its ETag/Last-Modified and
   * reused on 304. With `expected` digests, a stored body that does not match them is not offered.
   * Undefined on 404.
   */
  private async fetchRevalidated(
    url: string,
    accept: string,
    maxBytes: number,
    what: string,
    expected?: Readonly<Record<string, string>>,
  ): Promise<Fetched | undefined> {
    let cached = this.cache === undefined ? undefined : await this.cache.getResponse(url, accept);
    if (cached !== undefined && expected !== undefined && !matches(cached.body, expected)) cached = undefined;
    // Content-addressed: the page just read names the body's sha256, and the stored body has it,
    // so it is that body whatever the server would say now. No round trip (warm resolves).
    if (cached !== undefined && expected?.sha256 !== undefined) return cached;
    const headers: Record<string, string> = { Accept: accept };
    if (cached?.etag !== undefined) headers['If-None-Match'] = cached.etag;
    if (cached?.lastModified !== undefined) headers['If-Modified-Since'] = cached.lastModified;
    const res = await this.http.get(url, { headers, maxBytes, what });
    if (res.status === 404) {
      await this.cache?.dropResponse(url, accept);
      return undefined;
    }
    if (res.status === 304) {
      if (cached !== undefined) return cached;
      throw new PyvouchError('INDEX_HTTP', `cannot fetch ${what}: HTTP 304 to a request that was not conditional`, {
        file: url,
        help: 'a proxy between you and the index answers wrongly; try without it',
      });
    }
    const etag = res.headers.get('etag') ?? undefined;
    const lastModified = res.headers.get('last-modified') ?? undefined;
    const fetched = { finalUrl: res.url, contentType: res.headers.get('content-type') ?? '', body: res.body };
    // Without a validator every use would refetch anyway, unless the body is known by its digest.
    if (this.cache !== undefined && (etag !== undefined || lastModified !== undefined || (expected?.sha256 !== undefined && matches(res.body, expected)))) {
      await this.cache
        .putResponse(accept, {
          url,
          ...fetched,
          ...(etag === undefined ? {} : { etag }),
          ...(lastModified === undefined ? {} : { lastModified }),
        })
        .catch(() => {});
    }
    return fetched;
  }
}

/** PEP 658: the metadata file is the file's URL with `.metadata` appended to its path. */
export function metadataUrl(fileUrl: string): string {
  const u = new URL(fileUrl);
  u.pathname += '.metadata';
  return u.href;
}

function matches(body: Uint8Array, expected: Readonly<Record<string, string>>): boolean {
  if (checkableAlgorithms(expected).length === 0) return true;
  try {
    verifyDigests(body, expected, '', '');
    return true;
  } catch {
    return false;
  }
}

/** `type/subtype` of a Content-Type header, lower-cased, without parameters. */
function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

function decodePage(fetched: Fetched, json: boolean): string {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(fetched.contentType)?.[1]?.toLowerCase();
  // JSON is UTF-8 by RFC 8259; an HTML page may name its charset.
  const encoding = json || charset === undefined ? 'utf-8' : charset;
  let decoder: InstanceType<typeof TextDecoder>;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new PyvouchError('INDEX_PARSE', `unknown charset '${charset}' in Content-Type`, { file: fetched.finalUrl });
  }
  try {
    return decoder.decode(fetched.body);
  } catch (err) {
    throw new PyvouchError('INDEX_PARSE', `the page is not valid ${encoding}`, { file: fetched.finalUrl, cause: err });
  }
}

function decodeMetadata(body: Uint8Array, url: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch (err) {
    throw new PyvouchError('INDEX_PARSE', 'the metadata file is not valid UTF-8', { file: url, cause: err });
  }
}

/**
 * A metadata file that describes another project or version than its file would let an index
 * (or a mirror) feed the resolver dependencies the real file does not have.
 */
function checkMetadataNames(text: string, filename: string, url: string): void {
  let expected: { name: string; version: string };
  try {
    const parsed = filename.toLowerCase().endsWith('.whl') ? parseWheelFilename(filename) : parseSdistFilename(filename);
    expected = { name: parsed.name, version: parsed.version.toString() };
  } catch {
    return; // not a name we can check against; the resolver will not use such a file anyway
  }
  const metadata = parseCoreMetadata(text, { file: url });
  if (metadata.canonicalName !== expected.name || metadata.version !== expected.version) {
    throw new PyvouchError(
      'INDEX_PARSE',
      `the metadata file describes ${metadata.name} ${metadata.version}, not ${filename}`,
      { file: url, help: 'the index serves metadata of another file; report it to the index operator' },
    );
  }
}
