// The per-file decision of the gated index: may this exact file (release and sha256) be served?
// The decision itself is src/app/decide.ts (one policy evaluation for check, serve and the UI);
// this adapter reads the statements through app's store source and caches. Decisions are cached
// under the generation they were made in (see freshness.ts) and for a bounded time, since
// statements and exemptions expire.

import type { Statement } from '../attest/types.js';
import { decideFile, type FileDecision } from '../app/decide.js';
import { gatherStatements, storeSource, type StatementSource } from '../app/sources.js';
import { PyvouchError } from '../errors.js';
import type { IndexFile } from '../simple/types.js';
import type { StatementStore } from '../store/store.js';
import { seenKey, type SeenFile } from '../store/decisions.js';
import { loadPolicy } from '../trust/load.js';
import type { Policy } from '../trust/policy.js';
import { indexStatements, type StatementIndex } from '../trust/statements.js';
import type { Freshness } from './freshness.js';
import type { ServerMetrics } from './metrics.js';

export type { FileDecision, FileVerdict } from '../app/decide.js';

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
  /**
   * `serve --scan`: the scanner's statements about one file, scanned from its bytes (cached per
   * sha256). Consulted for downloads (strict decisions); a file it cannot scan is refused.
   */
  scan?: (project: string, file: IndexFile, version: string) => Promise<Statement[]>;
  /**
   * Statements about one file that no store holds, e.g. `publish` statements from upstream's
   * verified PEP 740 provenance (`serve --provenance`). Weighed with the project's statements.
   */
  fileStatements?: (project: string, file: IndexFile, now: Date) => Promise<readonly Statement[]>;
  /**
   * When the index first saw each file, recording the unseen ones (the decision log's firstSeen):
   * the cooldown's clock for files upstream states no PEP 700 upload-time for. Without it, or when
   * it fails, such a file's age is unknown and a min-age policy fails it (closed).
   */
  firstSeen?: (files: readonly SeenFile[], now: Date) => Promise<Map<string, string>>;
}

interface Entry {
  decision: FileDecision;
  at: number;
  /** Whether the scanner's statements were weighed (a download needs that when scanning is on). */
  scanned: boolean;
}

/** Decides files for the gated index through src/app (decideFile), caching per generation. */
export class Decider {
  private readonly entries = new Map<string, Entry>();
  private readonly statements = new Map<string, { generation: string; index: Promise<StatementIndex>; raw: Promise<Statement[]> }>();
  private trust: { generation: string; statements: Promise<Statement[]> } | undefined;
  /** First-seen times already read (they never change once recorded). */
  private readonly seen = new Map<string, string>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => Date;
  private readonly projectSource: StatementSource;
  private readonly trustSource: StatementSource;

  constructor(private readonly options: DeciderOptions) {
    this.projectSource = storeSource(options.store, 'packages');
    this.trustSource = storeSource(options.store, 'trust');
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
    const scanning = strict && this.options.scan !== undefined;
    files.forEach((file, i) => {
      const hit = this.entries.get(keyOf(project, file));
      if (hit !== undefined && hit.decision.generation === generation && now.getTime() - hit.at < this.ttlMs && (hit.scanned || !scanning)) {
        out[i] = { ...hit.decision, fresh: false };
      } else misses.push(i);
    });
    this.options.metrics?.decisionCache.inc({ result: 'hit' }, files.length - misses.length);
    if (misses.length === 0) return out;
    this.options.metrics?.decisionCache.inc({ result: 'miss' }, misses.length);

    // The statements are read after the generation: a decision may be newer than its stamp, never older.
    const pending = this.statementIndex(project, generation);
    // Set with the index, synchronously: the project's statements for files that bring their own.
    const raw = this.statements.get(project)?.raw;
    const index = await pending;
    const seen = await this.firstSeen(project, misses.map((i) => files[i]!), now);
    for (const i of misses) {
      const file = files[i]!;
      // firstSeen() leaves out files whose upload-time upstream gives.
      const firstSeen = seen.get(file.filename);
      const extra = this.options.fileStatements === undefined ? [] : await this.options.fileStatements(project, file, now);
      const statements = extra.length === 0 || raw === undefined ? index : indexStatements([...(await raw), ...extra]);
      const decided = scanning
        ? await this.decideScanned(project, file, statements, generation, now, extra, firstSeen)
        : decideFile({ project, file, statements, policy: this.options.policy.policy, indexUrl: this.options.indexUrl, generation, now, ...(firstSeen === undefined ? {} : { firstSeen }) });
      const decision = withFindingDetails(decided, extra);
      out[i] = decision;
      const key = keyOf(project, file);
      this.entries.delete(key);
      this.entries.set(key, { decision, at: now.getTime(), scanned: scanning });
    }
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
    return out;
  }

