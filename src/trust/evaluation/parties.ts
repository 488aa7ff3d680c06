// Step 6 of a node's evaluation: the index parties (the index serves the locked files with their
// sha256) and the source parties (publisher, feed, scanner), which count statements by where
// pyvouch got them, never by what they say of themselves.

import type { Statement } from '../../attest/types.js';
import type { GraphNode } from '../../graph/graph.js';
import { normalizeIndexUrl, type IndexParty, type SourceParty } from '../policy.js';
import { matchesPublisher } from '../publishers.js';
import { formatNumber, shortStatementId } from '../report.js';
import { timeProblem } from '../statements.js';
import { isRetracted } from '../web.js';
import { isAudit, isVouch } from './levels.js';
import type { IndexCheck } from '../evaluate.js';
import { setAside, vouch, type EvaluationRun, type Flag, type Item, type NodeContext, type NodeState } from './run.js';
import { unboundWhy } from './screen.js';

export function indexParties(run: EvaluationRun, ctx: NodeContext, state: NodeState): void {
  for (const party of run.policy.parties) {
    if (party.kind !== 'index') continue;
    const { why, assumed } = indexRefusal(ctx.node, party, run.indexCheck, run.indexKeys);
    if (assumed.length > 0) {
      state.notes.push({
        kind: 'index',
        party: party.name,
        message: `${party.name}: the lock does not record which index ${assumed.join(', ')} ${assumed.length === 1 ? 'comes' : 'come'} from; taken to be the policy's ${party.index}`,
      });
    }
    if (why !== undefined) {
      state.notes.push({ kind: 'index', party: party.name, message: `${party.name} does not vouch: ${why}` });
      continue;
    }
    vouch(state, party.name, party.name);
    state.contributions.push({
      party: party.name,
      level: 'index',
      kind: 'index',
      statement: null,
      agent: party.index,
      weight: party.weight,
      criteria: [],
      path: [party.index],
      depth: 0,
      message: `${party.name}: the index ${party.index} serves the locked files with their sha256 (+${formatNumber(party.weight)})`,
    });
  }
}

/**
 * Source parties count statements by where pyvouch got them (never by what they say of
 * themselves). Each adds its weight once, when its statements bind every locked file; a
 * negative scanner party counts its findings. Flags carried by a feed or scanner party may veto.
 */
export function sourceParties(run: EvaluationRun, ctx: NodeContext, items: readonly Item[], flags: Flag[], state: NodeState): void {
  const parties = run.policy.parties.filter((p): p is SourceParty => p.kind === 'publisher' || p.kind === 'feed' || p.kind === 'scanner');
  const used = new Set<string>();
  for (const party of parties) {
    const matched = items.filter((e) => sourceMatches(run, party, e.statement) && sourceLive(run, e));
    for (const e of matched) used.add(e.statement.id);
    if (party.kind !== 'publisher') {
      for (const e of matched) {
        if (e.statement.kind === 'flag' && e.statement.finding !== undefined) {
          flags.push({ item: { ...e }, party: party.name, agent: e.statement.agent, weight: party.weight, memberOf: [party.name] });
        }
      }
    }
    const counting = matched.filter((e) => sourceCounts(run, ctx, party, e.statement));
    if (counting.length === 0) continue;
    if (party.weight < 0) {
      const findings = counting.map((e) => e.statement.finding?.kind ?? e.statement.kind);
      sourceContribution(run, state, party, counting[0]!.statement, `${party.name}: the scanner reports ${[...new Set(findings)].join(', ')} (${formatNumber(party.weight)})`);
      continue;
    }
    const covered = new Set<string>();
    for (const e of counting) for (const sub of e.statement.subjects) if (ctx.shas.has(sub.sha256.toLowerCase())) covered.add(sub.sha256.toLowerCase());
    if (!ctx.bindable || covered.size < ctx.shas.size) {
      const why = !ctx.bindable ? unboundWhy(run, ctx, { ...counting[0]!, named: 0 }).replace(/^cannot be bound/, 'its statements cannot be bound') : `its statements bind ${covered.size} of the ${ctx.shas.size} locked files`;
      state.notes.push({ kind: 'source', party: party.name, message: `${party.name} does not vouch: ${why}` });
      continue;
    }
    const first = counting[0]!.statement;
    const message =
      party.kind === 'publisher'
        ? `${party.name}: published by ${publisherText(first)}, verified by Sigstore (+${formatNumber(party.weight)})`
        : party.kind === 'feed'
          ? `${party.name}: the feed ${party.feed} carries ${counting.length === 1 ? 'an audit' : `${counting.length} audits`} of ${ctx.criteria.join(', ')} (+${formatNumber(party.weight)})`
          : `${party.name}: the scanner${party.scanner === undefined ? '' : ` ${party.scanner}`} found nothing (+${formatNumber(party.weight)})`;
    sourceContribution(run, state, party, first, message);
  }
  // Fail closed: a scanner's finding of a kind in veto-findings vetoes whatever the parties, so
  // omitting a scanner party cannot silence pyvouch's own findings (publisher pinning's).
  for (const e of items) {
    const s = e.statement;
    if (s.kind !== 'flag' || s.finding === undefined || s.source?.kind !== 'scanner' || !run.policy.vetoFindings.includes(s.finding.kind)) continue;
    if (!sourceLive(run, e) || flags.some((f) => f.item.statement.id === s.id)) continue;
    used.add(s.id);
    flags.push({ item: { ...e }, party: `scanner ${s.source.name ?? ''}`.trimEnd(), agent: s.agent, weight: 0, memberOf: [] });
  }
  for (const e of items) {
    if (used.has(e.statement.id)) continue;
    // Identity statements that arrived by a feed were judged by their signer already.
    if (e.statement.kind !== 'publish' && ctx.web.entries.has(e.statement.agent)) continue;
    setAside(state, e.statement, 'not-counted', `${e.statement.kind} ${shortStatementId(e.statement.id)} from ${e.statement.source?.kind ?? 'an unknown source'}${e.statement.source?.name === undefined ? '' : ` ${e.statement.source.name}`}: no party of this policy counts that source`);
  }
}

