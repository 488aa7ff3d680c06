// An in-repo fake package index for tests: PEP 503 HTML and PEP 691 JSON project pages chosen by
// the Accept header, PEP 658/714 `.metadata` files, PEP 592 yanked files, ETag/Last-Modified with
// 304, and faults on demand, served by node:http on 127.0.0.1. Shared by the index, resolver and
// server tests: real HTTP, real wheels and sdists, nothing mocked.
//
// API
//   const index = await startFakeIndex({
//     projects: [
//       { name: 'Tiny_Dep', files: [wheelFile('tiny-dep', '1.0', { requires: ['six>=1'] }), await sdistFile('tiny-dep', '1.0')] },
//     ],
//   });
//   index.url                       'http://127.0.0.1:<port>/simple/'  (the simple API root)
//   index.origin                    'http://127.0.0.1:<port>'
//   index.fileUrl(filename)         where a file is served: `${origin}/files/<filename>`
//   index.requests                  every request, in order: { method, path, accept, ifNoneMatch,
//                                   ifModifiedSince, authorization, status } (status 0: connection dropped)
//   index.requestsTo(path)          the same, for one path
//   index.maxInFlight               the most requests the server was answering at once
//   index.fault(path, ...faults)    queue faults for a path (exact, without query); see Fault
//   index.clearFaults()
//   index.setProject(project)       add or replace a project while running (its ETag changes with it)
//   index.removeProject(name)
//   await index.close()             also drops keep-alive connections and pending delays
//
// Options (FakeIndexOptions)
//   formats            which of 'json' and 'html' the index serves (default both). With one
//                      format it answers that format whatever the Accept header (a static server).
//   urls               how file links are written: 'relative' (default, `../../files/x`),
//                      'root-relative' (`/files/x`) or 'absolute' (`http://127.0.0.1:<port>/files/x`).
//   metadataAttribute  PEP 714 names used for metadata: 'core' (default), 'dist-info' or 'both'.
//   apiVersion         `meta.api-version` / `pypi:repository-version` (default '1.1').
//   etag, lastModified validators on responses (default both on). With etag off, If-Modified-Since
//                      alone decides on 304.
//
// Routes: a path ending in `/simple/` lists the projects; `/simple/<name>/` serves a page (a
// non-normalized name, or a missing '/', is redirected with 301); `/files/<filename>` and
// `/files/<filename>.metadata` serve files. Any prefix before `/simple/` or `/files/` is accepted,
// so an index moved under a prefix by a redirect fault still answers there.
//
// Helpers: wheelFile(name, version, spec) builds a real wheel (zip with METADATA, WHEEL, RECORD) and
// serves its METADATA as a PEP 658 file (spec: requires, requiresPython, extra header lines, tag,
// pep658: false to serve none); sdistFile(name, version, spec) builds a real .tar.gz with PKG-INFO
// and pyproject.toml. Spread a helper's result to add page facts: { ...wheelFile('a', '1'), yanked: 'why' }.
// Also exported: sha256(data), escapedName(name), negotiate(accept, formats), JSON_TYPE, HTML_TYPE.

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseSdistFilename, parseWheelFilename } from '../../src/pep/filename.js';
import { canonicalizeName } from '../../src/pep/name.js';
import { buildTarGz, buildZip, coreMetadata } from '../artifact/archive-builders.js';

export interface FakeFile {
  filename: string;
  content: Uint8Array;
  /** Core metadata served as `<file>.metadata` (PEP 658); no metadata file when undefined. */
  metadata?: string;
  requiresPython?: string;
  /** PEP 592: true, or the reason. */
  yanked?: boolean | string;
  /** PEP 700 upload time, e.g. '2024-01-02T03:04:05.123456Z' (JSON only). */
  uploadTime?: string;
  /** PEP 740 provenance URL. */
  provenance?: string;
  /** The page states a sha256 that is not the file's. */
  wrongHash?: boolean;
  /** The page states a metadata sha256 that is not the metadata file's. */
  wrongMetadataHash?: boolean;
  /** The page states no digest for the file at all. */
  noHash?: boolean;
  /** The page advertises the metadata file as `true`, without its digest. */
  metadataWithoutHash?: boolean;
}

export interface FakeProject {
  /** As written; pages are served under its normalized name. */
  name: string;
  files: FakeFile[];
  /** PEP 700 `versions`; derived from the file names when absent. */
  versions?: string[];
}

/**
 * What to do instead of (or before) answering normally. A fault applies to `times` requests
 * (default: every request from then on), then the next queued fault applies, then normal answers.
 */
