// The web UI of the gated index (/ui/): a page, a stylesheet and one script, served from memory,
// plus the one endpoint only the UI needs, POST /api/graph (a lock file's text in, its graph with
// a verdict per package out). Everything else the UI shows comes from the read API (api.ts).
//
// No framework and no build step: three static strings (src/server/ui/*.ts) and a vanilla script
// that builds the DOM with createElement/textContent. A tool that decides whether dependencies can
// be trusted should not ship a front-end toolchain's dependency tree to draw a table and an SVG,
// and string modules travel inside the compiled package with no asset copying.
//
// Package names, versions, file names, reasons and statement text are attacker-controlled (anyone
// can publish upstream or sign a statement). The script never parses them as HTML, and the page's
// Content-Security-Policy (script only from this origin, no inline script, Trusted Types required
// for HTML sinks) makes a slip fail loudly instead of running.

import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Graph, LockFormat, SelectionOptions } from '../graph/graph.js';
import { pathsFromRoot } from '../graph/graph.js';
import { LOCK_FORMATS } from '../lock/read.js';
import { parseTarget } from '../pep/environment.js';
import { layoutGraph, type LayoutDimensions } from '../render/graph-layout.js';
import type { StatementStore } from '../store/store.js';
import { jsonTextDepth, MAX_JSON_DEPTH } from '../text/json-depth.js';
import { checkGraph } from '../app/check.js';
import { storeSource } from '../app/sources.js';
import { upstreamOpener } from '../app/index-confirm.js';
import type { Decider, PolicyHolder } from './decide.js';
import type { Upstream } from './upstream.js';
import { isPyvouchError } from '../errors.js';
import { diffReleaseTrees, readReleaseTree } from '../artifact/diff.js';
import { canonicalizeName, isValidName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import type { IndexFile } from '../simple/types.js';
import { releaseFiles } from '../app/review.js';
import { renderDiffPage } from './ui/diff-view.js';
import { MAX_GRAPH_RESPONSE_BYTES, readGraphInWorker, type GraphJob } from './graph-job.js';
import { HttpError, readBody, sendJson, sendText } from './respond.js';
import { APP_CSS } from './ui/app-css.js';
import { APP_JS } from './ui/app-js.js';
import { INDEX_HTML } from './ui/index-html.js';
import { FieldProblems } from '../text/problems.js';

/**
 * The page may load its own script, style and data and nothing else. `require-trusted-types-for`
 * turns any string assigned to innerHTML (and similar sinks) into an exception in Chromium, so a
 * future edit that renders data as HTML breaks in tests rather than in an attacker's favour.
 */
export const UI_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "require-trusted-types-for 'script'",
  "trusted-types 'none'",
].join('; ');

