// `pyvouch serve`: a package index (PEP 503/691 simple API) in front of an upstream index or
// directory, serving only what the trust policy allows, plus an admin API, a JSON API for the UI,
// and Prometheus metrics.
//
// Routing is a hand-written switch on node:http, not a web framework: the server has a dozen
// routes, its hot path (a cached project page) should be one map lookup and one write, and each
// dependency is code a tool about trusting dependencies would have to vouch for.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPyvouchError } from '../errors.js';
import type { DecisionLog, ServeMode } from '../store/decisions.js';
import type { StatementStore } from '../store/store.js';
import { postStatements, reloadPolicy, type AdminContext } from './admin.js';
import { Api } from './api.js';
import { Decider, type PolicyHolder } from './decide.js';
import { Freshness } from './freshness.js';
import { Gate } from './gate.js';
import { silentLogger, type Logger } from './log.js';
import { ServerMetrics } from './metrics.js';
import { CLIENT_ABORTED, errorBody, HttpError, sendJson, sendText } from './respond.js';
import { WebUi } from './ui.js';
import type { Upstream } from './upstream.js';
import type { FileScanner } from '../app/scan.js';
import type { IndexFile } from '../simple/types.js';
import type { ProvenanceTrust } from '../provenance/trusted-root.js';
import { upstreamProvenanceStatements, type PinningOptions } from '../app/provenance-source.js';
import { upstreamPinning } from '../app/upstream-pinning.js';
import { AccelFiles, type AccelOptions } from './accel.js';
import { ReadinessProbe } from './ready.js';
import { PageRenderer, RENDER_HEADER } from './render-to.js';

export interface ServerOptions {
  upstream: Upstream;
  /** Owned by the caller, who closes it after the server. */
  store: StatementStore;
  /** Owned by the caller, who closes it after the server. */
  decisions: DecisionLog;
  policy: PolicyHolder;
  mode: ServeMode;
  /** PYVOUCH_ADMIN_TOKEN; without it the admin API refuses every write. */
  adminToken?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** How long a per-file decision is reused at most (default 60 s). */
  decisionTtlMs?: number;
  logger?: Logger;
  now?: () => Date;
  version?: string;
  /** `serve --scan`: downloads are scanned (once per sha256) and the findings weighed. */
  scanner?: FileScanner;
  /** `serve --provenance`: weigh upstream's PEP 740 provenance, verified with this trusted root. */
  provenance?: ProvenanceTrust;
  /** With `provenance`: publisher pinning (pins, pyvouch's signer, whose acceptances count). */
  pinning?: PinningOptions;
  /** `serve --render-to DIR`: project pages rendered into DIR for nginx (render-to.ts). */
  renderTo?: { dir: string; intervalMs?: number };
  /** `serve --accel-dir DIR`: allowed files leave through X-Accel-Redirect (accel.ts). */
  accel?: AccelOptions;
  /**
   * Called after this server stored statements or reloaded its policy (not for changes it only
   * learnt of), so `serve --workers` can tell the other workers.
   */
  announce?: (what: 'policy' | 'statements') => Promise<void>;
}

export interface RunningServer {
  /** `http://host:port` */
  readonly origin: string;
  readonly port: number;
  readonly metrics: ServerMetrics;
  readonly freshness: Freshness;
  readonly decider: Decider;
  readonly readiness: ReadinessProbe;
  readonly renderer: PageRenderer | undefined;
  /** Stops accepting, ends open connections and the store subscription; leaves the stores open. */
  close(): Promise<void>;
}