export interface Fault {
  times?: number;
  /** Wait this long before answering (normally, unless other fields say otherwise). */
  delayMs?: number;
  /** Answer with this status (and `headers`, `body`) instead of the normal answer. */
  status?: number;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Redirect here (302 unless `status` says otherwise); relative to the request URL. */
  redirect?: string;
  /** Close the connection without an answer (a network error for the client). */
  drop?: boolean;
  /** Send the normal headers and this many body bytes, then stall until the server closes. */
  stallAfterBytes?: number;
}

export interface FakeIndexOptions {
  projects?: FakeProject[];
  formats?: Array<'json' | 'html'>;
  urls?: 'relative' | 'root-relative' | 'absolute';
  metadataAttribute?: 'core' | 'dist-info' | 'both';
  apiVersion?: string;
  etag?: boolean;
  lastModified?: boolean;
}

export interface RecordedRequest {
  method: string;
  path: string;
  accept: string | undefined;
  ifNoneMatch: string | undefined;
  ifModifiedSince: string | undefined;
  authorization: string | undefined;
  status: number;
}

export interface FakeIndex {
  readonly url: string;
  readonly origin: string;
  readonly requests: RecordedRequest[];
  readonly maxInFlight: number;
  requestsTo(path: string): RecordedRequest[];
  fileUrl(filename: string): string;
  fault(path: string, ...faults: Fault[]): void;
  clearFaults(): void;
  setProject(project: FakeProject): void;
  removeProject(name: string): void;
  close(): Promise<void>;
}

export const JSON_TYPE = 'application/vnd.pypi.simple.v1+json';
export const HTML_TYPE = 'application/vnd.pypi.simple.v1+html';
const LAST_MODIFIED = 'Mon, 01 Jan 2024 00:00:00 GMT';