function sourceMatches(run: EvaluationRun, party: SourceParty, s: Statement): boolean {
  const src = s.source;
  if (src === undefined) return false;
  switch (party.kind) {
    case 'publisher':
      return s.kind === 'publish' && src.kind === 'provenance' && s.publisher !== undefined && party.publishers.some((g) => matchesPublisher(g, s.publisher!.id));
    case 'feed':
      return src.kind === 'feed' && src.name === party.feed && s.kind !== 'publish';
    case 'scanner':
      return src.kind === 'scanner' && (party.scanner === undefined || src.name === party.scanner) && s.kind !== 'publish';
  }
}

function sourceLive(run: EvaluationRun, e: Item): boolean {
  if (timeProblem(e.start, e.end, run.now, undefined) !== undefined) return false;
  return isRetracted(e, run.index.retractions, run.now, undefined) === undefined;
}

function sourceCounts(run: EvaluationRun, ctx: NodeContext, party: SourceParty, s: Statement): boolean {
  switch (party.kind) {
    case 'publisher':
      return true;
    case 'feed':
      return isAudit(s) && run.table.satisfies(s.criteria, ctx.criteria) && s.deltaFrom === undefined;
    case 'scanner':
      return party.weight < 0 ? s.kind === 'flag' : isVouch(s);
  }
}

function sourceContribution(run: EvaluationRun, state: NodeState, party: SourceParty, s: Statement, message: string): void {
  if (party.weight >= 0) vouch(state, party.name, party.name);
  state.contributions.push({
    party: party.name,
    level: party.kind,
    kind: party.kind,
    statement: s.id,
    agent: party.kind === 'publisher' ? (s.publisher?.id ?? s.agent) : s.agent,
    weight: party.weight,
    criteria: [...s.criteria],
    path: [],
    depth: 0,
    message,
  });
}

function publisherText(s: Statement): string {
  const p = s.publisher;
  if (p === undefined) return 'an unknown publisher';
  return `${p.id}${p.workflow === undefined ? '' : ` (workflow ${p.workflow})`}`;
}

/** normalizeIndexUrl, once per distinct URL (a lock names one or two indexes for all its files). */
function indexKeyOf(url: string, keys: Map<string, string>): string {
  let key = keys.get(url);
  if (key === undefined) keys.set(url, (key = normalizeIndexUrl(url)));
  return key;
}

/**
 * Why an index party does not vouch for a node (undefined when it does), and the files whose index
 * the lock does not record and that were taken to come from the party's (only with an IndexCheck,
 * which then confirms them against that index).
 */
function indexRefusal(node: GraphNode, party: IndexParty, check: IndexCheck | undefined, keys: Map<string, string>): { why: string | undefined; assumed: string[] } {
  const assumed: string[] = [];
  if (node.artifacts.length === 0) return { why: 'the lock records no files for it', assumed };
  for (const a of node.artifacts) {
    if (a.sha256 === undefined || a.sha256 === '') return { why: `${a.filename} has no locked sha256`, assumed };
    const from = a.index ?? node.source?.location;
    if (from === undefined) {
      if (check === undefined) return { why: `the lock does not say which index ${a.filename} comes from`, assumed };
      assumed.push(a.filename);
    } else if (indexKeyOf(from, keys) !== party.indexKey) return { why: `${a.filename} comes from ${from}, not ${party.index}`, assumed };
    const refused = check?.refusal(node, a, party);
    if (refused !== undefined) return { why: refused, assumed };
  }
  return { why: undefined, assumed };
}