/** The headers of every UI answer: never cached without revalidation, never framed or sniffed. */
const UI_HEADERS: Readonly<Record<string, string>> = {
  'Cache-Control': 'no-cache',
  'Content-Security-Policy': UI_CSP,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

interface Asset {
  body: Buffer;
  etag: string;
  contentType: string;
}

function asset(text: string, contentType: string): Asset {
  const body = Buffer.from(text, 'utf8');
  return { body, etag: `"${createHash('sha256').update(body).digest('hex').slice(0, 32)}"`, contentType };
}

const ASSETS = new Map<string, Asset>([
  ['', asset(INDEX_HTML, 'text/html; charset=utf-8')],
  ['index.html', asset(INDEX_HTML, 'text/html; charset=utf-8')],
  ['app.js', asset(APP_JS, 'text/javascript; charset=utf-8')],
  ['app.css', asset(APP_CSS, 'text/css; charset=utf-8')],
]);

/** Lock files larger than this are refused (the largest real uv.lock files are a few hundred KiB). */
export const MAX_GRAPH_BODY = 2 * 1024 * 1024;
/** Checks of posted lock files running at once; more wait for nobody and get 503. */
const MAX_GRAPHS_IN_FLIGHT = 4;

/** The graph view's boxes: taller than the HTML report's, for a second line with the verdict. */
const UI_DIMENSIONS: LayoutDimensions = { boxWidth: 210, boxHeight: 40, colGap: 60, rowGap: 12 };

export interface WebUiOptions {
  store: StatementStore;
  policy: PolicyHolder;
  now: () => Date;
  /** The diff view's source of files and verdicts (the gate's own upstream and decider). */
  upstream?: Upstream;
  decider?: Decider;
}

/** Diffs being made at once; more get 503 (each reads two archives into memory). */
const MAX_DIFFS_IN_FLIGHT = 2;

export class WebUi {
  private inFlight = 0;
  private diffsInFlight = 0;

  constructor(private readonly o: WebUiOptions) {}

  /**
   * GET /ui/diff/NAME/OLD/NEW: the two releases' files (the sdists, else wheels, as `pyvouch diff`
   * picks them) side by side, the new release's verdict, and the certify command. The files come
   * through the gate's upstream, checked against upstream's digests.
   */
  async diff(res: ServerResponse, rest: readonly string[], head: boolean): Promise<void> {
    const [name, oldText, newText, ...more] = rest;
    if (name === undefined || oldText === undefined || newText === undefined || more.length > 0) {
      throw new HttpError(404, 'the diff view is at /ui/diff/NAME/OLD/NEW', 'NOT_FOUND');
    }
    const upstream = this.o.upstream;
    const decider = this.o.decider;
    if (upstream === undefined || decider === undefined) throw new HttpError(404, 'this server has no upstream to diff releases from', 'NOT_FOUND');
    if (!isValidName(name)) throw new HttpError(404, `'${name}' is not a valid project name`, 'INVALID_NAME');
    const project = canonicalizeName(name);
    const oldVersion = Version.tryParse(oldText)?.toString();
    const newVersion = Version.tryParse(newText)?.toString();
    if (oldVersion === undefined || newVersion === undefined) {
      throw new HttpError(404, `'${oldVersion === undefined ? oldText : newText}' is not a PEP 440 version`, 'INVALID_VERSION');
    }
    if (this.diffsInFlight >= MAX_DIFFS_IN_FLIGHT) throw new HttpError(503, 'too many diffs are being made right now; try again in a moment', 'BUSY', { 'Retry-After': '1' });
    this.diffsInFlight++;
    try {
      const files = (await upstream.page(project)).page?.files;
      if (files === undefined) throw new HttpError(404, `upstream has no project '${project}'`, 'NOT_FOUND');
      const to = pickFile(files, project, newVersion, undefined);
      if (to === undefined) throw new HttpError(404, `upstream lists no wheel or sdist of ${project} ${newVersion}`, 'NOT_FOUND');
      const wheel = to.filename.toLowerCase().endsWith('.whl');
      const from = pickFile(files, project, oldVersion, wheel);
      if (from === undefined) throw new HttpError(404, `upstream lists no ${wheel ? 'wheel' : 'sdist'} of ${project} ${oldVersion} to diff ${to.filename} against`, 'NOT_FOUND');
      let oldBytes: Uint8Array;
      let newBytes: Uint8Array;
      try {
        [oldBytes, newBytes] = await Promise.all([upstream.download(from), upstream.download(to)]);
      } catch (err) {
        // A digest mismatch or an unreachable upstream is upstream's failure, not the client's.
        throw new HttpError(502, `cannot fetch the files to diff from upstream: ${err instanceof Error ? err.message : String(err)}`, isPyvouchError(err) ? err.code : 'HTTP');
      }
      let oldTree;
      let newTree;
      try {
        [oldTree, newTree] = await Promise.all([readReleaseTree(oldBytes, from.filename), readReleaseTree(newBytes, to.filename)]);
      } catch (err) {
        throw new HttpError(422, `cannot read the releases' archives: ${err instanceof Error ? err.message : String(err)}`, isPyvouchError(err) ? err.code : 'ARCHIVE_INVALID');
      }
      const diff = diffReleaseTrees(oldTree, newTree);
      diff.from.sha256 = from.hashes['sha256']?.toLowerCase() ?? '';
      diff.to.sha256 = to.hashes['sha256']?.toLowerCase() ?? '';
      const [decision] = await decider.decide(project, [to], false);
      const policy = this.o.policy.policy;
      const criteria = policy.packages.get(project)?.criteria ?? policy.criteria;
      const certify = [
        'pyvouch certify',
        `${project}==${newVersion}`,
        `--from ${oldVersion}`,
        `--criteria ${shellWord(criteria.join(','))}`,
        `--index ${shellWord(upstream.url)}`,
        ...(wheel ? ['--wheel'] : []),
      ].join(' ');
      const html = renderDiffPage({
        name: project,
        oldVersion,
        newVersion,
        diff,
        from: oldTree,
        to: newTree,
        verdict: { allowed: decision?.allowed === true, verdict: decision?.verdict ?? 'error', summary: decision?.summary ?? '', reasons: decision?.reasons ?? [] },
        certify,
        // The page is at /ui/diff/NAME/OLD/NEW: three levels below /ui/.
        uiRoot: '../../../',
      });
      const body = Buffer.from(html, 'utf8');
      res.writeHead(200, {
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Length': String(body.length),
        ...UI_HEADERS,
      });
      res.end(head ? undefined : body);
    } finally {
      this.diffsInFlight--;
    }
  }

  /** GET /ui/…: `rest` is the path below /ui (segments), `trailing` whether the path ended in '/'. */
  asset(req: IncomingMessage, res: ServerResponse, rest: readonly string[], trailing: boolean, head: boolean): void {
    if (rest.length === 0 && !trailing) {
      // Relative, so the UI also works behind a reverse proxy under a path prefix.
      sendText(res, 301, 'moved to ui/', { headers: { Location: 'ui/' }, head });
      return;
    }
    const found = rest.length <= 1 && !(rest.length === 1 && trailing) ? ASSETS.get(rest[0] ?? '') : undefined;
    if (found === undefined) {
      sendText(res, 404, `pyvouch: no UI file ${rest.join('/')}`, { head });
      return;
    }
    const headers: Record<string, string> = {
      'Content-Type': found.contentType,
      ETag: found.etag,
      ...UI_HEADERS,
    };
    const inm = req.headers['if-none-match'];
    if (inm !== undefined && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === found.etag)) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    res.writeHead(200, { ...headers, 'Content-Length': String(found.body.length) });
    res.end(head ? undefined : found.body);
  }

  /**
   * POST /api/graph: `{lock, filename?, format?, pyproject?, python?, platform?, machine?,
   * implementation?, extras?, groups?, allExtras?, allGroups?}` → the graph with each package's
   * verdict and report, laid out for drawing. Reads the store, writes nothing, reads no file: a
   * requirements file's `-r` includes are reported as diagnostics, not followed.
   */
  async graph(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    // A cross-site form can post text/plain without a preflight; JSON needs one.
    if (type !== 'application/json') throw new HttpError(415, 'send the lock file as JSON: Content-Type: application/json', 'UNSUPPORTED_MEDIA_TYPE');
    if (this.inFlight >= MAX_GRAPHS_IN_FLIGHT) {
      throw new HttpError(503, 'too many lock files are being checked right now; try again in a moment', 'BUSY', { 'Retry-After': '1' });
    }
    this.inFlight++;
    try {
      const request = parseGraphRequest(await readBody(req, MAX_GRAPH_BODY));
      sendJson(res, 200, await this.check(request), { maxBytes: MAX_GRAPH_RESPONSE_BYTES });
    } finally {
      this.inFlight--;
    }
  }

  private async check(r: GraphRequest): Promise<unknown> {
    parseTarget(r.target); // a bad target is a 400 here, before a worker starts
    // The lock is read in a worker thread, with time, heap, size and depth bounds (graph-job.ts).
    const graph: Graph = await readGraphInWorker(r);
    // Index parties are confirmed against this server's upstream only, as the gate decides.
    const upstream = this.o.upstream;
    const open = upstreamOpener(upstream === undefined ? undefined : { url: upstream.url, page: async (name) => (await upstream.page(name)).page });
    const checked = await checkGraph({ graph, sources: [storeSource(this.o.store)], policy: this.o.policy.policy, now: this.o.now(), confirm: { open } });
    const report = checked.report;
    const layout = layoutGraph(graph, report, UI_DIMENSIONS);
    const reports = new Map(report.nodes.map((n) => [n.name, n]));
    const pathOf = pathsFromRoot(graph);
    return {
      source: graph.source,
      environment: graph.environment,
      passed: report.passed,
      evaluatedAt: report.evaluatedAt,
      threshold: report.threshold,
      criteria: report.criteria,
      policy: this.o.policy.path ?? null,
      statements: checked.statements,
      counts: report.counts,
      layout: { width: layout.width, height: layout.height, boxWidth: UI_DIMENSIONS.boxWidth, boxHeight: UI_DIMENSIONS.boxHeight },
      nodes: layout.placed.map((p) => {
        const node = reports.get(p.name);
        return {
          name: p.name,
          version: node?.version ?? '',
          state: p.state,
          x: p.x,
          y: p.y,
          path: pathOf(p.name) ?? null,
          ...(node === undefined ? {} : { report: node }),
        };
      }),
      edges: graph.edges.map((e) => ({ from: e.from, to: e.to, specifier: e.specifier, marker: e.marker })),
      edgesKnown: graph.edgesKnown,
      diagnostics: graph.diagnostics,
    };
  }
}

