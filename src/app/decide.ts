// The gated index's use case: may this exact file (release and sha256) be served? Decided from
// the statements a source gives about its project, by the one policy evaluation check uses too.
import type { Graph, GraphNode } from '../graph/graph.js';
import type { IndexFile } from '../simple/types.js';
import { releaseOf } from '../pep/filename.js';
import { evaluatePolicy } from '../trust/evaluate.js';
import type { Policy } from '../trust/policy.js';
import { formatNumber, type NodeReport } from '../trust/report.js';
import { indexStatements, type StatementIndex } from '../trust/statements.js';
import { gatherStatements, type StatementSource } from './sources.js';

export type FileVerdict = 'pass' | 'fail' | 'exempt' | 'error';

export interface FileDecision {
  project: string;
  filename: string;
  /** Normalised version from the file name ('' when the name cannot be read). */
  version: string;
  sha256: string | null;
  verdict: FileVerdict;
  /** pass and exempt allow; fail and error do not (fail closed). */
  allowed: boolean;
  /** Why it fails (or the exemption that lets it pass), one sentence each. */
  reasons: string[];
  /** One line for people: the body and status text of a 403, the log line. */
  summary: string;
  report?: NodeReport;
  generation: string;
  decidedAt: string;
  /** False when the decision came from the cache. */
  fresh: boolean;
}

// Only its name matters to evaluation; a server answers every target environment alike.
const ENVIRONMENT = { python: '3', platform: 'linux', machine: 'x86_64', implementation: 'cpython' };

/** The statements about one project (and the trust web), indexed for many decisions. */
export async function projectStatements(sources: readonly StatementSource[], project: string): Promise<StatementIndex> {
  return indexStatements((await gatherStatements(sources, [project])).statements);
}

export interface DecideFileInput {
project: string;
file: IndexFile;
/** The statements about the project and the trust statements, indexed once per generation. */
statements: StatementIndex;
policy: Policy;
/** The upstream index the file comes from, so the policy's index party can vouch for it. */
indexUrl: string;
generation: string;
now: Date;
/** When the gated index first saw the file (ISO), the cooldown's clock when upstream states no upload-time. */
firstSeen?: string;
}

/**
 * Judges one file as a one-node graph {name, version, artifacts: [that file]}: a review bound to
 * the wheel does not vouch for the sdist, and the index party vouches for a file upstream serves.
 */
export function decideFile(input: DecideFileInput): FileDecision {
const { project, file, statements: index, generation, now } = input;
  const sha256 = file.hashes['sha256']?.toLowerCase() ?? null;
  const base = { project, filename: file.filename, sha256, generation, decidedAt: now.toISOString(), fresh: true };
  const parsed = releaseOf(file.filename);
  if (parsed === undefined) {
    return error(base, '', `'${file.filename}' is not a wheel or sdist file name, so its release cannot be known`);
  }
  if (parsed.name !== project) {
    return error(base, parsed.version, `${file.filename} belongs to project '${parsed.name}', not '${project}'`);
  }
  const node: GraphNode = {
    name: project,
    version: parsed.version,
    artifacts: [
      {
        filename: file.filename,
        ...(sha256 === null ? {} : { sha256 }),
        url: file.url,
        kind: parsed.kind,
        index: input.indexUrl,
        // PEP 700 upload-time from upstream: the release-age cooldown (min-age) judges by it.
        // Without it, the gated index's own first-seen time (issue 15); neither: age unknown, fails closed.
        ...(file.uploadTime !== undefined ? { uploadTime: file.uploadTime } : input.firstSeen !== undefined ? { uploadTime: input.firstSeen } : {}),
      },
    ],
    source: { kind: 'registry', location: input.indexUrl },
    metadata: 'unknown',
  };
  const graph: Graph = {
    source: { format: 'resolver' },
    environment: ENVIRONMENT,
    roots: [project],
    nodes: [node],
    edges: [],
    edgesKnown: true,
    diagnostics: [],
  };
  const policy = input.policy;
  const report = evaluatePolicy(graph, index, policy, { now }).nodes[0];
  if (report === undefined) return error(base, parsed.version, 'the policy evaluation returned no verdict');
  const id = `${project} ${parsed.version}`;
  if (sha256 === null) {
    // Without upstream's sha256 the bytes cannot be checked, so no statement can be bound to them.
    return {
      ...base,
      version: parsed.version,
      verdict: 'fail',
      allowed: false,
      reasons: [`upstream states no sha256 for ${file.filename}, so its bytes cannot be checked`],
      summary: `pyvouch: ${id} (${file.filename}) cannot be checked: upstream states no sha256 for it`,
      report,
      generation,
    };
  }
  const reasons = report.verdict === 'exempt' && report.exemption !== undefined ? [`exempt: ${report.exemption.reason}`] : report.missing.map((m) => m.message);
  const seenNote =
    file.uploadTime === undefined && input.firstSeen !== undefined && report.missing.some((m) => m.kind === 'too-young')
      ? `upstream states no upload-time for ${file.filename}: its age counts from ${input.firstSeen}, when this index first saw it`
      : undefined;
  if (seenNote !== undefined) reasons.push(seenNote);
  return {
    ...base,
    version: parsed.version,
    verdict: report.verdict,
    allowed: report.verdict !== 'fail',
    reasons,
    summary: `${summarize(id, report, reasons)}${seenNote === undefined ? '' : ` (${seenNote})`}`,
    report,
  };
}

function summarize(id: string, report: NodeReport, reasons: readonly string[]): string {
  switch (report.verdict) {
    case 'pass':
      return `pyvouch: ${id} passes the policy (score ${formatNumber(report.score)} of ${formatNumber(report.threshold)})`;
    case 'exempt':
      return `pyvouch: ${id} is exempt from the policy: ${report.exemption?.reason ?? ''}`;
    default: {
      // The score line reads best as the headline; vetoes and required parties come first when present.
      const order = ['denied', 'veto', 'too-young', 'age-unknown', 'required', 'score', 'no-statements', 'untrusted', 'hash-mismatch', 'unbound', 'exemption-expired'];
      const sorted = [...report.missing].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
      const why = sorted.map((m) => (m.kind === 'score' ? `score ${formatNumber(m.have)} is ${formatNumber(m.short)} short of ${formatNumber(m.need)}` : m.message));
      return `pyvouch: ${id} fails the policy: ${(why.length > 0 ? why : reasons).join('; ')}`;
    }
  }
}

function error(base: Omit<FileDecision, 'version' | 'verdict' | 'allowed' | 'reasons' | 'summary'>, version: string, reason: string): FileDecision {
  return { ...base, version, verdict: 'error', allowed: false, reasons: [reason], summary: `pyvouch: ${base.filename} cannot be checked: ${reason}` };
}

