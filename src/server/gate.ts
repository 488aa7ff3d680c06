// The gate itself: the simple API pages (PEP 503/691) and the files, metadata (PEP 658) and
// provenance (PEP 740) they link to, each checked against the policy per file (decide.ts) in the
// server's mode:
//   filter  untrusted files are left out of project pages (pip picks a trusted version or finds none),
//           and their downloads are refused all the same;
//   deny    pages list every file; downloading an untrusted one answers 403 with the reason;
//   audit   everything is served; what the other modes would refuse is logged.
// Files are fetched by this server, checked against upstream's digests, and only then sent: the
// client is never redirected upstream. Every download and every newly hidden file is recorded in
// the decision log.

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isPyvouchError } from '../errors.js';
import type { IndexFile } from '../simple/types.js';
import { canonicalizeName, isValidName } from '../pep/name.js';
import type { DecisionAction, DecisionLog, DecisionRecord, ServeMode } from '../store/decisions.js';
import { explainNode } from '../trust/report.js';
import { releaseOf } from '../pep/filename.js';
import type { Decider, FileDecision } from './decide.js';
import type { Freshness } from './freshness.js';
import type { Logger } from './log.js';
import type { ServerMetrics } from './metrics.js';
import { negotiatePage } from './negotiate.js';
import { pageVersions, renderProjectHtml, renderProjectJson, renderProjectListHtml, renderProjectListJson, type ServedFile } from './render.js';
import { clientAddress, sendText } from './respond.js';
import type { CachedPage, Upstream } from './upstream.js';

export interface GateOptions {
  mode: ServeMode;
  upstream: Upstream;
  decider: Decider;
  decisions: DecisionLog;
  freshness: Freshness;
  metrics: ServerMetrics;
  logger: Logger;
  /** How long a rendered filter-mode page is reused at most (decisions expire with time too). */
  decisionTtlMs: number;
  now: () => Date;
  /** `serve --accel-dir`: allowed files leave through nginx's X-Accel-Redirect (accel.ts). */
  accel?: { prepare(req: IncomingMessage, file: IndexFile, sha256: string): Promise<string | undefined> };
}

interface Rendered {
  serial: number;
  generation: string;
  at: number;
  body: Buffer;
  etag: string;
  contentType: string;
  /** The headers of a 304 and of a 200, built once per rendering rather than per request. */
  notModified: Readonly<Record<string, string>>;
  ok: Readonly<Record<string, string>>;
}

// Frozen, so the metrics compute their series key once.
const PAGE_HIT = Object.freeze({ result: 'hit' });
const PAGE_MISS = Object.freeze({ result: 'miss' });

const MAX_RENDERED = 10_000;

export class Gate {
  private readonly rendered = new Map<string, Rendered>();
  /** What was last logged as hidden per file, so a page view logs only changes, not every view. */
  private readonly lastHidden = new Map<string, string>();

  constructor(private readonly o: GateOptions) {
    o.freshness.onChange(() => this.rendered.clear());
  }

  /** GET /simple/: upstream's project list, when it has one. */
  async projectList(req: IncomingMessage, res: ServerResponse, query: URLSearchParams, head: boolean): Promise<void> {
    const negotiated = negotiatePage(req.headers.accept, query.get('format') ?? undefined);
    if (negotiated === undefined) return notAcceptable(res, head);
    let names;
    try {
      names = await this.o.upstream.projects();
    } catch (err) {
      return this.badGateway(res, 'the project list', err, head);
    }
    if (names === undefined) return sendText(res, 404, 'pyvouch: upstream has no project list; ask for /simple/<project>/', { head });
    const body = Buffer.from(negotiated.format === 'json' ? renderProjectListJson(names) : renderProjectListHtml(names), 'utf8');
    send(res, 200, body, negotiated.contentType, etagOf(body), req, head);
  }