/** A graph request is the job the worker reads (graph-job.ts). */
type GraphRequest = GraphJob;

function parseGraphRequest(body: Buffer): GraphRequest {
  let value: unknown;
  const bodyText = body.toString('utf8');
  if (jsonTextDepth(bodyText) > MAX_JSON_DEPTH) throw new HttpError(422, `the request body nests JSON more than ${MAX_JSON_DEPTH} deep`, 'TOO_DEEP');
  try {
    value = JSON.parse(bodyText);
  } catch (err) {
    throw new HttpError(400, `the request body is not JSON: ${err instanceof Error ? err.message : String(err)}`, 'BAD_REQUEST');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'send a JSON object: {"lock": "<the lock file\'s text>", ...}', 'BAD_REQUEST');
  const o = value as Record<string, unknown>;
  const problems = new FieldProblems('BAD_REQUEST');
  const text = (key: string, max: number): string | undefined => {
    const v = o[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') problems.add(key, `'${key}' must be a string`);
    else if (v.length > max) problems.add(key, `'${key}' is longer than ${max} characters`);
    else return v;
    return undefined;
  };
  const names = (key: string): string[] | undefined => {
    const v = o[key];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.length > 100 || !v.every((x): x is string => typeof x === 'string' && x.length <= 200)) {
      problems.add(key, `'${key}' must be a list of at most 100 names`);
      return undefined;
    }
    return v;
  };
  const flag = (key: string): boolean => {
    const v = o[key];
    if (v !== undefined && v !== null && typeof v !== 'boolean') problems.add(key, `'${key}' must be true or false`);
    return v === true;
  };
  const lock = text('lock', MAX_GRAPH_BODY);
  if (lock === undefined && problems.empty) problems.add('lock', "'lock' is required: the lock file's text");
  // Only a name: it chooses the format and names errors; nothing is ever read from it.
  const filename = (text('filename', 255) ?? '').split(/[\\/]/).pop() || 'lock';
  const format = text('format', 40);
  if (format !== undefined && !(LOCK_FORMATS as readonly string[]).includes(format)) problems.add('format', `'format' must be one of ${LOCK_FORMATS.join(', ')}, got '${format}'`);
  const pyproject = text('pyproject', MAX_GRAPH_BODY);
  const target: GraphRequest['target'] = {};
  for (const key of ['python', 'platform', 'machine', 'implementation'] as const) {
    const v = text(key, 40);
    if (v !== undefined) target[key] = v;
  }
  const extras = names('extras');
  const groups = names('groups');
  const selection: SelectionOptions = {
    ...(extras === undefined ? {} : { extras }),
    ...(groups === undefined ? {} : { groups }),
    ...(flag('allExtras') ? { allExtras: true } : {}),
    ...(flag('allGroups') ? { allGroups: true } : {}),
  };
  if (!problems.empty || lock === undefined) throw new HttpError(400, problems.messages().join('; '), 'BAD_REQUEST');
  return {
    lock,
    filename,
    ...(format === undefined ? {} : { format: format as LockFormat }),
    ...(pyproject === undefined ? {} : { pyproject }),
    target,
    selection,
  };
}

/** The file `pyvouch diff` would pick: the sdist, else a pure-Python wheel, else any wheel (`wheel` forces the kind). */
function pickFile(files: readonly IndexFile[], project: string, version: string, wheel: boolean | undefined): IndexFile | undefined {
  const of = releaseFiles(files, project, version);
  if (wheel === true) return of.wheel;
  if (wheel === false) return of.sdist;
  return of.sdist ?? of.wheel;
}

/** A word the shell reads as itself: quoted unless it is plainly safe. */
function shellWord(text: string): string {
  return /^[A-Za-z0-9_.,:/@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