type Route = 'root' | 'project-list' | 'project' | 'file' | 'api' | 'metrics' | 'health' | 'ready' | 'admin' | 'ui' | 'other';

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const now = options.now ?? (() => new Date());
  const logger = options.logger ?? silentLogger;
  const decisionTtlMs = options.decisionTtlMs ?? 60_000;
  const freshness = new Freshness(options.decisions);
  await freshness.start();
  const metrics = new ServerMetrics(() => freshness.local);
  options.upstream.useMetrics(metrics);
  const decider = new Decider({
    store: options.store,
    policy: options.policy,
    freshness,
    indexUrl: options.upstream.url,
    ttlMs: decisionTtlMs,
    metrics,
    now,
    ...(options.decisions.firstSeen === undefined ? {} : { firstSeen: options.decisions.firstSeen.bind(options.decisions) }),
    ...(options.scanner === undefined ? {} : { scan: scanThrough(options.scanner, options.upstream) }),
    ...(options.provenance === undefined
      ? {}
      : {
          fileStatements: provenanceHook(options, options.provenance, logger),
        }),
  });
  const gate = new Gate({
    mode: options.mode,
    upstream: options.upstream,
    decider,
    decisions: options.decisions,
    freshness,
    metrics,
    logger,
    decisionTtlMs,
    now,
    ...(options.accel === undefined ? {} : { accel: new AccelFiles(options.accel, options.upstream) }),
  });
  const readiness = new ReadinessProbe({ decisions: options.decisions, policy: options.policy, upstream: options.upstream });
  let origin = '';
  const renderer =
    options.renderTo === undefined
      ? undefined
      : new PageRenderer({
          dir: options.renderTo.dir,
          origin: () => origin,
          intervalMs: options.renderTo.intervalMs ?? decisionTtlMs,
          logger,
          generation: () => freshness.storeGeneration(),
        });
  if (renderer !== undefined) freshness.onChange(() => renderer.changed());
  const api = new Api({
    mode: options.mode,
    upstream: options.upstream,
    decider,
    decisions: options.decisions,
    store: options.store,
    policy: options.policy,
    freshness,
    startedAt: now(),
    version: options.version ?? '0.0.0',
  });
  const ui = new WebUi({ store: options.store, policy: options.policy, now, upstream: options.upstream, decider });
  const admin: AdminContext = {
    token: options.adminToken,
    store: options.store,
    policy: options.policy,
    freshness,
    metrics,
    logger,
    now,
    ...(options.announce === undefined ? {} : { announce: options.announce }),
    ...(renderer === undefined ? {} : { settle: () => settleWithin(renderer, 5000) }),
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<Route> => {
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    // What pip and uv ask most, `/simple/<name>/` with nothing to decode or resolve, skips the
    // WHATWG URL parser (a measurable share of a cached page's cost).
    const simple = SIMPLE_PAGE.exec(target);
    if (simple !== null && (method === 'GET' || method === 'HEAD')) {
      await gate.projectPage(req, res, simple[1]!, NO_QUERY, method === 'HEAD');
      // A page nginx had no rendering of: render it from now on.
      if (renderer !== undefined && res.statusCode === 200 && req.headers[RENDER_HEADER] === undefined) renderer.want(simple[1]!);
      return 'project';
    }
    let url: URL;
    try {
      url = new URL(target, 'http://pyvouch.invalid');
    } catch {
      sendText(res, 400, 'pyvouch: malformed request target');
      return 'other';
    }
    const segments = pathSegments(url.pathname);
    if (segments === undefined) {
      sendText(res, 400, 'pyvouch: malformed percent-encoding in the path');
      return 'other';
    }
    const head = method === 'HEAD';
    const read = (): boolean => allow(res, method, ['GET', 'HEAD']);
    const [first, second, third, ...rest] = segments;
    const trailing = url.pathname.endsWith('/');

    switch (first) {
      case undefined:
        if (read()) sendText(res, 200, ROOT_TEXT, { head });
        return 'root';
      case 'simple':
        if (!read()) return 'project-list';
        if (second === undefined) {
          if (!trailing) sendText(res, 301, 'moved to /simple/', { headers: { Location: '/simple/' }, head });
          else await gate.projectList(req, res, url.searchParams, head);
          return 'project-list';
        }
        if (third !== undefined || rest.length > 0) break;
        if (!trailing) {
          sendText(res, 301, `moved to ${second}/`, { headers: { Location: `${encodeURIComponent(second)}/${url.search}` }, head });
        } else await gate.projectPage(req, res, second, url.searchParams, head);
        return 'project';
      case 'files':
        if (second === undefined || third === undefined || rest.length > 0 || trailing) break;
        if (read()) await gate.file(req, res, second, third, head);
        return 'file';
      case 'api':
        if (second === 'graph' && third === undefined) {
          if (allow(res, method, ['POST'])) await ui.graph(req, res);
          return 'api';
        }
        if (!read()) return 'api';
        if (second === 'packages' && third !== undefined && rest.length === 0) await api.package(res, third, head);
        else if (second === 'log' && third === undefined) await api.log(res, url.searchParams, head);
        else if (second === 'status' && third === undefined) await api.status(res, head);
        else throw new HttpError(404, `no API endpoint ${url.pathname}`, 'NOT_FOUND');
        return 'api';
      case 'metrics':
        if (second !== undefined) break;
        if (read()) sendText(res, 200, metrics.render(), { headers: { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }, head });
        return 'metrics';
      case 'healthz':
        if (second !== undefined) break;
        if (read()) sendText(res, 200, 'ok', { head });
        return 'health';
      case 'readyz': {
        if (second !== undefined) break;
        if (!read()) return 'ready';
        const state = await readiness.check();
        sendJson(res, state.ready ? 200 : 503, state, { head, ...(state.ready ? {} : { headers: { 'Retry-After': '1' } }) });
        return 'ready';
      }
      case 'statements':
        if (second !== undefined) break;
        if (allow(res, method, ['POST'])) await postStatements(req, res, admin);
        return 'admin';
      case 'policy':
        if (second !== 'reload' || third !== undefined) break;
        if (allow(res, method, ['POST'])) await reloadPolicy(req, res, admin);
        return 'admin';
      case 'ui':
        if (!read()) return 'ui';
        if (second === 'diff' && !trailing) await ui.diff(res, segments.slice(2), head);
        else ui.asset(req, res, segments.slice(1), trailing, head);
        return 'ui';
      default:
        break;
    }
    sendText(res, 404, `pyvouch: nothing at ${url.pathname}`, { head });
    return 'other';
  };

  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const start = process.hrtime.bigint();
    const done = (route: Route): void => {
      metrics.requests.inc(requestLabels(route, res.statusCode));
      metrics.requestDuration.observe(routeLabels(route), Number(process.hrtime.bigint() - start) / 1e9);
    };
    handle(req, res).then(done, (err: unknown) => {
      answerError(res, err, req.method === 'HEAD', logger);
      done(routeOfError(req.url));
    });
  };
  const server: Server = createServer(listener);
  // A client that stalls mid-request must not hold a connection for ever.
  server.requestTimeout = 120_000;
  server.headersTimeout = 30_000;

  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 8700, options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await freshness.close();
    throw err;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  // The renderer asks this very process (not the shared port of `--workers`, which may reach a
  // worker that has not yet heard of a change) on a loopback port of its own.
  let internal: Server | undefined;
  try {
    if (renderer !== undefined) {
      internal = createServer(listener);
      await new Promise<void>((resolve, reject) => {
        internal!.once('error', reject);
        internal!.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve());
      });
      origin = `http://127.0.0.1:${(internal.address() as AddressInfo).port}`;
      await renderer.start();
    }
  } catch (err) {
    internal?.close();
    server.close();
    await freshness.close();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    origin: `http://${host}:${address.port}`,
    port: address.port,
    metrics,
    freshness,
    decider,
    readiness,
    renderer,
    close() {
      closing ??= (async () => {
        readiness.drain();
        await renderer?.close();
        internal?.close();
        internal?.closeAllConnections();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
          // Downloads in flight get a moment; then everything goes.
          setTimeout(() => server.closeAllConnections(), 2000).unref();
        });
        await freshness.close();
      })();
      return closing;
    },
  };
}