  /** GET /simple/<name>/ */
  async projectPage(req: IncomingMessage, res: ServerResponse, name: string, query: URLSearchParams, head: boolean): Promise<void> {
    if (!isValidName(name)) return sendText(res, 404, `pyvouch: '${name}' is not a valid project name`, { head });
    const canonical = canonicalizeName(name);
    if (canonical !== name) return redirect(res, `../${encodeURIComponent(canonical)}/${queryString(query)}`, head);
    const negotiated = negotiatePage(req.headers.accept, query.get('format') ?? undefined);
    if (negotiated === undefined) return notAcceptable(res, head);

    // The hot path of the whole server: a cached page under an unchanged generation is a few map
    // lookups and one write of precomputed bytes and headers, without awaiting anything.
    const cached = this.o.upstream.freshPage(canonical) ?? (await this.pageOr502(res, canonical, head));
    if (cached === undefined) return;
    const page = cached.page;
    if (page === undefined) return sendText(res, 404, `pyvouch: upstream has no project '${canonical}'`, { head });

    const filtering = this.o.mode === 'filter';
    const generation = filtering ? (this.o.freshness.lax() ?? (await this.o.freshness.current(false))) : '';
    const key = `${canonical}\u0000${negotiated.contentType}`;
    const now = this.o.now().getTime();
    const hit = this.rendered.get(key);
    if (
      hit !== undefined &&
      hit.serial === cached.serial &&
      hit.generation === generation &&
      (!filtering || now - hit.at < this.o.decisionTtlMs)
    ) {
      this.o.metrics.pageCache.inc(PAGE_HIT);
      return sendRendered(res, hit, req, head);
    }
    this.o.metrics.pageCache.inc(PAGE_MISS);

    let files = page.files;
    // Deny and audit pages decide nothing, but the cooldown's first-seen clock starts at listing.
    if (!filtering) await this.o.decider.firstSeen(canonical, files);
    if (filtering) {
      const decisions = await this.o.decider.decide(canonical, files, false);
      await this.recordHidden(req, decisions);
      files = files.filter((_, i) => decisions[i]!.allowed);
    }
    const served = files.map((f) => servedFile(canonical, f));
    const text =
      negotiated.format === 'json'
        ? renderProjectJson({ name: canonical, files: served }, pageVersions(served, (f) => releaseOf(f)?.version))
        : renderProjectHtml({ name: canonical, files: served });
    const body = Buffer.from(text, 'utf8');
    const etag = etagOf(body);
    const headers = pageHeaders(negotiated.contentType, etag);
    const entry: Rendered = {
      serial: cached.serial,
      generation,
      at: now,
      body,
      etag,
      contentType: negotiated.contentType,
      notModified: headers,
      ok: { ...headers, 'Content-Length': String(body.length) },
    };
    this.rendered.delete(key);
    this.rendered.set(key, entry);
    if (this.rendered.size > MAX_RENDERED) {
      const oldest = this.rendered.keys().next();
      if (oldest.done !== true) this.rendered.delete(oldest.value);
    }
    sendRendered(res, entry, req, head);
  }

  /** GET /files/<project>/<filename>[.metadata|.provenance] */
  async file(req: IncomingMessage, res: ServerResponse, project: string, name: string, head: boolean): Promise<void> {
    const canonical = canonicalizeName(project);
    if (canonical !== project) return redirect(res, `../${encodeURIComponent(canonical)}/${encodeURIComponent(name)}`, head);
    const cached = await this.pageOr502(res, canonical, head);
    if (cached === undefined) return;
    const files = cached.page?.files ?? [];
    const find = (filename: string): IndexFile | undefined => files.find((f) => f.filename === filename);
    const exact = find(name);
    if (exact !== undefined) return this.download(req, res, canonical, exact, head);
    for (const [suffix, serve] of [
      ['.metadata', (f: IndexFile) => this.metadata(req, res, canonical, f, head)],
      ['.provenance', (f: IndexFile) => this.provenance(req, res, canonical, f, head)],
    ] as const) {
      if (!name.endsWith(suffix)) continue;
      const base = find(name.slice(0, -suffix.length));
      if (base !== undefined) return serve(base);
    }
    sendText(res, 404, `pyvouch: upstream lists no file '${name}' for project '${canonical}'`, { head });
  }

