// The gated index's view of its upstream (an http(s) simple API root, or a directory of wheels and
// sdists), through the index client of src/index: project pages (PEP 503/691) kept in memory for a
// short time and revalidated with the on-disk cache's validators, files checked against upstream's
// digests before anyone sees a byte, PEP 658 metadata files, PEP 740 provenance, and the project list.

import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PyvouchError } from '../errors.js';
import { HttpClient, type HttpOptions } from '../simple/http.js';
import { LocalIndex, distributionName } from '../simple/local-index.js';
import { openIndex } from '../simple/open.js';
import { sha256Hex } from '../simple/digest.js';
import type { IndexFile, PackageIndex, ProjectPage } from '../simple/types.js';
import { canonicalizeName } from '../pep/name.js';
import type { ServerMetrics } from './metrics.js';

const MiB = 1024 * 1024;
const PROJECT_LIST_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01';
export const PROVENANCE_TYPE = 'application/vnd.pypi.integrity.v1+json';

export interface UpstreamOptions {
  /** On-disk cache of the index client (pages with validators, files by sha256); none when absent. */
  cacheDir?: string;
  /** How long a project page is answered from memory before upstream is asked again (default 60 s). */
  pageTtlMs?: number;
  /** Project pages kept in memory (default 5000). */
  maxPages?: number;
  http?: HttpOptions;
  metrics?: ServerMetrics;
  now?: () => number;
}

export interface CachedPage {
  page: ProjectPage | undefined;
  /** Changes whenever the page was fetched again, so renderings of the old one are dropped. */
  serial: number;
  fetchedAt: number;
}

export interface ProjectName {
  name: string;
  canonical: string;
}

export class Upstream {
  /** The upstream index root as the index client names it (what a policy's index party names). */
  readonly url: string;
  readonly local: boolean;
  private readonly location: string;
  private readonly cacheDir: string | undefined;
  private readonly http: HttpClient | undefined;
  /** Long-lived: downloads and metadata (the client memoises only requests in flight). */
  private readonly files: PackageIndex;
  private readonly pageTtlMs: number;
  private readonly maxPages: number;
  private metrics: ServerMetrics | undefined;
  private readonly now: () => number;
  private readonly pages = new Map<string, CachedPage>();
  private readonly pending = new Map<string, Promise<CachedPage>>();
  private serial = 0;
  private projectList: { at: number; names: Promise<ProjectName[] | undefined> } | undefined;

  constructor(location: string, options: UpstreamOptions = {}) {
    this.location = location;
    this.cacheDir = options.cacheDir;
    this.pageTtlMs = options.pageTtlMs ?? 60_000;
    this.maxPages = options.maxPages ?? 5000;
    this.metrics = options.metrics;
    this.now = options.now ?? Date.now;
    const probe = openIndex(location);
    this.local = probe instanceof LocalIndex;
    if (this.local) {
      this.http = undefined;
      this.files = probe;
    } else {
      // One client for everything, so its bound on requests in flight covers the whole server.
      this.http = new HttpClient({ userAgent: 'pyvouch-serve', ...options.http });
      this.files = this.openRemote();
    }
    this.url = this.files.url;
  }

  /** Where upstream latency is observed (the server's metrics, known only once it starts). */
  useMetrics(metrics: ServerMetrics): void {
    this.metrics = metrics;
  }

  private openRemote(): PackageIndex {
    return openIndex(this.location, { ...(this.http === undefined ? {} : { http: this.http }), ...(this.cacheDir === undefined ? {} : { cacheDir: this.cacheDir }) });
  }

  /**
   * The project's page, from memory while fresh, else from upstream (revalidated with the disk
   * cache's ETag). Concurrent callers share one fetch. Throws (INDEX_HTTP, INDEX_PARSE, IO) when
   * upstream cannot answer: a page is never invented, and no stale one is served in its place.
   */
  async page(canonical: string): Promise<CachedPage> {
    const cached = this.freshPage(canonical);
    if (cached !== undefined) return cached;
    let pending = this.pending.get(canonical);
    if (pending === undefined) {
      pending = this.fetchPage(canonical);
      this.pending.set(canonical, pending);
      const done = (): void => {
        this.pending.delete(canonical);
      };
      pending.then(done, done);
    }
    return pending;
  }

  /** The page from memory while it is fresh, without a promise (the cached page's hot path). */
  freshPage(canonical: string): CachedPage | undefined {
    const cached = this.pages.get(canonical);
    return cached !== undefined && this.now() - cached.fetchedAt < this.pageTtlMs ? cached : undefined;
  }

  /** The page as it is cached, fresh or not (for pages that must not wait for upstream). */
  peek(canonical: string): CachedPage | undefined {
    return this.pages.get(canonical);
  }

