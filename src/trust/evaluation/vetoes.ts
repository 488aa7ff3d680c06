// Step 4 of a node's evaluation: the flags among the usable statements, which of them veto under
// the policy, and which vetoes a party named in [[override]] overrode with a later bound audit.

import { formatNumber, shortIdentity, shortStatementId } from '../report.js';
import type { TrustRoute } from '../web.js';
import { isAudit } from './levels.js';
import { EPSILON, type EvaluationRun, type Usable, type NodeContext, type NodeState, type Flag } from './run.js';

export function flags(run: EvaluationRun, usable: readonly Usable[]): Flag[] {
  const out: Flag[] = [];
  for (const u of usable) {
    const s = u.item.statement;
    if (s.kind !== 'flag' || s.finding === undefined) continue;
    let best: TrustRoute | undefined;
    let weight = -1;
    for (const route of u.entry.routes.values()) {
      const w = route.partyWeight * route.factor;
      if (w > weight || (w === weight && best !== undefined && route.partyIndex < best.partyIndex)) {
        best = route;
        weight = w;
      }
    }
    if (best === undefined) continue;
    const memberOf = [...u.entry.routes.values()].filter((r) => r.depth === 0).map((r) => r.party);
    out.push({ item: u.item, party: best.party, agent: s.agent, weight, memberOf });
  }
  return out;
}

/** Which flags veto, and which of those a party named in [[override]] overrode. */
export function vetoes(run: EvaluationRun, ctx: NodeContext, flags: readonly Flag[], usable: readonly Usable[], state: NodeState): void {
  for (const f of flags) {
    const s = f.item.statement;
    const finding = s.finding!;
    const byFinding = run.policy.vetoFindings.includes(finding.kind);
    const byWeight = run.policy.vetoWeight !== undefined && f.weight + EPSILON >= run.policy.vetoWeight;
    const what = `${f.party} (${run.short(s.agent)}) flags it ${finding.kind}, severity ${finding.severity}${finding.affected === undefined ? '' : ` (releases ${finding.affected})`}`;
    if (!byFinding && !byWeight) {
      state.notes.push({ kind: 'flag', statement: s.id, agent: s.agent, party: f.party, message: `${what}; not a veto under this policy` });
      continue;
    }
    const override = overrideOf(run, ctx, f, usable);
    if (override !== undefined) {
      state.overridden.push({
        statement: s.id,
        party: f.party,
        agent: s.agent,
        finding: { kind: finding.kind, severity: finding.severity },
        by: override,
        message: `veto overridden: ${what}; ${override.party} (${shortIdentity(override.agent)}) audited it afterwards (statement ${shortStatementId(override.statement)}) and may override it`,
      });
      continue;
    }
    state.vetoes.push({
      kind: 'veto',
      statement: s.id,
      party: f.party,
      agent: s.agent,
      finding: { kind: finding.kind, severity: finding.severity },
      message: `vetoed: ${what}${byFinding ? '' : ` (weight ${formatNumber(f.weight)} reaches the veto weight ${formatNumber(run.policy.vetoWeight!)})`}`,
    });
  }
}

/**
 * A veto is overridden only by a direct member of a party an [[override]] names, with a bound
 * audit of the release signed after the flag; never by the flagger's own party.
 */
function overrideOf(run: EvaluationRun, ctx: NodeContext, f: Flag, usable: readonly Usable[]): { party: string; agent: string; statement: string } | undefined {
  const finding = f.item.statement.finding!;
  for (const rule of run.policy.overrides) {
    if (f.party === rule.party || f.memberOf.includes(rule.party)) continue;
    if (rule.vetoesOf !== undefined && !rule.vetoesOf.includes(f.party) && !f.memberOf.some((p) => rule.vetoesOf!.includes(p))) continue;
    if (rule.findings !== undefined && !rule.findings.includes(finding.kind)) continue;
    for (const u of usable) {
      const s = u.item.statement;
      if (u.unbound || !isAudit(s) || !run.table.satisfies(s.criteria, ctx.criteria)) continue;
      if (u.item.start <= f.item.start) continue;
      const route = u.entry.routes.get(rule.party);
      if (route === undefined || route.depth !== 0) continue;
      return { party: rule.party, agent: s.agent, statement: s.id };
    }
  }
  return undefined;
}