  private async download(req: IncomingMessage, res: ServerResponse, project: string, file: IndexFile, head: boolean): Promise<void> {
    const [decision] = await this.o.decider.decide(project, [file], true);
    const d = decision!;
    if (!d.allowed && this.o.mode !== 'audit') {
      await this.record(req, d, 'refuse').catch(() => undefined);
      this.o.logger.log('warn', 'refused', { client: clientAddress(req), file: d.filename, reason: d.summary });
      const body = [d.summary, '', ...(d.report === undefined ? d.reasons : explainNode(d.report))].join('\n');
      return sendText(res, 403, body, { statusMessage: `Forbidden: ${d.summary}`, head });
    }
    const action: DecisionAction = d.allowed ? 'serve' : 'audit';
    if (action === 'audit') this.o.logger.log('warn', 'audit: serving a file the policy refuses', { client: clientAddress(req), file: d.filename, reason: d.summary });
    const etag = d.sha256 === null ? undefined : `"${d.sha256}"`;
    if (head) {
      const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-cache' };
      if (file.size !== undefined) headers['Content-Length'] = String(file.size);
      if (etag !== undefined) headers['ETag'] = etag;
      res.writeHead(200, headers);
      res.end();
      return;
    }
    if (etag !== undefined && ifNoneMatch(req, etag)) {
      if (!(await this.recordOr503(req, res, d, action))) return;
      res.writeHead(304, { ETag: etag, 'Cache-Control': 'no-cache' });
      res.end();
      return;
    }
    let bytes: Uint8Array;
    let accel: string | undefined;
    try {
      accel = this.o.accel === undefined || d.sha256 === null ? undefined : await this.o.accel.prepare(req, file, d.sha256);
      bytes = accel === undefined ? await this.o.upstream.download(file) : new Uint8Array(0);
    } catch (err) {
      const mismatch = isPyvouchError(err) && err.code === 'DIGEST_MISMATCH';
      const reason = mismatch
        ? `${file.filename} does not match the digest upstream states for it; refused`
        : `cannot fetch ${file.filename} from upstream: ${errorMessage(err)}`;
      await this.record(req, { ...d, reasons: [reason] }, 'error').catch(() => undefined);
      this.o.logger.log('error', mismatch ? 'digest mismatch' : 'upstream download failed', { file: file.filename, error: errorMessage(err) });
      return sendText(res, 502, `pyvouch: ${reason}`, { statusMessage: mismatch ? 'Bad Gateway: digest mismatch' : 'Bad Gateway' });
    }
    // Unrecorded bytes are not served: the log is the audit trail of everything that left.
    if (!(await this.recordOr503(req, res, d, action))) return;
    if (accel !== undefined) {
      // Decided and recorded: nginx sends the checked bytes from the shared file store.
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff', 'X-Accel-Redirect': accel, ...(etag === undefined ? {} : { ETag: etag }) });
      res.end();
      return;
    }
    res.writeHead(200, {
      'Content-Type': 'application/octet-stream',
      'Content-Length': String(bytes.byteLength),
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      ...(etag === undefined ? {} : { ETag: etag }),
    });
    res.end(bytes);
  }

  private async metadata(req: IncomingMessage, res: ServerResponse, project: string, file: IndexFile, head: boolean): Promise<void> {
    if (file.coreMetadata === false || !(await this.listed(project, file))) {
      return sendText(res, 404, `pyvouch: no metadata file for '${file.filename}'`, { head });
    }
    let bytes: Uint8Array;
    try {
      bytes = await this.o.upstream.metadata(file);
    } catch (err) {
      return this.badGateway(res, `the metadata of ${file.filename}`, err, head);
    }
    send(res, 200, Buffer.from(bytes), 'application/octet-stream', etagOf(bytes), req, head);
  }

  private async provenance(req: IncomingMessage, res: ServerResponse, project: string, file: IndexFile, head: boolean): Promise<void> {
    if (file.provenance === undefined || !(await this.listed(project, file))) {
      return sendText(res, 404, `pyvouch: no provenance for '${file.filename}'`, { head });
    }
    let found;
    try {
      found = await this.o.upstream.provenance(file);
    } catch (err) {
      return this.badGateway(res, `the provenance of ${file.filename}`, err, head);
    }
    if (found === undefined) return sendText(res, 404, `pyvouch: upstream serves no provenance for '${file.filename}'`, { head });
    const body = Buffer.from(found.body);
    send(res, 200, body, found.contentType, etagOf(body), req, head);
  }

  /** Whether the file appears on its project page (in filter mode, only trusted files do). */
  private async listed(project: string, file: IndexFile): Promise<boolean> {
    if (this.o.mode !== 'filter') return true;
    const [decision] = await this.o.decider.decide(project, [file], false);
    return decision?.allowed === true;
  }

  private async pageOr502(res: ServerResponse, canonical: string, head: boolean): Promise<CachedPage | undefined> {
    try {
      return await this.o.upstream.page(canonical);
    } catch (err) {
      this.badGateway(res, `project '${canonical}'`, err, head);
      return undefined;
    }
  }

  private badGateway(res: ServerResponse, what: string, err: unknown, head: boolean): void {
    const message = `pyvouch: upstream ${this.o.upstream.url} cannot answer for ${what}: ${errorMessage(err)}`;
    this.o.logger.log('error', 'upstream failed', { what, error: errorMessage(err) });
    sendText(res, 502, message, { statusMessage: 'Bad Gateway: upstream unavailable', head });
  }

