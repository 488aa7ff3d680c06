// Runs the assessors over a distribution file, a release on an index, or a whole graph, and turns
// the findings into signed scanner statements. Content findings are cached per sha256 (in memory
// and, when given a directory, on disk), since a file's bytes never change; names and advisories
// are re-checked each time, as the lists they depend on do change.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { StoredStatement } from '../attest/types.js';
import type { Graph } from '../graph/graph.js';
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import type { IndexFile, PackageIndex, ProjectPage } from '../simple/types.js';
import { PyvouchError } from '../errors.js';
import { AdvisoryIndex } from './advisories.js';
import { readDistribution } from './distribution.js';
import { sortFindings, type Finding } from './finding.js';
import { findingStatements, type ScannedRelease } from './identity.js';
import { assessInstallCode } from './install-code.js';
import { assessMetadata } from './metadata-anomalies.js';
import { TyposquatIndex } from './typosquat.js';
import type { LoadedIdentity } from '../attest/keyfile.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

/** Bumped whenever a content rule changes, so cached results of older rules are not reused. */
export const SCAN_RULES_VERSION = 1;

/** Content findings per sha256: memory first, then `<dir>/<sha256>.json`. */
export class ScanCache {
  private readonly memory = new Map<string, Finding[]>();
  constructor(private readonly dir?: string) {}

  async get(sha256: string): Promise<Finding[] | undefined> {
    const held = this.memory.get(sha256);
    if (held !== undefined) return held;
    if (this.dir === undefined || !/^[0-9a-f]{64}$/.test(sha256)) return undefined;
    try {
      const data = JSON.parse(await readFile(join(this.dir, `${sha256}.json`), 'utf8')) as { rules?: number; findings?: Finding[] };
      if (data.rules !== SCAN_RULES_VERSION || !Array.isArray(data.findings)) return undefined;
      this.memory.set(sha256, data.findings);
      return data.findings;
    } catch {
      return undefined;
    }
  }

  async set(sha256: string, findings: Finding[]): Promise<void> {
    this.memory.set(sha256, findings);
    if (this.dir === undefined || !/^[0-9a-f]{64}$/.test(sha256)) return;
    await writeFileAtomic(join(this.dir, `${sha256}.json`), JSON.stringify({ rules: SCAN_RULES_VERSION, findings }), { dirMode: 0o700 });
  }
}

export interface ScanContext {
  typosquat?: TyposquatIndex;
  advisories?: AdvisoryIndex;
  index?: PackageIndex;
  cache?: ScanCache;
  now?: Date;
  /** How many files of one release to download and read (sdist first, then wheels). */
  maxFilesPerRelease?: number;
}

export interface ReleaseScan {
  release: ScannedRelease;
  findings: Finding[];
}

/** Name-level findings (typosquat) plus advisories for a release. */
function releaseLevel(name: string, version: string | undefined, ctx: ScanContext): Finding[] {
  const out = (ctx.typosquat ?? TyposquatIndex.shipped()).check(name).map((f) => ({ ...f, ...(version === undefined ? {} : { version }) }));
  if (version !== undefined && ctx.advisories !== undefined) out.push(...ctx.advisories.check(name, version));
  return out;
}

/** The content findings of one file (install-time code, metadata), through the cache. */
export async function scanFileContent(bytes: Uint8Array, filename: string, ctx: ScanContext, page?: ProjectPage): Promise<{ sha256: string; findings: Finding[]; name: string; version: string }> {
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dist = await readDistribution(bytes, filename);
  let content = await ctx.cache?.get(sha256);
  if (content === undefined) {
    content = [
      ...assessInstallCode(dist.tree),
      ...assessMetadata({
        name: dist.name,
        version: dist.version,
        distribution: dist.tree.distribution,
        ...(dist.metadata === undefined ? {} : { metadata: dist.metadata }),
        ...(dist.metadataProblem === undefined ? {} : { metadataProblem: dist.metadataProblem }),
      }),
    ].map((f) => ({ ...f, name: dist.name, version: dist.version }));
    await ctx.cache?.set(sha256, content);
  }
  const findings = [...content];
  // Index history is not a property of the bytes: judged fresh each time.
  if (page !== undefined) {
    findings.push(
      ...assessMetadata({ name: dist.name, version: dist.version, distribution: dist.tree.distribution, ...(dist.metadata === undefined ? {} : { metadata: dist.metadata }), page, ...(ctx.now === undefined ? {} : { now: ctx.now }) }).filter(
        (f) => f.rule !== 'metadata-name-mismatch' && f.rule !== 'metadata-version-mismatch' && f.rule !== 'metadata-unreadable',
      ),
    );
  }
  return { sha256, findings, name: dist.name, version: dist.version };
}

/** Scans one distribution file on disk or in memory. */
export async function scanDistribution(bytes: Uint8Array, filename: string, ctx: ScanContext = {}): Promise<ReleaseScan> {
  let page: ProjectPage | undefined;
  const content0 = await readDistribution(bytes, filename);
  if (ctx.index !== undefined) page = await ctx.index.project(content0.name);
  const content = await scanFileContent(bytes, filename, ctx, page);
  return {
    release: { name: content.name, version: content.version, artifacts: [{ filename: content0.tree.distribution, sha256: content.sha256 }] },
    findings: sortFindings([...releaseLevel(content.name, content.version, ctx), ...content.findings]),
  };
}

