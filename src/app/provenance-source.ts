// PEP 740 provenance as a statement source: for each locked file, find its provenance (a
// `--provenance DIR` of `<filename>.provenance`, or the index's provenance URL), verify it offline
// against the file's locked sha256 (Sigstore, src/provenance/), and yield `publish` statements;
// then judge each release against the publisher pins and yield the pinning findings as flags.
import type { Statement } from '../attest/types.js';
import { isPyvouchError } from '../errors.js';
import type { Artifact, Graph, GraphNode } from '../graph/graph.js';
import { canonicalizeName } from '../pep/name.js';
import type { Provenance } from '../provenance/attestation.js';
import { findProvenance } from '../provenance/find.js';
import type { PinStore } from '../provenance/pin-store.js';
import { checkPublisherPinning } from '../provenance/pinning-commands.js';
import { publishStatements } from '../provenance/statements.js';
import type { ProvenanceTrust } from '../provenance/trusted-root.js';
import { verifyProvenance } from '../provenance/verify.js';
import { parseProvenanceJson } from '../provenance/attestation.js';
import type { IndexFile, PackageIndex } from '../simple/types.js';
import type { SetAside, StatementSource } from './sources.js';

export const PROVENANCE_SOURCE_NAME = 'provenance';

/** Finds a locked file's provenance; undefined when there is none. Throws for malformed content. */
export type ProvenanceFinder = (node: GraphNode, artifact: Artifact) => Promise<Provenance | undefined>;

/** `--provenance DIR`: `<filename>.provenance` files in one directory. */
export function provenanceDirFinder(dir: string): ProvenanceFinder {
  return (_node, artifact) => findProvenance(dir, artifact.filename);
}

/**
 * The index's PEP 740 provenance URL: the project page names the file (by filename, and by sha256
 * when both sides give one: a file the index lists under another digest is not this file).
 */
export function indexProvenanceFinder(index: PackageIndex): ProvenanceFinder {
  const pages = new Map<string, ReturnType<PackageIndex['project']>>();
  return async (node, artifact) => {
    if (index.provenance === undefined) return undefined;
    let page = pages.get(node.name);
    if (page === undefined) {
      page = index.project(node.name);
      pages.set(node.name, page);
    }
    const file = (await page)?.files.find((f) => f.filename === artifact.filename);
    if (file === undefined) return undefined;
    const listed = file.hashes['sha256']?.toLowerCase();
    if (listed !== undefined && artifact.sha256 !== undefined && listed !== artifact.sha256.toLowerCase()) return undefined;
    return index.provenance(file);
  };
}

export interface PinningOptions {
  store: PinStore;
  /** Signs the findings: pyvouch's local identity. */
  signer: { did: string; name?: string; privateKey: import('node:crypto').KeyObject };
  /** Whose acceptances (`accept-publisher`) count. */
  trusted: (did: string) => boolean;
}

export interface ProvenanceSourceOptions {
  graph: Graph;
  find: ProvenanceFinder;
  trust: ProvenanceTrust;
  /** When pyvouch got the provenance (the check's clock). */
  now: Date;
  /** Publisher pinning; none when absent. */
  pinning?: PinningOptions;
  /** Shown in set-aside reports, e.g. `--provenance dist/` or `provenance from https://…`. */
  name?: string;
}

/**
 * One file's provenance verified against its sha256: the `publish` statements when it verifies
 * (none, with the reason set aside, when it does not). For the gated index, file by file.
 */
export function fileProvenanceStatements(
  file: { filename: string; sha256: string },
  provenance: Provenance,
  trust: ProvenanceTrust,
  now: Date,
  source = PROVENANCE_SOURCE_NAME,
): { statements: Statement[]; setAside: SetAside[] } {
  const result = verifyProvenance(file, provenance, trust);
  if (!result.verified) {
    return {
      statements: [],
      setAside: [
        {
          source,
          what: file.filename,
          code: 'PROVENANCE_UNVERIFIED',
          message: `the provenance of ${file.filename} does not verify (${result.reason ?? 'unknown'}${result.detail === undefined ? '' : `: ${result.detail}`}); it counts for nothing`,
        },
      ],
    };
  }
  return { statements: publishStatements(result, now.toISOString()), setAside: [] };
}

