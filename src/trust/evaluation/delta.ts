// Delta audits: the trust a delta review inherits from the release it starts from (the widest
// path down to a full audit, each step worth what its auditor adds, vetoed bases worth nothing),
// and the other versions of a failing package that a party does vouch for.

import { baselineVersions } from '../adopt.js';
import { criteriaKey } from '../criteria.js';
import { compareVersions } from '../order.js';
import { isStatementParty } from '../policy.js';
import { shortStatementId } from '../report.js';
import { timeProblem, versionKey, type IndexedStatement } from '../statements.js';
import { isRetracted, signedBeforeRetirement, type TrustEntry } from '../web.js';
import { isAudit } from './levels.js';
import { EPSILON, type DeltaTrust, type EvaluationRun, type NodeContext } from './run.js';

/**
 * The trust established for `from` by `party`: the widest path from `from` down to a full audit
 * through delta audits, each step worth what its auditor adds (`cap` × route factor), the path
 * worth its weakest step. Vetoed versions are no base. Memoised per package, party, criteria.
 */
export function deltaTrust(run: EvaluationRun, ctx: NodeContext, from: string, party: string, need: readonly string[], cap: number): DeltaTrust {
  const name = ctx.node.name;
  const fromKey = versionKey(from);
  const memoKey = `${name}\u0000${party}\u0000${criteriaKey(need)}\u0000${cap}\u0000${fromKey}`;
  const memo = run.deltaMemo.get(memoKey);
  if (memo !== undefined) return memo;
  const versions = run.index.packages.get(name);
  const entries = run.agentTable(ctx.web);
  interface Step { full: number; deltas: { from: string; weight: number }[]; vetoed?: string }
  const steps = new Map<string, Step>();
  const queue = [fromKey];
  for (let i = 0; i < queue.length; i++) {
    const key = queue[i]!;
    const step: Step = { full: 0, deltas: [] };
    steps.set(key, step);
    const bucket = versions?.get(key);
    const display = run.index.versions.get(name)?.get(key) ?? key;
    for (const e of run.index.rangeFlags.get(name) ?? []) {
      if (run.inRange(e.statement, display) && vetoesBase(run, e, ctx.web.entries.get(e.statement.agent))) step.vetoed ??= e.statement.id;
    }
    // A baseline exemption (pyvouch init) stands for the release as the team runs it: a delta
    // review from it builds on that acceptance, as cargo-vet's exemptions do, worth at most what
    // the delta's auditor adds.
    if (run.baselined(name).some((v) => versionKey(v) === key)) step.full = Math.max(step.full, cap);
    if (bucket === undefined) continue;
    for (let k = 0; k < bucket.statements.length; k++) {
      const entry = entries[bucket.agents[k]!];
      if (entry === undefined) continue;
      const s = bucket.statements[k]!;
      const e: IndexedStatement = { statement: s, start: bucket.starts[k]!, end: bucket.ends[k]!, received: bucket.received[k]! };
      if (!signedBeforeRetirement(entry.retiredAt, e.received)) continue;
      if (isRetracted(e, run.index.retractions, run.now, entry.retiredAt) !== undefined) continue;
      if (s.kind === 'flag') {
        if (vetoesBase(run, e, entry)) step.vetoed ??= s.id;
        continue;
      }
      const route = entry.routes.get(party);
      if (route === undefined || !isAudit(s) || !run.table.satisfies(s.criteria, need)) continue;
      if (timeProblem(e.start, e.end, run.now, run.policy.maxAge) !== undefined) continue;
      const weight = cap * route.factor;
      if (s.deltaFrom === undefined) step.full = Math.max(step.full, weight);
      else {
        const to = versionKey(s.deltaFrom);
        step.deltas.push({ from: to, weight });
        if (!steps.has(to) && !queue.includes(to)) queue.push(to);
      }
    }
  }
  // Widest path, by relaxation (the version graph is small; cycles end within |V| rounds).
  const best = new Map<string, number>();
  const via = new Map<string, string | null>();
  for (const [key, step] of steps) {
    best.set(key, step.vetoed === undefined ? step.full : 0);
    via.set(key, null);
  }
  for (let round_ = 0; round_ < steps.size; round_++) {
    let changed = false;
    for (const [key, step] of steps) {
      if (step.vetoed !== undefined) continue;
      for (const d of step.deltas) {
        const w = Math.min(d.weight, best.get(d.from) ?? 0);
        if (w > best.get(key)! + EPSILON) {
          best.set(key, w);
          via.set(key, d.from);
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  const show = (key: string): string => run.index.versions.get(name)?.get(key) ?? run.baselined(name).find((v) => versionKey(v) === key) ?? key;
  let result: DeltaTrust;
  const root = steps.get(fromKey)!;
  if (root.vetoed !== undefined) {
    result = { weight: 0, why: `${from} is vetoed (flag ${shortStatementId(root.vetoed)}), and a delta inherits its base's vetoes` };
  } else if ((best.get(fromKey) ?? 0) <= EPSILON) {
    result = { weight: 0, why: `${from} is not vouched for (${need.join(', ')}) by ${party}` };
  } else {
    const chain: string[] = [];
    const seen = new Set<string>();
    for (let v: string | null | undefined = fromKey; v != null && !seen.has(v); v = via.get(v)) {
      seen.add(v);
      chain.push(show(v));
    }
    result = { chain, weight: best.get(fromKey)! };
  }
  run.deltaMemo.set(memoKey, result);
  return result;
}

/** Whether a flag about a delta's base (or a version on its chain) vetoes it. */
function vetoesBase(run: EvaluationRun, e: IndexedStatement, entry: TrustEntry | undefined): boolean {
  const s = e.statement;
  if (entry === undefined || s.finding === undefined) return false;
  if (!signedBeforeRetirement(entry.retiredAt, e.received)) return false;
  if (timeProblem(e.start, e.end, run.now, undefined) !== undefined) return false;
  if (isRetracted(e, run.index.retractions, run.now, entry.retiredAt) !== undefined) return false;
  if (run.policy.vetoFindings.includes(s.finding.kind)) return true;
  if (run.policy.vetoWeight === undefined) return false;
  let weight = 0;
  for (const r of entry.routes.values()) weight = Math.max(weight, r.partyWeight * r.factor);
  return weight + EPSILON >= run.policy.vetoWeight;
}

export function trustedVersions(run: EvaluationRun, ctx: NodeContext): { version: string; parties: string[] }[] {
  const shown = new Map(run.index.versions.get(ctx.node.name) ?? []);
  for (const v of baselineVersions(run.policy, ctx.node.name, ctx.node.version, run.now)) if (!shown.has(versionKey(v))) shown.set(versionKey(v), v);
  const out: { version: string; parties: string[] }[] = [];
  for (const [key, version] of shown) {
    if (key === ctx.key) continue;
    const parties: string[] = [];
    for (const party of run.policy.parties) {
      if (!isStatementParty(party)) continue;
      const ok = run.policy.levels.some(
        (level) =>
          level.kind === 'audited' &&
          (level.parties === undefined || level.parties.includes(party.name)) &&
          deltaTrust(run, ctx, version, party.name, level.criteria ?? ctx.criteria, level.weight ?? party.weight).chain !== undefined,
      );
      if (ok) parties.push(party.name);
    }
    if (parties.length > 0) out.push({ version, parties });
  }
  return out.sort((a, b) => compareVersions(b.version, a.version));
}