export async function startFakeIndex(options: FakeIndexOptions = {}): Promise<FakeIndex> {
  const formats = options.formats ?? ['json', 'html'];
  const urls = options.urls ?? 'relative';
  const metadataAttribute = options.metadataAttribute ?? 'core';
  const apiVersion = options.apiVersion ?? '1.1';
  const useEtag = options.etag ?? true;
  const useLastModified = options.lastModified ?? true;

  const projects = new Map<string, FakeProject>();
  for (const project of options.projects ?? []) projects.set(canonicalizeName(project.name), project);
  const faults = new Map<string, Array<Fault & { left: number }>>();
  const requests: RecordedRequest[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const stalled = new Set<ServerResponse>();
  let origin = '';
  let inFlight = 0;
  let maxInFlight = 0;

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const findFile = (filename: string): FakeFile | undefined => {
    for (const project of projects.values()) {
      const file = project.files.find((f) => f.filename === filename);
      if (file !== undefined) return file;
    }
    return undefined;
  };

  const href = (filename: string): string => {
    const path = `files/${encodeURIComponent(filename)}`;
    if (urls === 'absolute') return `${origin}/${path}`;
    if (urls === 'root-relative') return `/${path}`;
    return `../../${path}`;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> => {
    const path = record.path;
    const queue = faults.get(path);
    const fault = queue?.[0];
    if (fault !== undefined && queue !== undefined) {
      fault.left -= 1;
      if (fault.left <= 0) queue.shift();
      if (fault.delayMs !== undefined) await sleep(fault.delayMs);
      if (fault.drop === true) {
        req.socket.destroy();
        return;
      }
      if (fault.redirect !== undefined) {
        send(res, record, fault.status ?? 302, { Location: fault.redirect, ...fault.headers }, '');
        return;
      }
      if (fault.status !== undefined || fault.body !== undefined) {
        send(res, record, fault.status ?? 200, { ...fault.headers }, fault.body ?? '');
        return;
      }
      if (fault.stallAfterBytes !== undefined) {
        const answer = route(path, req);
        record.status = answer.status;
        res.writeHead(answer.status, answer.headers);
        res.write(Buffer.from(answer.body).subarray(0, fault.stallAfterBytes));
        stalled.add(res);
        return;
      }
    }
    const answer = route(path, req);
    if (answer.status === 200 && isNotModified(req, answer.headers)) {
      send(res, record, 304, pick(answer.headers, ['ETag', 'Last-Modified']), '');
      return;
    }
    send(res, record, answer.status, answer.headers, req.method === 'HEAD' ? '' : answer.body);
  };

  interface Answer {
    status: number;
    headers: Record<string, string>;
    body: string | Uint8Array;
  }

  const validators = (contentType: string, body: string | Uint8Array): Record<string, string> => {
    const headers: Record<string, string> = { 'Content-Type': contentType };
    if (useEtag) headers.ETag = `"${createHash('sha256').update(contentType).update(body).digest('hex').slice(0, 20)}"`;
    if (useLastModified) headers['Last-Modified'] = LAST_MODIFIED;
    return headers;
  };

  const route = (path: string, req: IncomingMessage): Answer => {
    const notFound: Answer = { status: 404, headers: { 'Content-Type': 'text/plain' }, body: 'not found' };
    const files = /\/files\/([^/]+)$/.exec(path);
    if (files !== null) {
      const name = decodeURIComponent(files[1]!);
      if (name.endsWith('.metadata')) {
        const file = findFile(name.slice(0, -'.metadata'.length));
        if (file?.metadata === undefined) return notFound;
        return { status: 200, headers: validators('application/octet-stream', file.metadata), body: file.metadata };
      }
      const file = findFile(name);
      if (file === undefined) return notFound;
      return { status: 200, headers: validators('application/octet-stream', file.content), body: file.content };
    }
    if (/\/simple$/.test(path)) return { status: 301, headers: { Location: `${path}/` }, body: '' };
    if (/\/simple\/$/.test(path)) {
      const format = negotiate(req.headers.accept, formats);
      const names = [...projects.values()].map((p) => p.name);
      const body =
        format === 'json'
          ? JSON.stringify({ meta: { 'api-version': apiVersion }, projects: names.map((name) => ({ name })) })
          : `<!DOCTYPE html>\n<html><body>\n${names.map((n) => `<a href="${escapeAttribute(canonicalizeName(n))}/">${escapeText(n)}</a>`).join('\n')}\n</body></html>\n`;
      return { status: 200, headers: validators(format === 'json' ? JSON_TYPE : htmlType(req), body), body };
    }
    const page = /\/simple\/([^/]+)(\/?)$/.exec(path);
    if (page === null) return notFound;
    const asked = decodeURIComponent(page[1]!);
    const canonical = canonicalizeName(asked);
    const project = projects.get(canonical);
    if (project === undefined) return notFound;
    if (asked !== canonical || page[2] === '') {
      return { status: 301, headers: { Location: path.slice(0, path.length - page[0].length) + `/simple/${canonical}/` }, body: '' };
    }
    const format = negotiate(req.headers.accept, formats);
    const body = format === 'json' ? jsonPage(canonical, project) : htmlPage(canonical, project);
    return { status: 200, headers: validators(format === 'json' ? JSON_TYPE : htmlType(req), body), body };
  };

  // Answer in the HTML type the client asked for most, as PEP 691 servers do.
  const htmlType = (req: IncomingMessage): string => {
    const accept = parseAccept(req.headers.accept);
    return quality(accept, HTML_TYPE) >= quality(accept, 'text/html') && quality(accept, HTML_TYPE) > 0 ? HTML_TYPE : 'text/html';
  };

  const metadataValue = (file: FakeFile): string => {
    if (file.metadataWithoutHash === true) return 'true';
    return `sha256=${file.wrongMetadataHash === true ? sha256(`not ${file.metadata}`) : sha256(file.metadata!)}`;
  };

  const fileHash = (file: FakeFile): string => (file.wrongHash === true ? sha256(Buffer.concat([Buffer.from('x'), file.content])) : sha256(file.content));

  const htmlPage = (canonical: string, project: FakeProject): string => {
    const anchors = project.files.map((file) => {
      const attributes = [`href="${escapeAttribute(href(file.filename) + (file.noHash === true ? '' : `#sha256=${fileHash(file)}`))}"`];
      if (file.requiresPython !== undefined) attributes.push(`data-requires-python="${escapeAttribute(file.requiresPython)}"`);
      if (file.yanked === true) attributes.push('data-yanked');
      else if (typeof file.yanked === 'string') attributes.push(`data-yanked="${escapeAttribute(file.yanked)}"`);
      if (file.metadata !== undefined) {
        const value = escapeAttribute(metadataValue(file));
        if (metadataAttribute !== 'dist-info') attributes.push(`data-core-metadata="${value}"`);
        if (metadataAttribute !== 'core') attributes.push(`data-dist-info-metadata="${value}"`);
      }
      if (file.provenance !== undefined) attributes.push(`data-provenance="${escapeAttribute(file.provenance)}"`);
      return `    <a ${attributes.join(' ')}>${escapeText(file.filename)}</a><br />`;
    });
    return [
      '<!DOCTYPE html>',
      '<html>',
      '  <head>',
      `    <meta name="pypi:repository-version" content="${escapeAttribute(apiVersion)}">`,
      `    <title>Links for ${escapeText(canonical)}</title>`,
      '  </head>',
      '  <body>',
      `    <h1>Links for ${escapeText(canonical)}</h1>`,
      ...anchors,
      '  </body>',
      '</html>',
      '',
    ].join('\n');
  };

  const jsonPage = (canonical: string, project: FakeProject): string => {
    const files = project.files.map((file) => {
      const entry: Record<string, unknown> = {
        filename: file.filename,
        url: href(file.filename),
        hashes: file.noHash === true ? {} : { sha256: fileHash(file) },
        'requires-python': file.requiresPython ?? null,
        yanked: file.yanked ?? false,
        size: file.content.byteLength,
      };
      if (file.metadata !== undefined) {
        const value = file.metadataWithoutHash === true ? true : { sha256: metadataValue(file).slice('sha256='.length) };
        if (metadataAttribute !== 'dist-info') entry['core-metadata'] = value;
        if (metadataAttribute !== 'core') entry['dist-info-metadata'] = value;
      }
      if (file.uploadTime !== undefined) entry['upload-time'] = file.uploadTime;
      if (file.provenance !== undefined) entry.provenance = file.provenance;
      return entry;
    });
    const versions = project.versions ?? [...new Set(project.files.map((f) => versionOf(f.filename)).filter((v) => v !== undefined))];
    return JSON.stringify({ meta: { 'api-version': apiVersion }, name: canonical, versions, files }, null, 1);
  };

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    const header = (name: string): string | undefined => {
      const value = req.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path,
      accept: header('accept'),
      ifNoneMatch: header('if-none-match'),
      ifModifiedSince: header('if-modified-since'),
      authorization: header('authorization'),
      status: 0,
    };
    requests.push(record);
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    res.on('close', () => {
      inFlight -= 1;
    });
    handle(req, res, record).catch((err: unknown) => {
      if (!res.headersSent) send(res, record, 500, { 'Content-Type': 'text/plain' }, String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}/simple/`,
    origin,
    requests,
    get maxInFlight() {
      return maxInFlight;
    },
    requestsTo: (path) => requests.filter((r) => r.path === path),
    fileUrl: (filename) => `${origin}/files/${encodeURIComponent(filename)}`,
    fault: (path, ...list) => {
      const queue = faults.get(path) ?? [];
      for (const f of list) queue.push({ ...f, left: f.times ?? Number.POSITIVE_INFINITY });
      faults.set(path, queue);
    },
    clearFaults: () => faults.clear(),
    setProject: (project) => {
      projects.set(canonicalizeName(project.name), project);
    },
    removeProject: (name) => {
      projects.delete(canonicalizeName(name));
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const res of stalled) res.destroy();
      stalled.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: ServerResponse, record: RecordedRequest, status: number, headers: Record<string, string>, body: string | Uint8Array): void {
  record.status = status;
  if (res.destroyed) return;
  res.writeHead(status, headers);
  res.end(body);
}

function pick(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => names.includes(k)));
}

/** RFC 9110 §13.1: If-None-Match wins over If-Modified-Since when both are sent. */
function isNotModified(req: IncomingMessage, headers: Record<string, string>): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) {
    const etag = headers.ETag;
    if (etag === undefined) return false;
    const weak = (t: string): string => t.trim().replace(/^W\//, '');
    return inm.split(',').some((t) => t.trim() === '*' || weak(t) === weak(etag));
  }
  const ims = req.headers['if-modified-since'];
  const lm = headers['Last-Modified'];
  if (ims === undefined || lm === undefined) return false;
  return Date.parse(ims) >= Date.parse(lm);
}

function parseAccept(header: string | undefined): Array<{ type: string; q: number }> {
  if (header === undefined || header.trim() === '') return [{ type: '*/*', q: 1 }];
  return header.split(',').map((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim());
    const q = params.find((p) => p.startsWith('q='));
    return { type: (type ?? '').toLowerCase(), q: q === undefined ? 1 : Number(q.slice(2)) };
  });
}

function quality(accept: Array<{ type: string; q: number }>, offer: string): number {
  const [major] = offer.split('/');
  let best = 0;
  for (const { type, q } of accept) {
    if (type === offer || type === `${major}/*` || type === '*/*') best = Math.max(best, q);
  }
  return best;
}

/** The format with the highest quality; a one-format index answers in it whatever was asked. */
export function negotiate(header: string | undefined, formats: Array<'json' | 'html'>): 'json' | 'html' {
  const [only] = formats;
  if (formats.length === 1 && only !== undefined) return only;
  const accept = parseAccept(header);
  const json = quality(accept, JSON_TYPE);
  const html = Math.max(quality(accept, HTML_TYPE), quality(accept, 'text/html'));
  if (json === 0 && html === 0) return 'html';
  return json >= html ? 'json' : 'html';
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function versionOf(filename: string): string | undefined {
  try {
    if (filename.endsWith('.whl')) return parseWheelFilename(filename).version.toString();
    return parseSdistFilename(filename).version.toString();
  } catch {
    return undefined;
  }
}

export interface DistributionSpec {
  /** Requires-Dist lines. */
  requires?: string[];
  requiresPython?: string;
  /** Further core metadata header lines, e.g. 'Provides-Extra: cli'. */
  extra?: string[];
  metadataVersion?: string;
}

export interface WheelSpec extends DistributionSpec {
  /** Tag set of the file name (default 'py3-none-any'). */
  tag?: string;
  /** Serve the METADATA as a PEP 658 file (default true). */
  pep658?: boolean;
}

/** The PEP 427 escaped form of a project name, as wheel and sdist file names spell it. */
export function escapedName(name: string): string {
  return canonicalizeName(name).replace(/-/g, '_');
}

/** A real wheel: METADATA, WHEEL and RECORD in `<name>-<version>.dist-info/`, and one module. */
export function wheelFile(name: string, version: string, spec: WheelSpec = {}): FakeFile {
  const escaped = escapedName(name);
  const headers = [...(spec.requiresPython === undefined ? [] : [`Requires-Python: ${spec.requiresPython}`]), ...(spec.extra ?? [])];
  const metadata = coreMetadata(name, version, spec.requires ?? [], headers, spec.metadataVersion ?? '2.1');
  const distInfo = `${escaped}-${version}.dist-info`;
  const wheel = 'Wheel-Version: 1.0\nGenerator: pyvouch-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n';
  const module = `__version__ = "${version}"\n`;
  const record = [
    `${escaped}/__init__.py,sha256=${urlsafeDigest(module)},${Buffer.byteLength(module)}`,
    `${distInfo}/METADATA,sha256=${urlsafeDigest(metadata)},${Buffer.byteLength(metadata)}`,
    `${distInfo}/WHEEL,sha256=${urlsafeDigest(wheel)},${Buffer.byteLength(wheel)}`,
    `${distInfo}/RECORD,,`,
    '',
  ].join('\n');
  const content = buildZip([
    { name: `${escaped}/__init__.py`, data: module },
    { name: `${distInfo}/METADATA`, data: metadata },
    { name: `${distInfo}/WHEEL`, data: wheel },
    { name: `${distInfo}/RECORD`, data: record },
  ]);
  return {
    filename: `${escaped}-${version}-${spec.tag ?? 'py3-none-any'}.whl`,
    content: new Uint8Array(content),
    ...(spec.pep658 === false ? {} : { metadata }),
    ...(spec.requiresPython === undefined ? {} : { requiresPython: spec.requiresPython }),
  };
}

/** A real sdist (.tar.gz) with PKG-INFO (Metadata-Version 2.2 by default) and a pyproject.toml. */
export async function sdistFile(name: string, version: string, spec: DistributionSpec = {}): Promise<FakeFile> {
  const escaped = escapedName(name);
  const root = `${escaped}-${version}`;
  const headers = [...(spec.requiresPython === undefined ? [] : [`Requires-Python: ${spec.requiresPython}`]), ...(spec.extra ?? [])];
  const pkgInfo = coreMetadata(name, version, spec.requires ?? [], headers, spec.metadataVersion ?? '2.2');
  const deps = (spec.requires ?? []).map((r) => JSON.stringify(r)).join(', ');
  const pyproject = [
    '[build-system]',
    'requires = ["setuptools>=61"]',
    'build-backend = "setuptools.build_meta"',
    '',
    '[project]',
    `name = ${JSON.stringify(name)}`,
    `version = ${JSON.stringify(version)}`,
    `dependencies = [${deps}]`,
    ...(spec.requiresPython === undefined ? [] : [`requires-python = ${JSON.stringify(spec.requiresPython)}`]),
    '',
  ].join('\n');
  const content = await buildTarGz([
    { name: `${root}/`, type: 'directory' },
    { name: `${root}/PKG-INFO`, data: pkgInfo },
    { name: `${root}/pyproject.toml`, data: pyproject },
    { name: `${root}/${escaped}/__init__.py`, data: '' },
  ]);
  return {
    filename: `${root}.tar.gz`,
    content: new Uint8Array(content),
    ...(spec.requiresPython === undefined ? {} : { requiresPython: spec.requiresPython }),
  };
}

function urlsafeDigest(text: string): string {
  return createHash('sha256').update(text).digest('base64url');
}
