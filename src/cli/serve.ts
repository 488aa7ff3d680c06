// `pyvouch serve`: runs the gated package index (src/server) until SIGINT or SIGTERM. SIGHUP
// re-reads the policy, like POST /policy/reload. With `--workers N` this process becomes the
// primary of N worker processes (src/server/cluster.ts), each of which runs this same command.
import cluster from 'node:cluster';
import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Option, type Command } from 'commander';
import { PyvouchError } from '../errors.js';
import { openDecisionLog, SERVE_MODES, type ServeMode } from '../store/decisions.js';
import { openStore } from '../store/open.js';
import { findPolicy, loadPolicy } from '../trust/load.js';
import type { Policy } from '../trust/policy.js';
import { VERSION } from '../version.js';
import { pyvouchDirs } from './paths.js';
import { EXIT_PASS, run } from './run.js';
import { currentIo } from './output.js';

interface ServeOptions {
  upstream: string;
  policy?: string;
  store?: string;
  listen: string;
  mode: string;
  cacheDir?: string;
  upstreamTtl: string;
  decisionTtl: string;
  logFormat: string;
  syncEvery?: string;
  scan?: boolean;
  provenance?: boolean;
  trustedRoot?: string;
  pin?: boolean;
  workers: string;
  renderTo?: string;
  accelDir?: string;
  accelPrefix: string;
}

function workerCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 256) throw new PyvouchError('USAGE', `--workers takes a whole number from 1 to 256, got '${value}'`);
  return n;
}

/** `host:port`, `[v6]:port`, `:port` or `port`; the host defaults to the loopback address. */
export function parseListen(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]*))?:?(\d+)$/.exec(value.trim());
  const port = m === null ? Number.NaN : Number(m[3]);
  if (m === null || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PyvouchError('USAGE', `cannot read --listen '${value}'`, { help: 'write it as HOST:PORT, e.g. 127.0.0.1:8700' });
  }
  const host = m[1] ?? (m[2] === undefined || m[2] === '' ? '127.0.0.1' : m[2]);
  return { host, port };
}

function seconds(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new PyvouchError('USAGE', `${name} takes a number of seconds, got '${value}'`);
  return n * 1000;
}

async function policyFor(path: string | undefined): Promise<{ policy: Policy; path: string | undefined }> {
  if (path !== undefined) return { policy: await loadPolicy(path), path };
  const found = await findPolicy(process.cwd());
  if (found === undefined) {
    throw new PyvouchError('USAGE', 'no policy: the current directory has neither a pyvouch.toml nor a pyproject.toml with [tool.pyvouch]', {
      help: 'pass one with --policy PATH (see docs/policy.md)',
    });
  }
  return { policy: found, path: found.file };
}

async function checkUpstream(location: string): Promise<void> {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !/^file:/i.test(location)) return;
  const path = location.replace(/^file:\/\//i, '');
  const info = await stat(path).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new PyvouchError('USAGE', `--upstream '${location}' is neither an http(s) index URL nor a directory`, {
      help: 'give the simple API root (https://pypi.org/simple/) or a directory of wheels and sdists',
    });
  }
}

