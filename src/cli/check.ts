// `pyvouch check FILE` and `pyvouch suggest FILE`: read the lock for a target, gather the statements
// about its packages (from the store and from --statements feeds), evaluate the policy, and render
// the verdicts (text, JSON, SARIF, HTML) or the cheapest reviews that would make the graph pass.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { checkGraph, resolvePolicy, statementFilesSource, type CheckResult } from '../app/check.js';
import { storeSource, type StatementSource } from '../app/sources.js';
import { PyvouchError } from '../errors.js';
import type { Graph } from '../graph/graph.js';
import type { PolicyReport } from '../trust/report.js';
import { loadLockFile } from '../lock/load.js';
import { openStore, verifiedCacheIn } from '../store/open.js';
import type { StatementStore } from '../store/store.js';
import { checkToJson, describeNotScanned, renderCheckText, renderSuggestText } from '../render/check.js';
import { addResolveOptions, DEFAULT_INDEX, type ResolveInputOptions } from './resolve-options.js';
import type { ProvenanceCliOptions } from './provenance-options.js';
import { listFeeds } from '../feed/state.js';
import { currentIo, makeSink, paint, parseFormat } from './output.js';
import { pyvouchDirs } from './paths.js';
import { EXIT_PASS, EXIT_POLICY_FAILURE, run } from './run.js';
import { addAllTargetsOptions, addTargetOptions, namesTarget, selectionFromOptions, targetFromOptions, type AllTargetsOptions, type TargetOptions } from './target.js';
import type { TargetChoice, TargetGraph } from '../app/check-targets.js';

import { VERSION } from '../version.js';

interface CheckOptions extends TargetOptions, AllTargetsOptions, ResolveInputOptions, ProvenanceCliOptions {
  policy?: string;
  format: string;
  output?: string;
  store?: string;
  statements?: string[];
  db: boolean;
  at?: string;
  verbose?: boolean;
  dist?: string;
  advisories?: string[];
  scan?: boolean;
  offline?: boolean;
  indexMirror?: string;
}

function evaluationTime(at: string | undefined): Date {
  if (at === undefined) return new Date();
  const ms = Date.parse(at);
  if (Number.isNaN(ms)) throw new PyvouchError('USAGE', `cannot read --at '${at}'`, { help: 'use an RFC 3339 time, e.g. 2026-06-01T00:00:00Z' });
  return new Date(ms);
}

/** `--dist DIR` must be a directory: a missing one is the user's to fix, not a crash. */
function isDirectory(dir: string): boolean {
  try {
    return statSync(dir).isDirectory();
  } catch {
    return false;
  }
}

function checkDistDir(dir: string): void {
  if (!isDirectory(dir)) {
    throw new PyvouchError('USAGE', `--dist '${dir}' is not a directory`, {
      file: dir,
      help: 'pass the directory of downloaded wheels and sdists (e.g. pip download -d DIR -r requirements.txt)',
    });
  }
}

/** `--index-mirror DIR` must be a directory of project pages (DIR/<name>/index.json). */
function checkMirrorDir(dir: string): string {
  if (!isDirectory(dir)) {
    throw new PyvouchError('USAGE', `--index-mirror '${dir}' is not a directory`, {
      file: dir,
      help: 'pass a snapshot of the index\'s project pages: DIR/<project>/index.json in PEP 691 JSON',
    });
  }
  return dir;
}

