// The scanner as a statement source (issue #14): `check --scan` scans the graph (content cached
// per sha256) and `serve --scan` scans each file it is asked for, and the findings enter the
// policy as the local scanner identity's signed `flag` statements (source kind 'scanner').
// A release whose files could not be read is named in a note, never silently passed.
import type { LoadedIdentity } from '../attest/keyfile.js';
import type { Statement } from '../attest/types.js';
import type { Graph } from '../graph/graph.js';
import { PyvouchError } from '../errors.js';
import { findingJson, type Finding } from '../scan/finding.js';
import { findingStatements } from '../scan/identity.js';
import { scannerStatements, scanFileContent, type ScanContext } from '../scan/scan.js';
import { TyposquatIndex } from '../scan/typosquat.js';
import { Version } from '../pep/version.js';
import type { StatementSource } from './sources.js';

/** A release (or one of its files) the scanner could not read: its content is unassessed. */
export interface NotScanned {
  name: string;
  version: string;
  /** The file not read, when the release was read in part. */
  filename?: string;
  reason: string;
}

/** A finding as JSON (src/scan/finding.ts findingJson). */
export type ScanFindingJson = Pick<Finding, 'name' | 'version' | 'distribution' | 'file' | 'line' | 'rule' | 'kind' | 'severity' | 'resembles' | 'advisory' | 'excerpt' | 'message'>;

/** What the scan of a check found, for the renderers. */
export interface ScanSummary {
  /** As `pyvouch scan --format json` writes them. */
  findings: ScanFindingJson[];
  notScanned: NotScanned[];
  statements: number;
}

/**
 * Scans every registry release of the graph and returns the scanner's statements as a source,
 * with a summary. Files neither in the cache nor readable from the index are listed as not
 * scanned (the name and advisory checks still ran on them).
 */
export async function scannerSource(graph: Graph, ctx: ScanContext, signer: LoadedIdentity, now: Date): Promise<{ source: StatementSource; summary: ScanSummary }> {
  const { statements, scan } = await scannerStatements(graph, { ...ctx, now: ctx.now ?? now }, signer, now);
  const notScanned: NotScanned[] = [];
  const failed = new Set<string>();
  for (const p of scan.problems) {
    failed.add(`${p.name}\u0000${p.version}`);
    notScanned.push({ name: p.name, version: p.version, reason: p.error.message });
  }
  const read = new Map<string, Set<string>>();
  for (const r of scan.releases) read.set(`${r.release.name}\u0000${r.release.version}`, new Set(r.release.artifacts.map((a) => a.sha256)));
  for (const node of graph.nodes) {
    const key = `${node.name}\u0000${node.version}`;
    if (failed.has(key)) continue;
    if (node.source !== undefined && node.source.kind !== 'registry') {
      notScanned.push({ name: node.name, version: node.version, reason: `a ${node.source.kind} source, not a registry release: the scanner reads index files only` });
      continue;
    }
    const seen = read.get(key) ?? new Set<string>();
    if (node.artifacts.length === 0 && seen.size === 0) {
      notScanned.push({ name: node.name, version: node.version, reason: 'the lock names no file and none was read' });
      continue;
    }
    for (const a of node.artifacts) {
      if (a.sha256 !== undefined && seen.has(a.sha256.toLowerCase())) continue;
      if (a.sha256 === undefined && seen.size > 0) continue;
      notScanned.push({
        name: node.name,
        version: node.version,
        filename: a.filename,
        reason: ctx.index === undefined ? 'not in the scan cache and no index to read it from (pass --index)' : 'not read from the index (the release has more files than the scanner reads, or the file is not listed)',
      });
    }
  }
  const list: Statement[] = statements.map((s) => s.statement);
  return {
    source: { name: 'scanner', gather: () => Promise.resolve({ statements: list }) },
    summary: { findings: scan.findings.map((f) => findingJson(f) as unknown as ScanFindingJson), notScanned, statements: list.length },
  };
}

/**
 * The scanner for the gated index: scans one file's bytes (content cached per sha256 by the
 * context's cache; the signed statements too) and returns its flag statements. A file that cannot
 * be read throws, so the caller refuses it (fail closed).
 */
export class FileScanner {
  private readonly signed = new Map<string, Promise<Statement[]>>();
  constructor(
    private readonly ctx: ScanContext,
    private readonly signer: LoadedIdentity,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** The scanner's statements about `filename` with these bytes (sha256 checked by the caller). */
  statements(project: string, version: string, filename: string, sha256: string, bytes: () => Promise<Uint8Array>): Promise<Statement[]> {
    const key = `${sha256}\u0000${filename}`;
    const known = this.signed.get(key);
    if (known !== undefined) return known;
    const made = (async () => {
      const now = this.now();
      let content: { findings: Finding[]; sha256: string };
      try {
        content = await scanFileContent(await bytes(), filename, { ...this.ctx, now });
      } catch (err) {
        if (err instanceof PyvouchError) throw new PyvouchError(err.code, `the scanner cannot read ${filename}: ${err.message}`, { help: 'the file is refused while it cannot be scanned' });
        throw err;
      }
      if (content.sha256 !== sha256) throw new PyvouchError('DIGEST_MISMATCH', `${filename} does not match the sha256 upstream states for it`);
      const named = (this.ctx.typosquat ?? TyposquatIndex.shipped()).check(project).map((f) => ({ ...f, version }));
      const advised = this.ctx.advisories?.check(project, version) ?? [];
      const findings = [...named, ...advised, ...content.findings];
      if (findings.length === 0 || Version.tryParse(version) === null) return [];
      return findingStatements({ name: project, version, artifacts: [{ filename, sha256 }] }, findings, this.signer, now).map((s) => s.statement);
    })();
    this.signed.set(key, made);
    made.catch(() => {
      if (this.signed.get(key) === made) this.signed.delete(key);
    });
    if (this.signed.size > 10_000) {
      const oldest = this.signed.keys().next();
      if (oldest.done !== true) this.signed.delete(oldest.value);
    }
    return made;
  }
}