  private async recordHidden(req: IncomingMessage, decisions: readonly FileDecision[]): Promise<void> {
    const hidden: FileDecision[] = [];
    for (const d of decisions) {
      const key = `${d.project}\u0000${d.filename}\u0000${d.sha256 ?? ''}`;
      if (d.allowed) {
        this.lastHidden.delete(key);
        continue;
      }
      if (!d.fresh || this.lastHidden.get(key) === d.summary) continue;
      this.lastHidden.set(key, d.summary);
      hidden.push(d);
    }
    if (this.lastHidden.size > 100_000) this.lastHidden.clear();
    if (hidden.length === 0) return;
    try {
      await this.o.decisions.record(hidden.map((d) => this.entry(req, d, 'hide')));
      for (const d of hidden) this.o.metrics.decisions.inc({ verdict: d.verdict, action: 'hide' });
    } catch (err) {
      this.o.metrics.logErrors.inc({}, hidden.length);
      this.o.logger.log('error', 'cannot record hidden files in the decision log', { error: errorMessage(err) });
    }
  }

  private async recordOr503(req: IncomingMessage, res: ServerResponse, d: FileDecision, action: DecisionAction): Promise<boolean> {
    try {
      await this.record(req, d, action);
      return true;
    } catch (err) {
      this.o.logger.log('error', 'cannot record a decision; the file is not served', { file: d.filename, error: errorMessage(err) });
      sendText(res, 503, `pyvouch: cannot record the decision about ${d.filename} in the decision log, so it is not served: ${errorMessage(err)}`, {
        headers: { 'Retry-After': '5' },
        statusMessage: 'Service Unavailable: decision log unavailable',
      });
      return false;
    }
  }

  private async record(req: IncomingMessage, d: FileDecision, action: DecisionAction): Promise<void> {
    this.o.metrics.decisions.inc({ verdict: d.verdict, action });
    try {
      await this.o.decisions.record([this.entry(req, d, action)]);
    } catch (err) {
      this.o.metrics.logErrors.inc();
      throw err;
    }
  }

  private entry(req: IncomingMessage, d: FileDecision, action: DecisionAction): DecisionRecord {
    return {
      time: this.o.now().toISOString(),
      client: clientAddress(req),
      project: d.project,
      filename: d.filename,
      version: d.version,
      sha256: d.sha256,
      verdict: d.verdict,
      action,
      mode: this.o.mode,
      reasons: d.reasons,
    };
  }
}

/** Where this server serves a file, relative to its project page `/simple/<project>/`. */
export function servedFileUrl(project: string, filename: string): string {
  return `../../files/${encodeURIComponent(project)}/${encodeURIComponent(filename)}`;
}

function servedFile(project: string, f: IndexFile): ServedFile {
  const url = servedFileUrl(project, f.filename);
  return {
    filename: f.filename,
    url,
    hashes: f.hashes,
    ...(f.requiresPython === undefined ? {} : { requiresPython: f.requiresPython }),
    yanked: f.yanked,
    coreMetadata: f.coreMetadata,
    ...(f.size === undefined ? {} : { size: f.size }),
    ...(f.uploadTime === undefined ? {} : { uploadTime: f.uploadTime }),
    ...(f.provenance === undefined ? {} : { provenance: `${url}.provenance` }),
  };
}

function pageHeaders(contentType: string, etag: string): Record<string, string> {
  return { 'Content-Type': contentType, ETag: etag, Vary: 'Accept', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' };
}

function sendRendered(res: ServerResponse, page: Rendered, req: IncomingMessage, head: boolean): void {
  if (req.headers['if-none-match'] !== undefined && ifNoneMatch(req, page.etag)) {
    res.writeHead(304, page.notModified);
    res.end();
    return;
  }
  res.writeHead(200, page.ok);
  res.end(head ? undefined : page.body);
}

function send(res: ServerResponse, status: number, body: Buffer, contentType: string, etag: string, req: IncomingMessage, head: boolean): void {
  const headers = pageHeaders(contentType, etag);
  if (ifNoneMatch(req, etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(status, { ...headers, 'Content-Length': String(body.length) });
  res.end(head ? undefined : body);
}

function ifNoneMatch(req: IncomingMessage, etag: string): boolean {
  const header = req.headers['if-none-match'];
  if (header === undefined) return false;
  return header.split(',').some((t) => {
    const tag = t.trim().replace(/^W\//, '');
    return tag === etag || tag === '*';
  });
}

function etagOf(body: Uint8Array): string {
  return `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`;
}

function redirect(res: ServerResponse, location: string, head: boolean): void {
  sendText(res, 301, `moved to ${location}`, { headers: { Location: location }, head });
}

function notAcceptable(res: ServerResponse, head: boolean): void {
  sendText(res, 406, 'pyvouch: this index serves application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html and text/html', { head });
}

function queryString(query: URLSearchParams): string {
  const text = query.toString();
  return text === '' ? '' : `?${text}`;
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
