// The per-file decision of the gated index: may this exact file (release and sha256) be served?
// Each file is judged as a one-node graph, {name, version, artifacts: [that file, from upstream]},
// against the statements about its project, so a review bound to the wheel does not vouch for the
// sdist, and the policy's index party vouches when the file comes from the index it names.
// Decisions are cached under the generation they were made in (see freshness.ts) and for a
// bounded time, since statements and exemptions expire.

import type { Statement } from '../attest/types.js';
import { PyvouchError } from '../errors.js';
import type { Graph, GraphNode } from '../graph/graph.js';
import type { IndexFile } from '../simple/types.js';
import { parseSdistFilename, parseWheelFilename } from '../pep/filename.js';
import type { StatementStore } from '../store/store.js';
import { evaluatePolicy } from '../trust/evaluate.js';
import { loadPolicy } from '../trust/load.js';
import type { Policy } from '../trust/policy.js';
import { formatNumber, type NodeReport } from '../trust/report.js';
import { indexStatements, type StatementIndex } from '../trust/statements.js';
import type { Freshness } from './freshness.js';
import type { ServerMetrics } from './metrics.js';

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

/** The policy in force, replaced whole on reload. */
export class PolicyHolder {
  #policy: Policy;
  constructor(
    policy: Policy,
    readonly path: string | undefined,
  ) {
    this.#policy = policy;
  }

  get policy(): Policy {
    return this.#policy;
  }

  /** Re-reads the policy file; on any error the policy in force stays and the error is thrown. */
  async reload(): Promise<Policy> {
    if (this.path === undefined) {
      throw new PyvouchError('USAGE', 'the server was started without a policy file, so there is nothing to reload', {
        help: 'start pyvouch serve with --policy PATH',
      });
    }
    this.#policy = await loadPolicy(this.path);
    return this.#policy;
  }
}

export interface DeciderOptions {
  store: StatementStore;
  policy: PolicyHolder;
  freshness: Freshness;
  /** The upstream index URL set on each artifact, so the policy's index party can vouch. */
  indexUrl: string;
  /** How long a decision is reused at most (default 60 s). */
  ttlMs?: number;
  /** Decisions kept (default 100 000). */
  maxEntries?: number;
  metrics?: ServerMetrics;
  now?: () => Date;
}

interface Entry {
  decision: FileDecision;
  at: number;
}

// Only its name matters to evaluation; a server answers every target environment alike.
const ENVIRONMENT = { python: '3', platform: 'linux', machine: 'x86_64', implementation: 'cpython' };

export class Decider {
  private readonly entries = new Map<string, Entry>();
  private readonly statements = new Map<string, { generation: string; index: Promise<StatementIndex> }>();
  private trust: { generation: string; statements: Promise<Statement[]> } | undefined;
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => Date;

  constructor(private readonly options: DeciderOptions) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? (() => new Date());
    options.freshness.onChange(() => this.clear());
  }

  /** Drops everything cached (the generation moved, so none of it is reusable). */
  clear(): void {
    this.entries.clear();
    this.statements.clear();
    this.trust = undefined;
  }

  /**
   * Decides every file of `project` in `files`, in order. `strict` reads the store's generation
   * now (downloads); otherwise the latest announced one is enough (project pages).
   */
  async decide(project: string, files: readonly IndexFile[], strict: boolean): Promise<FileDecision[]> {
    const generation = await this.options.freshness.current(strict);
    const now = this.now();
    const out: FileDecision[] = new Array<FileDecision>(files.length);
    const misses: number[] = [];
    files.forEach((file, i) => {
      const hit = this.entries.get(keyOf(project, file));
      if (hit !== undefined && hit.decision.generation === generation && now.getTime() - hit.at < this.ttlMs) {
        out[i] = { ...hit.decision, fresh: false };
      } else misses.push(i);
    });
    this.options.metrics?.decisionCache.inc({ result: 'hit' }, files.length - misses.length);
    if (misses.length === 0) return out;
    this.options.metrics?.decisionCache.inc({ result: 'miss' }, misses.length);

    // The statements are read after the generation: a decision may be newer than its stamp, never older.
    const index = await this.statementIndex(project, generation);
    for (const i of misses) {
      const file = files[i]!;
      const decision = this.evaluate(project, file, index, generation, now);
      out[i] = decision;
      const key = keyOf(project, file);
      this.entries.delete(key);
      this.entries.set(key, { decision, at: now.getTime() });
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    return out;
  }

  private statementIndex(project: string, generation: string): Promise<StatementIndex> {
    const known = this.statements.get(project);
    if (known !== undefined && known.generation === generation) return known.index;
    if (this.trust === undefined || this.trust.generation !== generation) {
      const statements = this.options.store.trustStatements().then((list) => list.map((s) => s.statement));
      this.trust = { generation, statements };
      statements.catch(() => {
        if (this.trust?.statements === statements) this.trust = undefined;
      });
    }
    const trust = this.trust.statements;
    const index = (async () => {
      const [about, web] = await Promise.all([this.options.store.forPackages([project]), trust]);
      return indexStatements([...about.map((s) => s.statement), ...web]);
    })();
    this.statements.set(project, { generation, index });
    index.catch(() => {
      if (this.statements.get(project)?.index === index) this.statements.delete(project);
    });
    // A few hundred projects' statements are plenty to keep; the rest are read again when asked.
    if (this.statements.size > 1000) {
      const oldest = this.statements.keys().next();
      if (oldest.done !== true) this.statements.delete(oldest.value);
    }
    return index;
  }

  private evaluate(project: string, file: IndexFile, index: StatementIndex, generation: string, now: Date): FileDecision {
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
          index: this.options.indexUrl,
          // PEP 700 upload-time from upstream: the release-age cooldown (min-age) judges by it.
          ...(file.uploadTime === undefined ? {} : { uploadTime: file.uploadTime }),
        },
      ],
      source: { kind: 'registry', location: this.options.indexUrl },
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
    const policy = this.options.policy.policy;
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
    return {
      ...base,
      version: parsed.version,
      verdict: report.verdict,
      allowed: report.verdict !== 'fail',
      reasons,
      summary: summarize(id, report, reasons),
      report,
    };
  }
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

function keyOf(project: string, file: IndexFile): string {
  return `${project}\u0000${file.filename}\u0000${file.hashes['sha256'] ?? ''}`;
}

/** Name, normalised version and kind from a wheel or sdist file name. */
export function releaseOf(filename: string): { name: string; version: string; kind: 'wheel' | 'sdist' } | undefined {
  try {
    if (filename.toLowerCase().endsWith('.whl')) {
      const w = parseWheelFilename(filename);
      return { name: w.name, version: w.version.toString(), kind: 'wheel' };
    }
    const s = parseSdistFilename(filename);
    return { name: s.name, version: s.version.toString(), kind: 'sdist' };
  } catch {
    return undefined;
  }
}
