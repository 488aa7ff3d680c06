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
import type { PackageIndex } from '../simple/types.js';
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

/** The verified publishers of one node's files, its publish statements, and what was set aside. */
async function nodeProvenance(node: GraphNode, options: ProvenanceSourceOptions, name: string) {
  const statements: Statement[] = [];
  const setAside: SetAside[] = [];
  const publishers = new Set<string>();
  const receivedAt = options.now.toISOString();
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
    const result = verifyProvenance({ filename: artifact.filename, sha256: artifact.sha256 }, provenance, options.trust);
    if (!result.verified) {
      setAside.push({
        source: name,
        what,
        code: 'PROVENANCE_UNVERIFIED',
        message: `the provenance of ${artifact.filename} does not verify (${result.reason ?? 'unknown'}${result.detail === undefined ? '' : `: ${result.detail}`}); it counts for nothing`,
      });
      continue;
    }
    for (const s of publishStatements(result, receivedAt)) {
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