  /** A download's decision with the scanner's statements about the file weighed too. */
  private async decideScanned(project: string, file: IndexFile, index: StatementIndex, generation: string, now: Date, extra: readonly Statement[], firstSeen: string | undefined): Promise<FileDecision> {
    const decide = (statements: StatementIndex): FileDecision =>
      decideFile({ project, file, statements, policy: this.options.policy.policy, indexUrl: this.options.indexUrl, generation, now, ...(firstSeen === undefined ? {} : { firstSeen }) });
    const first = decide(index);
    // Nothing to bind scanner statements to: the decision stands (it fails closed already).
    if (first.verdict === 'error' || first.sha256 === null) return first;
    let found: Statement[];
    try {
      found = await this.options.scan!(project, file, first.version);
    } catch (err) {
      const reason = `the scanner could not read ${file.filename}: ${err instanceof PyvouchError ? err.message : String(err)}`;
      return { ...first, verdict: 'error', allowed: false, reasons: [reason], summary: `pyvouch: ${file.filename} cannot be checked: ${reason}` };
    }
    if (found.length === 0) return first;
    const raw = await this.statements.get(project)?.raw;
    return decide(indexStatements([...(raw ?? []), ...extra, ...found]));
  }

  /**
   * When this index first saw each of `files` that upstream states no upload-time for, by filename
   * (recording the unseen ones now). Project pages call it in every mode, so a file's clock starts
   * when it is first listed, not when someone first asks for it.
   */
  async firstSeen(project: string, files: readonly IndexFile[], now = this.now()): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (this.options.firstSeen === undefined) return out;
    const ask: SeenFile[] = [];
    for (const f of files) {
      const sha256 = f.hashes['sha256']?.toLowerCase();
      if (f.uploadTime !== undefined || sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) continue;
      const key = seenKey({ project, filename: f.filename, sha256 });
      const known = this.seen.get(key);
      if (known !== undefined) out.set(f.filename, known);
      else ask.push({ project, filename: f.filename, sha256 });
    }
    if (ask.length === 0) return out;
    let answered: Map<string, string>;
    try {
      answered = await this.options.firstSeen(ask, now);
    } catch {
      // Unknown ages fail a min-age policy closed; a policy without one is not stopped by this.
      return out;
    }
    for (const f of ask) {
      const at = answered.get(seenKey(f));
      if (at === undefined) continue;
      out.set(f.filename, at);
      this.seen.set(seenKey(f), at);
    }
    if (this.seen.size > 200_000) this.seen.clear();
    return out;
  }

  private statementIndex(project: string, generation: string): Promise<StatementIndex> {
    const known = this.statements.get(project);
    if (known !== undefined && known.generation === generation) return known.index;
    if (this.trust === undefined || this.trust.generation !== generation) {
      const statements = gatherStatements([this.trustSource], []).then((g) => g.statements);
      this.trust = { generation, statements };
      statements.catch(() => {
        if (this.trust?.statements === statements) this.trust = undefined;
      });
    }
    const trust = this.trust.statements;
    const raw = (async () => {
      const [about, web] = await Promise.all([gatherStatements([this.projectSource], [project]), trust]);
      return [...about.statements, ...web];
    })();
    const index = raw.then(indexStatements);
    this.statements.set(project, { generation, index, raw });
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
}

function keyOf(project: string, file: IndexFile): string {
  return `${project}\u0000${file.filename}\u0000${file.hashes['sha256'] ?? ''}`;
}

/**
 * A veto by a flag that came with the file (publisher pinning's) says what the flag found, e.g.
 * which publisher signed instead of the pinned one: the 403's reason names the change.
 */
function withFindingDetails(decision: FileDecision, extra: readonly Statement[]): FileDecision {
  if (decision.allowed || decision.report === undefined || extra.length === 0) return decision;
  const details: string[] = [];
  for (const m of decision.report.missing) {
    if (m.kind !== 'veto') continue;
    const flag = extra.find((s) => s.id === m.statement && s.kind === 'flag');
    if (flag !== undefined && flag.description !== '') details.push(flag.description);
  }
  if (details.length === 0) return decision;
  return { ...decision, reasons: [...decision.reasons, ...details], summary: `${decision.summary} (${details.join('; ')})` };
}
