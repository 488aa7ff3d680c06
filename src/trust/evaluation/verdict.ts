// Step 7 of a node's evaluation: the verdict (deny/allow lists and cooldown, vetoes, exemptions,
// score and required parties), with what is missing said in words a user can act on.

import { gateNode } from '../adopt.js';
import { round } from '../order.js';
import type { Exemption } from '../policy.js';
import { formatNumber, type Missing, type NodeReport, type Verdict } from '../report.js';
import { versionKey } from '../statements.js';
import { trustedVersions } from './delta.js';
import { EPSILON, type EvaluationRun, type NodeContext, type NodeState } from './run.js';

export function verdict(run: EvaluationRun, ctx: NodeContext, state: NodeState): NodeReport {
  const { id, threshold } = ctx;
  const score = round(state.contributions.reduce((sum, c) => sum + c.weight, 0));
  const scoreOk = score + EPSILON >= threshold;
  const requiredMissing = ctx.required
    .map((r) => ({ rule: r, have: state.vouchers.get(r.name)?.size ?? 0 }))
    .filter(({ rule, have }) => have < rule.count);
  const ok = scoreOk && requiredMissing.length === 0;
  const { active, expired } = exemptionFor(run, ctx);
  const vetoed = state.vetoes.length > 0;
  // Deny and allow lists and the cooldown are decided before the score (adopt.ts).
  const gate = gateNode(run.policy, ctx.node, run.now, run.cooldown, active !== undefined);
  state.notes.push(...gate.notes);
  const verdict: Verdict =
    vetoed || gate.fail ? 'fail' : active !== undefined || gate.allowed !== undefined ? 'exempt' : ok ? 'pass' : 'fail';

  const missing: Missing[] = [...state.vetoes, ...gate.missing];
  if (!ok) {
    const positive = state.contributions.filter((c) => c.weight > 0).length;
    const byStatements = state.contributions.filter((c) => c.kind !== 'index' && c.weight > 0).length;
    if (state.total === 0 && positive === 0) {
      missing.push({ kind: 'no-statements', message: `no statements about ${id}: nobody has reviewed it` });
    } else if (state.unknownCount > 0 && state.unknownCount === state.total && byStatements === 0) {
      missing.push({
        kind: 'untrusted',
        statements: state.unknownCount,
        message: `${state.unknownCount} statement${state.unknownCount === 1 ? '' : 's'} about ${id}, none by an identity this policy trusts`,
      });
    }
    if (state.unboundCount > 0) {
      const why = ctx.bindable ? 'they do not name the sha256 of every locked file' : 'the lock file records no sha256 for some of its files';
      missing.push({
        kind: 'unbound',
        statements: state.unboundCount,
        message: `${state.unboundCount} statement${state.unboundCount === 1 ? '' : 's'} about ${id} cannot count: ${why} (lock with hashes and review every file, or set require-hash-binding = false)`,
      });
    }
    if (!scoreOk) {
      const gap = round(threshold - score);
      missing.push({
        kind: 'score',
        need: threshold,
        have: score,
        short: gap,
        message: `score ${formatNumber(score)} is ${formatNumber(gap)} short of the threshold ${formatNumber(threshold)}`,
      });
    }
    for (const { rule, have } of requiredMissing) {
      const message =
        rule.count === 1
          ? `${rule.name} is required to vouch and has not vouched for ${id}`
          : `${rule.count} of ${rule.name} are required to vouch for ${id}; ${have} did`;
      missing.push({ kind: 'required', party: rule.name, need: rule.count, have, message });
    }
  }
  if (expired !== undefined && verdict === 'fail') {
    const expires = new Date(expired.expires!).toISOString();
    missing.push({
      kind: 'exemption-expired',
      reason: expired.reason,
      expires,
      message: `the exemption for ${id} ("${expired.reason}") expired on ${expires.slice(0, 10)}`,
    });
  }
  const report: NodeReport = {
    name: ctx.node.name,
    version: ctx.node.version,
    verdict,
    score,
    threshold,
    criteria: [...ctx.criteria],
    required: ctx.required.map((r) => (r.count === 1 ? r.name : `${r.name}×${r.count}`)),
    contributions: state.contributions,
    missing,
    notes: state.notes,
    setAside: state.setAside,
    overridden: state.overridden,
    closure: verdict,
  };
  if (gate.allowed !== undefined) report.allowed = gate.allowed;
  if (gate.cooldown !== undefined) report.cooldown = gate.cooldown;
  const exemption = active ?? expired;
  if (exemption !== undefined) {
    report.exemption = {
      reason: exemption.reason,
      expired: exemption === expired,
      needed: !ok,
      ...(exemption.expires === undefined ? {} : { expires: new Date(exemption.expires).toISOString() }),
    };
    if (exemption === expired) {
      state.notes.push({ kind: 'exemption-expired', message: `the exemption ("${exemption.reason}") expired and no longer applies` });
    }
  }
  if (verdict === 'fail' && !vetoed) report.trustedVersions = trustedVersions(run, ctx);
  return report;
}

function exemptionFor(run: EvaluationRun, ctx: NodeContext): { active?: Exemption; expired?: Exemption } {
  const node = ctx.node;
  let active: Exemption | undefined;
  let expired: Exemption | undefined;
  const kind = node.source?.kind;
  if (run.policy.firstParty === 'exempt' && (kind === 'editable' || kind === 'virtual')) {
    const where = node.source?.location === undefined ? '' : ` ${node.source.location}`;
    active = { name: node.name, version: node.version, reason: `first-party: the project's own code (${kind}${where}), built from the working tree` };
  }
  for (const ex of run.policy.exemptions) {
    if (ex.name !== node.name || versionKey(ex.version) !== ctx.key) continue;
    if (ex.expires !== undefined && ex.expires <= run.now) expired ??= ex;
    else active ??= ex;
  }
  return active !== undefined ? { active } : expired !== undefined ? { expired } : {};
}
