// Step 1 and 2 of a node's evaluation: what the node needs (criteria, threshold, the locked files
// and their sha256), and the statements about the release: those about a PEP 440-equal version,
// those about another version that name one of its locked files, and flags whose range holds it.

import type { Statement } from '../../attest/types.js';
import type { GraphNode } from '../../graph/graph.js';
import { shortIdentity, shortStatementId } from '../report.js';
import { indexedStatement, releaseNaming, versionKey, type StatementBucket } from '../statements.js';
import type { TrustEntry } from '../web.js';
import { setAside, type EvaluationRun, type Item, type Gathered, type NodeContext, type NodeState } from './run.js';

export function nodeContext(run: EvaluationRun, node: GraphNode): NodeContext {
  const pkg = run.policy.packages.get(node.name);
  const criteria = pkg?.criteria ?? run.policy.criteria;
  const shas = new Set<string>();
  const unhashed: string[] = [];
  for (const a of node.artifacts) {
    if (a.sha256 === undefined || a.sha256 === '') unhashed.push(a.filename);
    else shas.add(a.sha256.toLowerCase());
  }
  return {
    node,
    id: `${node.name}==${node.version}`,
    key: versionKey(node.version),
    criteria,
    threshold: pkg?.threshold ?? run.policy.threshold,
    required: pkg?.required ?? run.policy.required,
    web: run.web(criteria),
    shas,
    unhashed,
    bindable: node.artifacts.length > 0 && unhashed.length === 0 && shas.size > 0,
  };
}

/**
 * The statements about the node: those about a PEP 440-equal version, those about another
 * version of the package that name one of its locked files, and flags whose range holds it.
 * Statements by identities outside the web are set aside here, unless a source party may count them.
 */
export function gather(run: EvaluationRun, ctx: NodeContext, state: NodeState): { web: { item: Item; entry: TrustEntry }[]; source: Item[] } {
  const versions = run.index.packages.get(ctx.node.name);
  const entries = run.agentTable(ctx.web);
  // The index holds each statement once, in one bucket or as a range flag: only a rejected
  // statement can repeat one taken, so ids are kept only when the node has rejected ones.
  const rejected = run.rejected.get(ctx.node.name)?.get(ctx.key) ?? [];
  const g: Gathered = { web: [], source: [], seen: rejected.length === 0 ? undefined : new Set() };
  const own = versions?.get(ctx.key);
  const locked = [...ctx.shas];
  if (own !== undefined) scan(run, ctx, state, g, entries, own, locked, false);
  // The same file under another version string is the same content: it matches by sha256.
  if (versions !== undefined && versions.size > 1 && locked.length > 0) {
    for (const key of versions.keys()) {
      if (key === ctx.key) continue;
      const other = releaseNaming(versions, key, locked);
      if ('bucket' in other) scan(run, ctx, state, g, entries, other.bucket, locked, true);
      else for (const st of other.statements) take(run, ctx, state, g, { ...indexedStatement(st), named: named(run, st, ctx.shas) }, ctx.web.entries.get(st.agent));
    }
  }
  for (const e of run.index.rangeFlags.get(ctx.node.name) ?? []) {
    if (run.inRange(e.statement, ctx.node.version)) take(run, ctx, state, g, { ...e, named: named(run, e.statement, ctx.shas) }, ctx.web.entries.get(e.statement.agent));
  }
  for (const r of rejected) {
    if (g.seen!.has(r.statement.id)) continue;
    g.seen!.add(r.statement.id);
    state.total++;
    setAside(state, r.statement, 'bad-signature', `${r.statement.kind} ${shortStatementId(r.statement.id)} by ${shortIdentity(r.statement.agent)}: ${r.message ?? 'its envelope does not verify'}`);
  }
  return { web: g.web, source: g.source };
}

/**
 * What the set-aside step needs of a bucket's statements, side by side: whether each came from a
 * source party, its id and kind, and the head of its message. Built once per bucket (buckets never
 * change), so the statements of signers nobody trusts, most of a shared feed, are set aside without
 * touching the statement objects scattered over the heap.
 */
interface BucketFacts {
  fromSource: Uint8Array;
  ids: string[];
  kinds: Statement['kind'][];
  /** `${kind} ${short id}`, how every message about the statement starts (made when first needed). */
  labels: (string | undefined)[];
}

const bucketFacts = new WeakMap<StatementBucket, BucketFacts>();

function factsOf(bucket: StatementBucket): BucketFacts {
  let facts = bucketFacts.get(bucket);
  if (facts === undefined) {
    const n = bucket.statements.length;
    facts = { fromSource: new Uint8Array(n), ids: new Array<string>(n), kinds: new Array<Statement['kind']>(n), labels: new Array<string | undefined>(n) };
    for (let i = 0; i < n; i++) {
      const s = bucket.statements[i]!;
      facts.fromSource[i] = fromSourceParty(s) ? 1 : 0;
      facts.ids[i] = s.id;
      facts.kinds[i] = s.kind;
    }
    bucketFacts.set(bucket, facts);
  }
  return facts;
}

