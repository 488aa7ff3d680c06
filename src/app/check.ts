// The `check` use case: a graph, statement sources, a policy and a clock in; the policy report,
// the cheapest reviews that would make it pass, and what was set aside out. CLI, web UI and the
// library all check through here.
import { dirname } from 'node:path';
import type { CooldownInputs } from '../trust/cooldown.js';
import type { Graph, SelectionOptions, TargetDescription } from '../graph/graph.js';
import { PyvouchError } from '../errors.js';
import { loadLockFile } from '../lock/load.js';
import { parseTarget, type TargetInput } from '../pep/environment.js';
import type { CheckContext } from '../render/check.js';
import { openStore, verifiedCacheIn } from '../store/open.js';
import type { StatementStore } from '../store/store.js';
import { evaluatePolicy } from '../trust/evaluate.js';
import { findPolicy, loadPolicy } from '../trust/load.js';
import type { Policy } from '../trust/policy.js';
import type { PolicyReport } from '../trust/report.js';
import { suggestReviews, type SuggestOptions } from '../trust/suggest.js';
import { loadEnvelopes, describeRejection } from './envelope-files.js';
import { confirmIndexes, type ConfirmOptions, type IndexConfirmation } from './index-confirm.js';
import { gatherStatements, loadedSource, storeSource, type SetAside, type StatementSource } from './sources.js';

export interface CheckGraphInput {
  graph: Graph;
  sources: readonly StatementSource[];
  policy: Policy;
  now: Date;
  /** Review sizes for the suggestions (lines to read), measured once the report is known. */
  measure?: (graph: Graph, report: PolicyReport) => Promise<SuggestOptions>;
  /** Trusted advisories (and upload times) for the release-age cooldown (min-age). */
  cooldown?: CooldownInputs;
  /**
   * What the index parties' indexes are known to serve, when the caller knows it already (`serve`
   * fetched the files from upstream). Otherwise the pages are fetched per `confirm`.
   */
  indexConfirmation?: IndexConfirmation;
  /** How to confirm the locked files against the index parties' indexes (offline, mirror, cache). */
  confirm?: ConfirmOptions;
}

export interface CheckResult extends CheckContext {
  /** Statements that count for nothing (bad signature, edited store row…), with the reason. */
  setAside: SetAside[];
  /** How the index parties' indexes were consulted (offline, unreachable, a local snapshot). */
  indexNotes: string[];
}

/** Gathers the statements about the graph's packages, evaluates the policy and suggests reviews. */
export async function checkGraph(input: CheckGraphInput): Promise<CheckResult> {
  const { graph, policy, now } = input;
  const gathered = await gatherStatements(input.sources, graph.nodes.map((n) => n.name));
  // The index is trusted only for what it serves: confirm the locked files before evaluating.
  const confirmation = input.indexConfirmation ?? (await confirmIndexes(graph, policy, input.confirm ?? {}));
  const report = evaluatePolicy(graph, gathered.statements, policy, {
    now,
    indexCheck: confirmation.check,
    ...(input.cooldown === undefined ? {} : { cooldown: input.cooldown }),
  });
  const sizes = input.measure === undefined ? {} : await input.measure(graph, report);
  const suggestions = suggestReviews(report, graph, policy, sizes);
  return {
    graph,
    report,
    suggestions,
    statements: gathered.statements.length,
    setAside: gathered.setAside,
    indexNotes: confirmation.notes,
    ...(policy.file === undefined ? {} : { policyFile: policy.file }),
  };
}

/** The `--statements` files as a source: verified now, received now, from `{ kind: 'file' }`. */
export function statementFilesSource(paths: readonly string[], now: Date): StatementSource {
  const loaded = loadEnvelopes(paths, { now });
  const setAside = loaded.rejected.map((r) => ({ source: '--statements', what: r.file, code: r.error.code, message: describeRejection(r) }));
  return loadedSource('--statements', loaded.accepted, setAside, now);
}

/** The policy named, or else the one found beside `anchor` or in the current directory. */
export async function resolvePolicy(anchor: string, explicit: string | undefined): Promise<Policy> {
  if (explicit !== undefined) return loadPolicy(explicit);
  const found = (await findPolicy(dirname(anchor))) ?? (await findPolicy(process.cwd()));
  if (found === undefined) {
    throw new PyvouchError('USAGE', `no policy: neither ${dirname(anchor)} nor the current directory has a pyvouch.toml or a [tool.pyvouch] table`, {
      help: 'pass one with --policy PATH (see docs/policy.md)',
    });
  }
  return found;
}

export interface CheckLockOptions {
  /** The lock file: pylock.toml, requirements.txt, uv.lock or poetry.lock. */
  lock: string;
  /** The policy file, or a parsed policy (default: found beside the lock). */
  policy?: string | Policy;
  /** Statement files or directories to weigh (verified, not stored). */
  statements?: readonly string[];
  /** A store to read: an open store, a path or postgres:// URL. None by default. */
  store?: StatementStore | string;
  /** Cache directory for the verified-envelope cache when `store` is a path or URL. */
  cacheDir?: string;
  now?: Date;
  target?: TargetDescription | TargetInput;
  selection?: SelectionOptions;
  /** How to confirm the locked files against the policy's index parties (default: ask each index). */
  confirm?: ConfirmOptions;
}

function isTargetDescription(t: TargetDescription | TargetInput): t is TargetDescription {
  return typeof (t as TargetDescription).implementation === 'string' && typeof (t as TargetDescription).machine === 'string';
}

/** The library's one call: check a lock file against a policy and statements. */
export async function checkLock(options: CheckLockOptions): Promise<CheckResult> {
  const now = options.now ?? new Date();
  const target = options.target === undefined ? parseTarget({}) : isTargetDescription(options.target) ? options.target : parseTarget(options.target);
  const graph = loadLockFile(options.lock, target, options.selection ?? {});
  const policy = typeof options.policy === 'object' ? options.policy : await resolvePolicy(options.lock, options.policy);
  const sources: StatementSource[] = [];
  let opened: StatementStore | undefined;
  try {
    if (typeof options.store === 'string') {
      opened = await openStore(options.store, dirname(options.store), options.cacheDir === undefined ? {} : { verifiedCache: verifiedCacheIn(options.cacheDir) });
      sources.push(storeSource(opened));
    } else if (options.store !== undefined) sources.push(storeSource(options.store));
    if (options.statements !== undefined && options.statements.length > 0) sources.push(statementFilesSource(options.statements, now));
    return await checkGraph({ graph, sources, policy, now, ...(options.confirm === undefined ? {} : { confirm: options.confirm }) });
  } finally {
    await opened?.close();
  }
}