const ROOT_TEXT = [
  'pyvouch gated package index',
  '',
  '  /simple/                 PEP 503/691 simple API (use as --index-url)',
  '  /ui/                     web UI: verdicts, the decision log, a lock file\'s graph',
  '  /api/packages/<name>     each release with its verdict and why (JSON)',
  '  /api/log                 the decision log (JSON)',
  '  /api/status              mode, upstream, policy and store (JSON)',
  '  POST /api/graph          a lock file\'s graph with verdicts (JSON in and out)',
  '  /metrics                 Prometheus metrics',
  '  /healthz, /readyz        liveness; readiness (store, policy, upstream, not draining) as JSON',
  '  POST /statements         submit signed statements (admin token)',
  '  POST /policy/reload      re-read the policy file (admin token)',
].join('\n');

// Label objects per route and status, frozen and reused: every request is counted, and the
// metrics compute a reused frozen object's series key only once.
const byRoute = new Map<Route, Readonly<{ route: Route }>>();
const byRouteStatus = new Map<string, Readonly<{ route: Route; status: string }>>();

function routeLabels(route: Route): Readonly<{ route: Route }> {
  let labels = byRoute.get(route);
  if (labels === undefined) byRoute.set(route, (labels = Object.freeze({ route })));
  return labels;
}