  private async fetchPage(canonical: string): Promise<CachedPage> {
    // The index client memoises pages for the life of an instance (right for one resolution);
    // a fresh instance per refresh, sharing client and disk cache, asks upstream again.
    const index = this.local ? this.files : this.openRemote();
    if (index instanceof LocalIndex) index.refresh();
    const page = await this.time('page', () => index.project(canonical));
    const previous = this.pages.get(canonical);
    const entry: CachedPage = {
      page,
      // Unchanged content keeps its serial, so renderings of it stay valid.
      serial: previous !== undefined && samePage(previous.page, page) ? previous.serial : ++this.serial,
      fetchedAt: this.now(),
    };
    this.pages.delete(canonical);
    this.pages.set(canonical, entry);
    if (this.pages.size > this.maxPages) {
      const oldest = this.pages.keys().next();
      if (oldest.done !== true) this.pages.delete(oldest.value);
    }
    return entry;
  }

  /** The file's bytes, checked against every digest upstream states (DIGEST_MISMATCH otherwise). */
  async download(file: IndexFile): Promise<Uint8Array> {
    return this.time('file', () => this.files.download(file));
  }

  /** The PEP 658 metadata file's bytes, checked against the digest upstream states for it. */
  async metadata(file: IndexFile): Promise<Uint8Array> {
    const text = await this.time('metadata', () => this.files.coreMetadata(file));
    const bytes = new Uint8Array(Buffer.from(text, 'utf8'));
    const expected = file.coreMetadata === false ? undefined : file.coreMetadata.hashes['sha256'];
    if (expected === undefined || sha256Hex(bytes) === expected) return bytes;
    // The client decodes the file as text, which drops a byte order mark; put it back if that was all.
    const withBom = new Uint8Array(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]));
    if (sha256Hex(withBom) === expected) return withBom;
    throw new PyvouchError('DIGEST_MISMATCH', `${file.filename}.metadata: the metadata file does not match the sha256 upstream states for it`, {
      file: file.url,
    });
  }

  /** The PEP 740 provenance upstream serves for the file, passed through unchanged. */
  async provenance(file: IndexFile): Promise<{ body: Uint8Array; contentType: string } | undefined> {
    const url = file.provenance;
    if (url === undefined || this.http === undefined) return undefined;
    const http = this.http;
    const res = await this.time('provenance', () =>
      http.get(url, { headers: { Accept: PROVENANCE_TYPE }, maxBytes: 16 * MiB, what: `the provenance of ${file.filename}` }),
    );
    if (res.status === 404) return undefined;
    return { body: res.body, contentType: res.headers.get('content-type') ?? PROVENANCE_TYPE };
  }

  /** Upstream's project list; undefined when it has none (a directory lists what it holds). */
  async projects(): Promise<ProjectName[] | undefined> {
    if (this.projectList === undefined || this.now() - this.projectList.at >= this.pageTtlMs) {
      const names = this.time('projects', () => (this.files instanceof LocalIndex ? listDirectory(this.files.root) : this.fetchProjectList()));
      this.projectList = { at: this.now(), names };
      names.catch(() => {
        if (this.projectList?.names === names) this.projectList = undefined;
      });
    }
    return this.projectList.names;
  }

  private async fetchProjectList(): Promise<ProjectName[] | undefined> {
    const http = this.http!;
    const res = await http.get(this.url, { headers: { Accept: PROJECT_LIST_ACCEPT }, maxBytes: 256 * MiB, what: 'the project list' });
    if (res.status === 404) return undefined;
    const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    const text = Buffer.from(res.body).toString('utf8');
    const names: string[] = [];
    if (type.endsWith('+json')) {
      const value = JSON.parse(text) as { projects?: { name?: unknown }[] };
      for (const p of value.projects ?? []) if (typeof p.name === 'string') names.push(p.name);
    } else {
      for (const m of text.matchAll(/<a\b[^>]*>([^<]*)<\/a>/gi)) names.push(unescapeHtml(m[1]!.trim()));
    }
    return dedupe(names);
  }

  private time<T>(kind: string, work: () => Promise<T>): Promise<T> {
    return this.metrics === undefined ? work() : this.metrics.timeUpstream(kind, work);
  }
}

async function listDirectory(root: string): Promise<ProjectName[]> {
  const names: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    if (entry.isDirectory()) {
      // A PEP 503 tree names projects by directory, but only one holding distributions is a project.
      const inside = await readdir(join(root, entry.name)).catch(() => [] as string[]);
      if (inside.some((f) => distributionName(f) === canonicalizeName(entry.name))) names.push(entry.name);
    } else {
      const project = distributionName(entry.name);
      if (project !== undefined) names.push(project);
    }
  }
  return dedupe(names);
}

function dedupe(names: readonly string[]): ProjectName[] {
  const seen = new Map<string, ProjectName>();
  for (const name of names) {
    const canonical = canonicalizeName(name);
    if (canonical !== '' && !seen.has(canonical)) seen.set(canonical, { name, canonical });
  }
  return [...seen.values()].sort((a, b) => (a.canonical < b.canonical ? -1 : a.canonical > b.canonical ? 1 : 0));
}

function unescapeHtml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" })[e] ?? _);
}

function samePage(a: ProjectPage | undefined, b: ProjectPage | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return JSON.stringify(a.files) === JSON.stringify(b.files);
}