/** Everything `check` and `suggest` share: graph, policy and sources in; the checked result out. */
async function evaluate(file: string | undefined, opts: CheckOptions): Promise<CheckResult & { lockText: string }> {
  if (opts.dist !== undefined) checkDistDir(opts.dist);
  let graph: Graph;
  const multi = await targetsToCheck(file, opts);
  if (multi !== undefined) {
    graph = multi.union;
  } else if (file !== undefined) {
    if (opts.requirement !== undefined) throw new PyvouchError('USAGE', 'give a lock file or -r requirements, not both');
    graph = loadLockFile(file, targetFromOptions(opts), selectionFromOptions(opts));
  } else if (opts.requirement !== undefined) {
    // No lock file: resolve the requirements against the index, as pip would, then check that graph.
    graph = await (await import('./resolve.js')).resolveGraph([], opts);
  } else {
    throw new PyvouchError('USAGE', 'nothing to check', { help: 'pass a lock file (pyvouch check uv.lock) or requirements to resolve (pyvouch check -r requirements.in)' });
  }
  const anchor = file ?? opts.requirement![0]!;
  const policy = await resolvePolicy(anchor, opts.policy);
  const now = evaluationTime(opts.at);
  const io = currentIo();
  const sources: StatementSource[] = [];
  let store: StatementStore | undefined;
  try {
    if (opts.db) {
      const dirs = pyvouchDirs();
      store = await openStore(opts.store, dirs.data, { verifiedCache: verifiedCacheIn(dirs.cache) });
      // Followed feeds' criteria mappings: a feed's criteria count only as mapped (src/app/sources.ts).
      const feedCriteria = new Map((await listFeeds(dirs.config)).map((f) => [f.name, f.criteriaMap] as const));
      sources.push(storeSource(store, undefined, { feedCriteria }));
    }
    if (opts.statements !== undefined && opts.statements.length > 0) sources.push(statementFilesSource(opts.statements, now));
    // Provenance (Sigstore, TUF) and review sizing (archive readers) load only when asked for.
    const provenance =
      opts.provenance === undefined && opts.trustedRoot === undefined
        ? undefined
        : await (await import('./provenance-options.js')).provenanceSourceFromOptions(opts, graph, policy, now, pyvouchDirs(), DEFAULT_INDEX);
    if (provenance !== undefined) sources.push(provenance);
    const dist = opts.dist;
    const measure =
      dist === undefined
        ? undefined
        : async (g: Graph, report: PolicyReport) => {
            const measured = await (await import('./sizes.js')).reviewSizes(dist, g, report);
            for (const why of measured.skipped) io.stderr(`warning: not measured: ${why}\n`);
            return { sizes: measured.sizes, deltaSizes: measured.deltaSizes };
          };
    const scanned = opts.scan === true ? await scanSource(graph, opts, now) : undefined;
    if (scanned !== undefined) {
      sources.push(scanned.source);
      for (const n of scanned.summary.notScanned) io.stderr(`${paint(io.color.stderr, 'yellow', 'note')}: ${describeNotScanned(n)}\n`);
    }
    const cooldown = opts.advisories === undefined ? undefined : { advisories: (await import('./advisory-files.js')).loadAdvisoryFiles(opts.advisories) };
    if (opts.offline === true && opts.indexMirror !== undefined) throw new PyvouchError('USAGE', 'give --offline or --index-mirror, not both', { help: '--index-mirror reads a local snapshot and fetches nothing' });
    const confirm = {
      ...(opts.offline === true ? { offline: true } : {}),
      ...(opts.indexMirror === undefined ? {} : { mirror: checkMirrorDir(opts.indexMirror) }),
      cacheDir: join(pyvouchDirs().cache, 'index'),
    };
    const shared = { sources, policy, now, confirm, ...(measure === undefined ? {} : { measure }), ...(cooldown === undefined ? {} : { cooldown }) };
    const result =
      multi === undefined
        ? await checkGraph({ graph, ...shared })
        : await (await import('../app/check-targets.js')).checkTargets({ graphs: multi.graphs, union: multi.union, excluded: multi.excluded, ...shared });
    // A statement that fails verification counts for nothing (fail closed), and the user is told.
    for (const s of result.setAside) io.stderr(`${paint(io.color.stderr, 'yellow', 'warning')}: ignored ${s.source === '--statements' || s.source === provenance?.name ? s.message : `a statement in the ${s.source} (row ${s.what}): ${s.code}: ${s.message}`}\n`);
    return { ...result, ...(scanned === undefined ? {} : { scan: scanned.summary }), lockText: file === undefined ? '' : readFileSync(file, 'utf8') };
  } finally {
    await store?.close();
  }
}

/**
 * The targets to check at once, or undefined for one target: `--all-targets`, `--matrix LIST`, or
 * a universal lock (uv.lock, a pylock.toml with markers) when no target option is given.
 */