function requestLabels(route: Route, status: number): Readonly<{ route: Route; status: string }> {
  const key = `${route} ${status}`;
  let labels = byRouteStatus.get(key);
  if (labels === undefined) {
    labels = Object.freeze({ route, status: String(status) });
    // Routes and statuses are few; the bound only guards against a surprise.
    if (byRouteStatus.size < 1000) byRouteStatus.set(key, labels);
  }
  return labels;
}

/** `/simple/<name>/` whose name needs no decoding and is no dot segment, without a query. */
const SIMPLE_PAGE = /^\/simple\/([A-Za-z0-9][A-Za-z0-9._-]*)\/$/;
const NO_QUERY: URLSearchParams = new URLSearchParams();

/** Percent-decoded path segments (empty ones dropped); undefined when the encoding is malformed. */
function pathSegments(pathname: string): string[] | undefined {
  try {
    return pathname
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  } catch {
    return undefined;
  }
}

function allow(res: ServerResponse, method: string, methods: readonly string[]): boolean {
  if (methods.includes(method)) return true;
  sendText(res, 405, `pyvouch: use ${methods.join(' or ')} here`, { headers: { Allow: methods.join(', ') } });
  return false;
}

function routeOfError(url: string | undefined): Route {
  const first = (url ?? '').split('/')[1] ?? '';
  return first === 'statements' || first === 'policy' ? 'admin' : first === 'api' ? 'api' : first === 'files' ? 'file' : first === 'simple' ? 'project' : 'other';
}

function answerError(res: ServerResponse, err: unknown, head: boolean, logger: Logger): void {
  if (err instanceof HttpError && err.code === CLIENT_ABORTED) {
    // Nobody is left to answer; one line, no stack.
    logger.log('info', 'client closed the connection mid-request', {});
    res.destroy();
    return;
  }
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err instanceof HttpError) {
    sendJson(res, err.status, errorBody(err), { headers: { ...err.headers }, head });
    return;
  }
  if (isPyvouchError(err)) {
    // Input the client sent (a bad envelope, a bad query) is its error; a store failure is ours.
    const status = err.code === 'STORE' || err.code === 'STORE_MIGRATION' || err.code === 'IO' || err.code === 'PINNING_STATE' ? 503 : 400;
    if (status === 503) logger.log('error', 'request failed', { code: err.code, error: err.message });
    sendJson(res, status, errorBody(err), { head });
    return;
  }
  logger.log('error', 'unexpected error', { error: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  sendJson(res, 500, errorBody(err), { head });
}

/** The scanner reads the very bytes the gate would serve (upstream's download checks the digest). */
function scanThrough(scanner: FileScanner, upstream: Upstream): (project: string, file: IndexFile, version: string) => Promise<import('../attest/types.js').Statement[]> {
  return (project, file, version) => {
    const sha256 = file.hashes['sha256']?.toLowerCase();
    if (sha256 === undefined) return Promise.resolve([]);
    return scanner.statements(project, version, file.filename, sha256, () => upstream.download(file));
  };
}

/** `serve --provenance`: upstream's verified PEP 740 statements per file, with publisher pinning when asked. */
function provenanceHook(options: ServerOptions, trust: ProvenanceTrust, logger: Logger) {
  const verified = upstreamProvenanceStatements(options.upstream, trust, {
    onSetAside: (s) => logger.log('warn', 'provenance-ignored', { file: s.what, code: s.code, message: s.message }),
  });
  if (options.pinning === undefined) return verified;
  return upstreamPinning(verified, { ...options.pinning, page: async (project) => (await options.upstream.page(project)).page?.files });
}

/** The renderer's sweep, awaited at most `ms`: a slow upstream must not hold an admin answer for ever. */
async function settleWithin(renderer: PageRenderer, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([renderer.settled(), new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