/** Takes the statements of `bucket` (with `onlyNamed`, those that name a locked file). */
function scan(run: EvaluationRun, ctx: NodeContext, state: NodeState, g: Gathered, entries: readonly (TrustEntry | undefined)[], bucket: StatementBucket, locked: readonly string[], onlyNamed: boolean): void {
  const { statements, agents } = bucket;
  const facts = factsOf(bucket);
  for (let i = 0; i < statements.length; i++) {
    const named = locked.length === 0 ? 0 : namedIn(bucket, i, locked);
    if (onlyNamed && named === 0) continue;
    const agent = agents[i]!;
    const entry = entries[agent];
    // Most statements of a shared feed are by identities the policy does not know: they are set
    // aside here, without building the item the later steps would need (see unknown()).
    if (entry === undefined && facts.fromSource[i] === 0) {
      const id = facts.ids[i]!;
      if (g.seen !== undefined) {
        if (g.seen.has(id)) continue;
        g.seen.add(id);
      }
      state.total++;
      const kind = facts.kinds[i]!;
      unknown(run, state, id, run.agentName(agent), kind, run.removedTable(ctx.web)[agent], run.shortAgent(agent), (facts.labels[i] ??= `${kind} ${shortStatementId(id)}`));
      continue;
    }
    const s = statements[i]!;
    const item: Item = { statement: s, start: bucket.starts[i]!, end: bucket.ends[i]!, received: bucket.received[i]!, named };
    take(run, ctx, state, g, item, entry);
  }
}

function take(run: EvaluationRun, ctx: NodeContext, state: NodeState, g: Gathered, item: Item, entry: TrustEntry | undefined): void {
  const s = item.statement;
  if (g.seen !== undefined) {
    if (g.seen.has(s.id)) return;
    g.seen.add(s.id);
  }
  state.total++;
  const fromSource = fromSourceParty(s);
  if (fromSource) g.source.push(item);
  if (entry !== undefined && s.kind !== 'publish') g.web.push({ item, entry });
  else if (!fromSource) unknown(run, state, s.id, s.agent, s.kind, ctx.web.removed.get(s.agent), run.short(s.agent), `${s.kind} ${shortStatementId(s.id)}`);
}

/**
 * Sets aside a statement by an identity outside the web: `distrusted` when a trust statement cut
 * that identity off (`cut`), else `unknown-identity`. `short` is the signer's short form and
 * `label` the statement's "kind id" (both memoised by the scan's fast path).
 */
function unknown(run: EvaluationRun, state: NodeState, id: string, agent: string, kind: Statement['kind'], cut: { by: string; statement: string } | undefined, short: string, label: string): void {
  state.unknownCount++;
  state.setAside.push(
    cut !== undefined
      ? { statement: id, agent, kind, reason: 'distrusted', message: distrustedWhy(run, agent, cut, kind) }
      : { statement: id, agent, kind, reason: 'unknown-identity', message: `${label} by ${short}: an identity this policy does not trust` },
  );
}

function distrustedWhy(run: EvaluationRun, agent: string, cut: { by: string; statement: string }, kind: Statement['kind']): string {
  return `${run.short(agent)} is distrusted by ${shortIdentity(cut.by)} (statement ${shortStatementId(cut.statement)}), the only way the policy reached it: its ${kind} does not count`;
}

/** How many distinct locked files `s` names by sha256. */
function named(run: EvaluationRun, s: Statement, shas: ReadonlySet<string>): number {
  if (shas.size === 0 || s.subjects.length === 0) return 0;
  let n = 0;
  let seen: Set<string> | undefined;
  for (const sub of s.subjects) {
    const h = sub.sha256.toLowerCase();
    if (!shas.has(h)) continue;
    if (seen?.has(h) === true) continue;
    (seen ??= new Set()).add(h);
    n++;
  }
  return n;
}

/**
 * How many distinct locked files statement `i` of `bucket` names: `locked` holds the distinct
 * lower-case sha256s of the node's files, so a subject counts when it is the first to hit its entry.
 */
function namedIn(bucket: StatementBucket, i: number, locked: readonly string[]): number {
  const from = bucket.digestStart[i]!;
  const to = bucket.digestStart[i + 1]!;
  if (from === to) return 0;
  let n = 0;
  let hit = 0;
  let hits: Set<number> | undefined;
  for (let d = from; d < to; d++) {
    const h = bucket.digests[d]!;
    for (let j = 0; j < locked.length; j++) {
      if (locked[j] !== h) continue;
      if (j < 31) {
        if ((hit & (1 << j)) === 0) {
          hit |= 1 << j;
          n++;
        }
      } else if (!(hits ??= new Set()).has(j)) {
        hits.add(j);
        n++;
      }
      break;
    }
  }
  return n;
}

/** Whether pyvouch got the statement from a source a source party may count (feed, scanner, provenance). */
function fromSourceParty(s: Statement): boolean {
  return s.source !== undefined && s.source.kind !== 'local' && s.source.kind !== 'file';
}