/** The verified publishers of one node's files, its publish statements, and what was set aside. */
async function nodeProvenance(node: GraphNode, options: ProvenanceSourceOptions, name: string) {
  const statements: Statement[] = [];
  const setAside: SetAside[] = [];
  const publishers = new Set<string>();
  for (const artifact of node.artifacts) {
    const what = `${artifact.filename}`;
    let provenance: Provenance | undefined;
    try {
      provenance = await options.find(node, artifact);
    } catch (err) {
      if (!isPyvouchError(err)) throw err;
      setAside.push({ source: name, what, code: err.code, message: `the provenance of ${artifact.filename} is unusable: ${err.message}` });
      continue;
    }
    if (provenance === undefined) continue;
    if (artifact.sha256 === undefined) {
      setAside.push({ source: name, what, code: 'PROVENANCE_UNVERIFIED', message: `the provenance of ${artifact.filename} cannot be checked: the lock records no sha256 for it` });
      continue;
    }
    const verified = fileProvenanceStatements({ filename: artifact.filename, sha256: artifact.sha256.toLowerCase() }, provenance, options.trust, options.now, name);
    setAside.push(...verified.setAside);
    for (const s of verified.statements) {
      // The attestation names the file; the node is what the lock installs under that name.
      if (s.package !== undefined && (canonicalizeName(s.package.name) !== node.name || s.package.version !== node.version)) continue;
      statements.push(s);
      if (s.publisher !== undefined) publishers.add(s.publisher.id);
    }
  }
  return { statements, setAside, publishers: [...publishers].sort() };
}

/**
 * The provenance of the graph's files as a source. A provenance that fails verification is set
 * aside with its reason and counts for nothing; with pinning, a release whose verified publishers
 * differ from the pinned ones (or that has none after attested releases) yields a signed flag.
 */
export function provenanceSource(options: ProvenanceSourceOptions): StatementSource {
  const name = options.name ?? PROVENANCE_SOURCE_NAME;
  return {
    name,
    async gather(names) {
      const wanted = new Set(names.map((n) => canonicalizeName(n)));
      const statements: Statement[] = [];
      const setAside: SetAside[] = [];
      // One node at a time: the pins file is read and written per project.
      for (const node of options.graph.nodes) {
        if (!wanted.has(node.name) || node.artifacts.length === 0) continue;
        const found = await nodeProvenance(node, options, name);
        statements.push(...found.statements);
        setAside.push(...found.setAside);
        if (options.pinning === undefined) continue;
        const artifacts = node.artifacts.flatMap((a) => (a.sha256 === undefined ? [] : [{ filename: a.filename, sha256: a.sha256.toLowerCase() }]));
        const pinned = await checkPublisherPinning({
          store: options.pinning.store,
          project: node.name,
          release: { version: node.version, publishers: found.publishers },
          artifacts,
          signer: options.pinning.signer,
          trusted: options.pinning.trusted,
          now: options.now.toISOString(),
        });
        statements.push(...pinned.statements.map((s) => s.statement));
      }
      return { statements, setAside };
    },
  };
}

/**
 * For the gated index (`serve --provenance`): a file's `publish` statements from the provenance
 * upstream serves for it, verified against upstream's sha256. Anything that goes wrong (none served,
 * unreachable, malformed, not verifying) yields nothing: the file is judged without provenance.
 * Results are kept a while per file and digest, since a page asks for every file at once.
 */
export function upstreamProvenanceStatements(
  upstream: { provenance(file: IndexFile): Promise<{ body: Uint8Array } | undefined> },
  trust: ProvenanceTrust,
  options: { ttlMs?: number; maxEntries?: number; onSetAside?: (s: SetAside) => void } = {},
): (project: string, file: IndexFile, now: Date) => Promise<readonly Statement[]> {
  const ttlMs = options.ttlMs ?? 300_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const cache = new Map<string, { at: number; statements: Promise<Statement[]> }>();
  const load = async (file: IndexFile, sha256: string, now: Date): Promise<Statement[]> => {
    try {
      const served = await upstream.provenance(file);
      if (served === undefined) return [];
      const provenance = parseProvenanceJson(Buffer.from(served.body).toString('utf8'), file.provenance ?? file.url);
      const verified = fileProvenanceStatements({ filename: file.filename, sha256 }, provenance, trust, now, 'upstream provenance');
      for (const s of verified.setAside) options.onSetAside?.(s);
      return verified.statements;
    } catch (err) {
      options.onSetAside?.({ source: 'upstream provenance', what: file.filename, code: isPyvouchError(err) ? err.code : 'UPSTREAM', message: `the provenance of ${file.filename} is unusable: ${(err as Error).message}` });
      return [];
    }
  };
  return async (_project, file, now) => {
    const sha256 = file.hashes['sha256']?.toLowerCase();
    if (file.provenance === undefined || sha256 === undefined) return [];
    const key = `${file.filename}\u0000${sha256}`;
    const hit = cache.get(key);
    if (hit !== undefined && now.getTime() - hit.at < ttlMs) return hit.statements;
    const statements = load(file, sha256, now);
    cache.delete(key);
    cache.set(key, { at: now.getTime(), statements });
    while (cache.size > maxEntries) {
      const oldest = cache.keys().next();
      if (oldest.done === true) break;
      cache.delete(oldest.value);
    }
    return statements;
  };
}
