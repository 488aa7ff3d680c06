// `--dist DIR`: measure the reviews `suggest` proposes from distribution files at hand (a
// wheelhouse, `pip download -d DIR`). A release's file counts only when its sha256 is one the lock
// records, so the size is that of the code that would be installed; delta bases (other versions)
// are matched by name and version.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Graph } from '../graph/graph.js';
import { parseSdistFilename, parseWheelFilename } from '../pep/filename.js';
import type { PolicyReport } from '../trust/report.js';
import { addedLines, countLines, sourceFiles } from '../artifact/code-size.js';

interface DistFile {
  path: string;
  filename: string;
  name: string;
  version: string;
  wheel: boolean;
}

function listDists(dir: string): DistFile[] {
  const out: DistFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    try {
      const parsed = entry.name.endsWith('.whl') ? parseWheelFilename(entry.name) : parseSdistFilename(entry.name);
      out.push({ path: join(dir, entry.name), filename: entry.name, name: parsed.name, version: parsed.version.toString(), wheel: entry.name.endsWith('.whl') });
    } catch {
      // not a distribution file: nothing to measure
    }
  }
  // Wheels first: they hold what is installed; an sdist also carries tests and docs.
  return out.sort((a, b) => Number(b.wheel) - Number(a.wheel) || a.filename.localeCompare(b.filename));
}

export interface ReviewSizes {
  sizes: Map<string, number>;
  deltaSizes: Map<string, number>;
  /** Files that were skipped, with why (for a warning). */
  skipped: string[];
}

export async function reviewSizes(dir: string, graph: Graph, report: PolicyReport): Promise<ReviewSizes> {
  const files = listDists(dir);
  const result: ReviewSizes = { sizes: new Map(), deltaSizes: new Map(), skipped: [] };
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  const sha = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
  for (const verdict of report.nodes) {
    if (verdict.verdict !== 'fail') continue;
    const node = nodes.get(verdict.name);
    if (node === undefined) continue;
    const locked = new Set(node.artifacts.flatMap((a) => (a.sha256 === undefined ? [] : [a.sha256])));
    const mine = files.filter((f) => f.name === node.name && f.version === node.version);
    const bound = mine.find((f) => locked.has(sha(f.path)));
    if (bound === undefined) {
      if (mine.length > 0) result.skipped.push(`${mine[0]!.filename}: its sha256 is not one the lock records for ${node.name}==${node.version}`);
      continue;
    }
    const target = await sourceFiles(bound.path, bound.filename);
    result.sizes.set(`${node.name}==${node.version}`, countLines(target));
    for (const base of verdict.trustedVersions ?? []) {
      const from = files.find((f) => f.name === node.name && f.version === base.version && f.wheel === bound.wheel);
      if (from === undefined) continue;
      const before = await sourceFiles(from.path, from.filename);
      result.deltaSizes.set(`${node.name}==${base.version}->${node.version}`, addedLines(before, target));
    }
  }
  return result;
}