/** `--sync-every`: feeds synced into the server's store; a sync that stored statements re-decides. */
async function scheduleFeeds(
  every: string,
  configDir: string,
  store: import('../store/store.js').StatementStore,
  bump: () => void,
  logger: { log(level: 'info' | 'warn', message: string, fields?: Record<string, unknown>): void },
): Promise<{ stop(): Promise<void> }> {
  const [{ parseDuration }, { startFeedSchedule }] = await Promise.all([import('../feed/tuf.js'), import('../feed/schedule.js')]);
  return startFeedSchedule({
    configDir,
    store,
    everyMs: parseDuration(every, '--sync-every') * 1000,
    onSynced: (r) => {
      if (r.imported > 0) bump();
      if (!r.unchanged) logger.log('info', 'feed synced', { feed: r.name, imported: r.imported, rejected: r.rejected.length, timestamp: r.versions.timestamp });
    },
    onError: (feed, error) => logger.log('warn', 'feed sync refused; the store keeps what it had', { feed, code: error.code, error: error.describe() }),
  });
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve a package index that lets pip, uv and poetry install only what the policy trusts')
    .requiredOption('--upstream <url|dir>', 'the index to gate: a simple API root URL or a directory of wheels and sdists')
    .option('--policy <path>', 'the policy (default: pyvouch.toml or pyproject.toml [tool.pyvouch] in the current directory)')
    .option('--store <path|url>', 'statement store and decision log: a SQLite file or a postgres:// URL')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8700')
    .addOption(new Option('--mode <mode>', 'filter: hide untrusted files; deny: list them, refuse downloads (403); audit: serve all, log refusals').choices([...SERVE_MODES]).default('filter'))
    .option('--cache-dir <dir>', 'on-disk cache of upstream pages and files (default: the user cache directory)')
    .option('--upstream-ttl <seconds>', 'how long a project page is served before upstream is asked again', '60')
    .option('--decision-ttl <seconds>', 'how long a per-file decision is reused at most (statements are re-read at once when they change)', '60')
    .addOption(new Option('--log-format <format>', 'format of the log on stderr').choices(['text', 'json']).default('text'))
    .option('--scan', 'scan each file before its first download (typosquat, install-time code, metadata, advisories) and weigh the findings as the scanner party')
    .option('--sync-every <duration>', 'sync followed feeds (pyvouch feed follow) on this schedule, e.g. 5m')
    .option('--provenance', "weigh upstream's PEP 740 provenance in the decisions (verified offline with Sigstore; publishers parties count it)")
    .option('--trusted-root <file>', 'with --provenance: Sigstore trusted_root.json instead of the shipped one')
    .option('--workers <n>', 'worker processes sharing the address (node:cluster); a dead one is replaced', '1')
    .option('--render-to <dir>', 'render project pages as decided into DIR for nginx or a CDN to serve (docs/deploy.md)')
    .option('--accel-dir <dir>', 'send allowed files through X-Accel-Redirect from this checked file store (docs/deploy.md)')
    .option('--accel-prefix <path>', "with --accel-dir: nginx's internal location for it", '/_pyvouch/files/')
    .option('--no-pin', 'with --provenance: no publisher pinning (publisher-changed / attestation-missing findings)')
    .action(
      run(async (opts: ServeOptions) => {
        const { host, port } = parseListen(opts.listen);
        const workers = workerCount(opts.workers);
        if (opts.syncEvery !== undefined) (await import('../feed/tuf.js')).parseDuration(opts.syncEvery, '--sync-every');
        if (!/^\/[^\s?#]*$/.test(opts.accelPrefix)) throw new PyvouchError('USAGE', `--accel-prefix '${opts.accelPrefix}' is not an absolute path`, { help: 'e.g. --accel-prefix /_pyvouch/files/' });
        const { workerLink } = await import('../server/cluster.js');
        const link = workerLink();
        // The server's modules load only for this command, so other commands start as fast as before.
        const { createLogger } = await import('../server/log.js');
        const mode = opts.mode as ServeMode;
        await checkUpstream(opts.upstream);
        const { policy, path: policyPath } = await policyFor(opts.policy);
        if (opts.trustedRoot !== undefined && opts.provenance !== true) throw new PyvouchError('USAGE', '--trusted-root needs --provenance', { help: "add --provenance to weigh upstream's PEP 740 provenance" });
        const provenance =
          opts.provenance !== true
            ? undefined
            : await import('../provenance/trusted-root.js').then((m) => (opts.trustedRoot === undefined ? m.shippedTrustedRoot() : m.readTrustedRootFile(opts.trustedRoot)));
        const dirs = pyvouchDirs();
        // The log goes to the command's stderr (the process's, or a test's capture).
        const logger = createLogger({ format: opts.logFormat === 'json' ? 'json' : 'text', write: currentIo().stderr });
        if (workers > 1 && cluster.isPrimary) {
          // Everything above checked the arguments once; the workers open the stores.
          const { runPrimary } = await import('../server/cluster.js');
          return runPrimary({
            workers,
            logger,
            onListening: (origin) => {
              currentIo().stdout(`listening on ${origin}/simple/ (mode ${mode}, ${workers} workers, upstream ${opts.upstream})\n`);
              logger.log('info', 'started', { origin, mode, workers, upstream: opts.upstream, policy: policyPath });
            },
          });
        }
        try {
          return await serveOne(opts, { host, port, mode, policy, policyPath, provenance, dirs, logger, link });
        } finally {
          link?.leave();
        }
      }),
    );
}

interface Prepared {
  host: string;
  port: number;
  mode: ServeMode;
  policy: Policy;
  policyPath: string | undefined;
  provenance: import('../provenance/trusted-root.js').ProvenanceTrust | undefined;
  dirs: ReturnType<typeof pyvouchDirs>;
  logger: import('../server/log.js').Logger;
  link: import('../server/cluster.js').WorkerLink | undefined;
}

/** One server (the only one, or a worker of `--workers`) until it is told to stop. */
async function serveOne(opts: ServeOptions, p: Prepared): Promise<number> {
  const { host, port, mode, policy, policyPath, provenance, dirs, logger, link } = p;
  const [{ startServer }, { PolicyHolder }, { Upstream }] = await Promise.all([import('../server/app.js'), import('../server/decide.js'), import('../server/upstream.js')]);
  const upstream = new Upstream(opts.upstream, {
    cacheDir: opts.cacheDir ?? join(dirs.cache, 'index'),
    pageTtlMs: seconds('--upstream-ttl', opts.upstreamTtl),
  });
  const store = await openStore(opts.store, dirs.data);
  let decisions;
  try {
    decisions = await openDecisionLog(opts.store, dirs.data);
  } catch (err) {
    await store.close();
    throw err;
  }
  const token = process.env['PYVOUCH_ADMIN_TOKEN'];
  const holder = new PolicyHolder(policy, policyPath);
  let server;
  try {
    server = await startServer({
      upstream,
      store,
      decisions,
      policy: holder,
      mode,
      ...(token === undefined || token === '' ? {} : { adminToken: token }),
      host,
      port,
      decisionTtlMs: seconds('--decision-ttl', opts.decisionTtl),
      logger,
      version: VERSION,
      ...(opts.scan === true ? { scanner: await fileScanner(dirs) } : {}),
      ...(provenance === undefined ? {} : { provenance }),
      ...(provenance === undefined || opts.pin === false ? {} : { pinning: await (await import('./provenance-options.js')).servePinning(dirs, () => holder.policy) }),
      ...(opts.renderTo === undefined ? {} : { renderTo: { dir: resolve(opts.renderTo) } }),
      ...(opts.accelDir === undefined ? {} : { accel: { dir: resolve(opts.accelDir), prefix: opts.accelPrefix } }),
      ...(link === undefined ? {} : { announce: (what: 'policy' | 'statements') => link.changed(what) }),
    });
  } catch (err) {
    await decisions.close();
    await store.close();
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE' || code === 'EACCES') {
      throw new PyvouchError('USAGE', `cannot listen on ${opts.listen}: ${(err as Error).message}`, { help: 'choose another address with --listen HOST:PORT' });
    }
    throw err;
  }
  const reload = (why: string): Promise<void> =>
    holder.reload().then(
      () => {
        server.freshness.bump();
        logger.log('info', 'policy reloaded', { policy: policyPath, by: why });
      },
      (err: unknown) => logger.log('warn', 'policy reload refused; the previous policy stays in force', { error: err instanceof PyvouchError ? err.describe() : String(err) }),
    );
  if (link === undefined) {
    currentIo().stdout(`listening on ${server.origin}/simple/ (mode ${mode}, upstream ${upstream.url}, store ${store.location})\n`);
    logger.log('info', 'started', { origin: server.origin, mode, upstream: upstream.url, policy: policyPath, store: store.location });
  } else {
    link.listening(server.origin);
    logger.log('info', 'worker listening', { worker: link.slot, pid: process.pid, origin: server.origin });
  }
  // One schedule per server: in a cluster only the first worker syncs, and tells the others.
  const feeds =
    opts.syncEvery === undefined || (link !== undefined && link.slot !== 0)
      ? undefined
      : await scheduleFeeds(opts.syncEvery, dirs.config, store, () => {
          server.freshness.bump();
          void link?.changed('statements');
        }, logger);
  if ((token === undefined || token === '') && (link === undefined || link.slot === 0)) logger.log('warn', 'PYVOUCH_ADMIN_TOKEN is not set: POST /statements and /policy/reload are refused');

  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.log('info', 'stopping', { signal, ...(link === undefined ? {} : { worker: link.slot }) });
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    // A worker stops when its primary says so; a terminal's Ctrl-C reaches it too, and so
    // does a SIGTERM sent to the whole process group: each means the same.
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (link === undefined) process.on('SIGHUP', () => void reload('SIGHUP'));
    else {
      // The primary relays SIGHUP; a worker's own SIGHUP is ignored rather than fatal.
      process.on('SIGHUP', () => undefined);
      link.on({ reload: () => reload('another worker'), bump: () => server.freshness.bump(), stop: () => stop('primary') });
    }
  });
  await feeds?.stop();
  await server.close();
  await decisions.close();
  await store.close();
  return EXIT_PASS;
}

/** `serve --scan`: the local scanner identity, the imported advisories, the per-sha256 scan cache. */
async function fileScanner(dirs: { config: string; data: string; cache: string }): Promise<import('../app/scan.js').FileScanner> {
  const [{ FileScanner }, { loadScannerIdentity }, { AdvisoryIndex, loadAdvisories }, { ScanCache }, { TyposquatIndex }] = await Promise.all([
    import('../app/scan.js'),
    import('../attest/local-identities.js'),
    import('../scan/advisories.js'),
    import('../scan/scan.js'),
    import('../scan/typosquat.js'),
  ]);
  const signer = await loadScannerIdentity(dirs.config);
  const advisories = new AdvisoryIndex(await loadAdvisories(dirs.data));
  return new FileScanner({ typosquat: TyposquatIndex.shipped(), advisories, cache: new ScanCache(join(dirs.cache, 'scan')) }, signer);
}