async function targetsToCheck(file: string | undefined, opts: CheckOptions): Promise<{ graphs: TargetGraph[]; excluded: TargetChoice['excluded']; union: Graph } | undefined> {
  const asked = opts.allTargets === true || opts.matrix !== undefined;
  if (asked && namesTarget(opts)) {
    throw new PyvouchError('USAGE', `give ${opts.matrix !== undefined ? '--matrix' : '--all-targets'} or --python/--platform/--machine/--implementation, not both`, {
      help: 'name the targets in --matrix, e.g. --matrix linux:3.12,windows:3.10',
    });
  }
  if (opts.allTargets === true && opts.matrix !== undefined) throw new PyvouchError('USAGE', 'give --all-targets or --matrix, not both');
  if (file === undefined) {
    if (!asked) return undefined;
    if (opts.requirement === undefined) {
      throw new PyvouchError('USAGE', '--all-targets and --matrix check a lock file or -r requirements', { help: 'pass a lock file (pyvouch check uv.lock --all-targets) or requirements to resolve (pyvouch check -r requirements.in --all-targets)' });
    }
    // Requirements: resolved for each target, then checked as one union graph like a universal lock.
    const [targets, { resolveTargetGraphs }] = await Promise.all([import('../app/check-targets.js'), import('./resolve.js')]);
    const wanted = opts.matrix !== undefined ? targets.parseMatrix(opts.matrix) : targets.everyTarget();
    const resolved = await resolveTargetGraphs(opts, wanted);
    if (resolved.graphs.length === 0) {
      throw new PyvouchError('USAGE', `the requirements resolve on none of the targets asked for: ${resolved.excluded.map((x) => `${x.label} (${x.reason})`).join('; ')}`, {
        file: opts.requirement[0]!,
        help: 'name targets where they resolve with --matrix, or see `pyvouch resolve -r FILE --matrix`',
      });
    }
    return { graphs: resolved.graphs, excluded: resolved.excluded, union: targets.unionGraph(resolved.graphs) };
  }
  if (!asked && namesTarget(opts)) return undefined;
  if (opts.requirement !== undefined) throw new PyvouchError('USAGE', 'give a lock file or -r requirements, not both');
  const targets = await import('../app/check-targets.js');
  const scope = targets.lockScope(file, readLockText(file));
  if (!asked && !scope.universal) return undefined;
  const choice = targets.supportedTargets(scope, opts.matrix !== undefined ? targets.parseMatrix(opts.matrix) : targets.everyTarget());
  if (choice.targets.length === 0) {
    throw new PyvouchError('USAGE', `the lock supports none of the targets asked for: ${choice.excluded.map((x) => `${x.label} (${x.reason})`).join('; ')}`, {
      file,
      help: 'name targets the lock supports with --matrix, or one with --python/--platform',
    });
  }
  const graphs = targets.loadTargetGraphs(file, choice.targets, selectionFromOptions(opts));
  return { graphs, excluded: choice.excluded, union: targets.unionGraph(graphs) };
}

function readLockText(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    // loadLockFile reports an unreadable file with its reason.
    return '';
  }
}

/** `--scan`: the scanner over the graph, reading files from the first `--index` (or only the scan cache). */
async function scanSource(graph: Graph, opts: CheckOptions, now: Date): Promise<Awaited<ReturnType<typeof import('../app/scan.js').scannerSource>>> {
  const [{ scannerSource }, { loadScannerIdentity }, { AdvisoryIndex, loadAdvisories }, { ScanCache }, { TyposquatIndex }, { openIndex }] = await Promise.all([
    import('../app/scan.js'),
    import('../scan/identity.js'),
    import('../scan/advisories.js'),
    import('../scan/scan.js'),
    import('../scan/typosquat.js'),
    import('../simple/open.js'),
  ]);
  const dirs = pyvouchDirs();
  const signer = await loadScannerIdentity(dirs.config);
  const index = opts.index?.[0];
  const ctx = {
    typosquat: TyposquatIndex.shipped(),
    advisories: new AdvisoryIndex(await loadAdvisories(dirs.data)),
    cache: new ScanCache(join(dirs.cache, 'scan')),
    ...(index === undefined ? {} : { index: openIndex(index, { cacheDir: join(dirs.cache, 'index') }) }),
  };
  return scannerSource(graph, ctx, signer, now);
}