function filesOfVersion(page: ProjectPage, version: string): IndexFile[] {
  const v = Version.tryParse(version);
  return page.files.filter((f) => {
    const m = /^(.+?)-([^-]+?)(-[^-]+)*(\.whl|\.tar\.gz|\.zip)$/.exec(f.filename);
    const fv = f.filename.endsWith('.whl') ? f.filename.split('-')[1] : f.filename.replace(/\.(tar\.gz|zip)$/, '').split('-').pop();
    if (m === null || fv === undefined) return false;
    const pv = Version.tryParse(fv);
    return v !== null && pv !== null ? pv.equals(v) : fv === version;
  });
}

/**
 * Scans a release on an index: the name, the advisories, and the files of that version (the
 * sdist first, then wheels, at most `maxFilesPerRelease`). A release the index does not list is
 * an error (INDEX_HTTP): unknown is not clean.
 */
export async function scanRelease(name: string, version: string, ctx: ScanContext, artifacts?: readonly { filename: string; sha256?: string }[]): Promise<ReleaseScan> {
  const canonical = canonicalizeName(name);
  const findings = releaseLevel(canonical, version, ctx);
  const release: ScannedRelease = { name: canonical, version, artifacts: [] };
  const limit = ctx.maxFilesPerRelease ?? 3;
  // Files whose content is cached need no index at all.
  const pending: { filename: string; sha256?: string }[] = [];
  for (const a of artifacts ?? []) {
    const cached = a.sha256 === undefined ? undefined : await ctx.cache?.get(a.sha256);
    if (cached !== undefined && a.sha256 !== undefined) {
      findings.push(...cached);
      release.artifacts.push({ filename: a.filename, sha256: a.sha256 });
    } else pending.push(a);
  }
  if (artifacts !== undefined && pending.length === 0) return { release, findings: sortFindings(findings) };
  if (ctx.index === undefined) {
    if (artifacts === undefined) {
      throw new PyvouchError('USAGE', `scanning ${canonical}==${version} needs a package index`, { help: 'pass --index URL|DIR' });
    }
    return { release, findings: sortFindings(findings) };
  }
  const page = await ctx.index.project(canonical);
  if (page === undefined) {
    throw new PyvouchError('INDEX_HTTP', `the index ${ctx.index.url} does not know the project '${canonical}'`, { help: 'check the name, or pass the index that serves it with --index' });
  }
  let files = filesOfVersion(page, version);
  if (pending.length > 0) {
    const wanted = new Set(pending.map((a) => a.filename));
    const chosen = files.filter((f) => wanted.has(f.filename));
    if (chosen.length > 0) files = chosen;
  }
  if (files.length === 0) {
    throw new PyvouchError('INDEX_HTTP', `the index lists no file of ${canonical} ${version}`, { help: 'check the version; yanked or deleted releases cannot be scanned' });
  }
  files.sort((a, b) => Number(a.filename.endsWith('.whl')) - Number(b.filename.endsWith('.whl')));
  for (const f of files.slice(0, limit)) {
    const bytes = await ctx.index.download(f);
    const content = await scanFileContent(bytes, f.filename, ctx, page);
    findings.push(...content.findings);
    release.artifacts.push({ filename: f.filename, sha256: content.sha256 });
  }
  return { release, findings: sortFindings(dedupeReleaseFindings(findings)) };
}

/** Index-history findings repeat once per file scanned: keep one. */
function dedupeReleaseFindings(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    if (f.file !== undefined || f.assessor !== 'metadata') return true;
    const key = f.rule;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export interface GraphScan {
  releases: ReleaseScan[];
  findings: Finding[];
  /** Releases that could not be scanned, with why (not trusted for that reason: fail closed). */
  problems: { name: string; version: string; error: PyvouchError }[];
}

/** Scans every node of a graph (a few at a time). */
export async function scanGraph(graph: Graph, ctx: ScanContext, concurrency = 4): Promise<GraphScan> {
  const nodes = [...graph.nodes];
  const releases: ReleaseScan[] = [];
  const problems: GraphScan['problems'] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < nodes.length) {
      const node = nodes[next++]!;
      if (node.source !== undefined && node.source.kind !== 'registry') continue;
      try {
        releases.push(await scanRelease(node.name, node.version, ctx, node.artifacts));
      } catch (err) {
        if (!(err instanceof PyvouchError)) throw err;
        problems.push({ name: node.name, version: node.version, error: err });
        // The name and advisories are still judged.
        releases.push({ release: { name: node.name, version: node.version, artifacts: [] }, findings: releaseLevel(node.name, node.version, ctx) });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, nodes.length) }, worker));
  releases.sort((a, b) => a.release.name.localeCompare(b.release.name));
  return { releases, findings: sortFindings(releases.flatMap((r) => r.findings)), problems };
}

/**
 * What `check --scan` calls: scans the graph and returns the scanner's signed flag statements
 * (source.kind 'scanner'), one per release, assessor and finding kind.
 */
export async function scannerStatements(graph: Graph, ctx: ScanContext, signer: LoadedIdentity, now: Date = new Date()): Promise<{ statements: StoredStatement[]; scan: GraphScan }> {
  const scan = await scanGraph(graph, ctx);
  const statements: StoredStatement[] = [];
  for (const r of scan.releases) {
    if (r.findings.length === 0 || Version.tryParse(r.release.version) === null) continue;
    statements.push(...findingStatements(r.release, r.findings, signer, now));
  }
  return { statements, scan };
}