function checkCommand(program: Command, name: string, description: string): Command {
  return addResolveOptions(addAllTargetsOptions(addTargetOptions(
    program
      .command(name)
      .description(description)
      .argument('[file]', 'pylock.toml, requirements.txt, uv.lock, poetry.lock, pdm.lock or Pipfile.lock (or resolve -r requirements instead)')
      .option('--policy <path>', 'the policy: pyvouch.toml or a pyproject.toml with [tool.pyvouch] (default: found beside the lock file or in the current directory)')
      .option('--statements <path>', 'also weigh the signed statements in these files or directories (repeatable; verified, not stored)', (v: string, prev: string[] = []) => [...prev, v])
      .option('--store <path|url>', 'statement store: a SQLite file or a postgres:// URL')
      .option('--no-db', 'do not read the statement store (only --statements)')
      .option('--at <time>', 'evaluate as of this time (RFC 3339) instead of now')
      .option('--advisories <file>', 'trusted advisories (OSV JSON) whose fixes may pass the min-age cooldown early (repeatable)', (v: string, prev: string[] = []) => [...prev, v])
      .option('--scan', 'scan the packages first (typosquat, install-time code, metadata, advisories; cached per sha256) and weigh the findings as the scanner party; files are read from --index')
      .option('--provenance <dir|index|url>', "weigh PEP 740 provenance: a directory of <filename>.provenance files, an index URL, or `index` (the --index one), verified offline with Sigstore")
      .option('--trusted-root <file>', 'Sigstore trusted_root.json to verify provenance with instead of the shipped one')
      .option('--no-pin', 'with --provenance: do not judge or record publisher pins (publisher-changed, attestation-missing)')
      .option('--dist <dir>', 'wheels and sdists at hand (e.g. from pip download): size the suggested reviews by the code to read')
      .option('--offline', 'consult no index: the policy\'s index parties vouch for nothing (said in the report)')
      .option('--index-mirror <dir>', 'confirm the index parties against this snapshot of project pages (DIR/<project>/index.json, PEP 691) instead of the network')
      .option('-o, --output <path>', 'write to a file instead of stdout'),
  )));
}

export function registerCheck(program: Command): void {
  checkCommand(program, 'check', 'check that every package a lock file installs meets the trust policy, and explain each verdict')
    .option('--format <format>', 'text, json, sarif, html or cyclonedx', 'text')
    .option('-v, --verbose', 'also explain the passing packages')
    .action(
      run(async (file: string | undefined, opts: CheckOptions) => {
        const format = parseFormat(opts.format, ['text', 'json', 'sarif', 'html', 'cyclonedx']);
        const ctx = await evaluate(file, opts);
        const sink = makeSink(opts.output);
        switch (format) {
          case 'json':
            sink.write(`${JSON.stringify(checkToJson(ctx), null, 2)}\n`);
            break;
          // The SARIF, HTML and CycloneDX renderers (the last with its library) load only when asked for.
          case 'sarif': {
            const { checkToSarif, lockLineLocator } = await import('../render/sarif.js');
            sink.write(`${JSON.stringify(checkToSarif(ctx, { toolVersion: VERSION, locate: lockLineLocator(ctx.lockText) }), null, 2)}\n`);
            break;
          }
          case 'html': {
            const { renderCheckHtml } = await import('../render/html.js');
            sink.write(renderCheckHtml(ctx));
            break;
          }
          case 'cyclonedx': {
            const { checkToCycloneDx } = await import('../render/cyclonedx.js');
            sink.write(`${checkToCycloneDx(ctx, { toolVersion: VERSION })}\n`);
            break;
          }
          default:
            sink.write(renderCheckText(ctx, sink.color, { verbose: opts.verbose === true }));
        }
        sink.flush();
        return ctx.report.passed ? EXIT_PASS : EXIT_POLICY_FAILURE;
      }),
    );

  checkCommand(program, 'suggest', 'the fewest, cheapest reviews that would make the lock file pass the policy')
    .option('--format <format>', 'text or json', 'text')
    .action(
      run(async (file: string | undefined, opts: CheckOptions) => {
        const format = parseFormat(opts.format, ['text', 'json']);
        const ctx = await evaluate(file, opts);
        const sink = makeSink(opts.output);
        if (format === 'json') sink.write(`${JSON.stringify({ passed: ctx.report.passed, ...ctx.suggestions }, null, 2)}\n`);
        else sink.write(renderSuggestText(ctx, sink.color));
        sink.flush();
        return ctx.report.passed ? EXIT_PASS : EXIT_POLICY_FAILURE;
      }),
    );
}
