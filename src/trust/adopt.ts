// The adoption-workflow hooks of policy parsing and evaluation, kept in one place: deny/allow lists
// (lists.ts), the release-age cooldown (cooldown.ts) and baseline exemptions (`pyvouch init`).
// parse.ts and evaluate.ts each call one function here. Pure.

import type { GraphNode } from '../graph/graph.js';
import type { Exemption, Policy } from './policy.js';
import type { Missing, Note } from './report.js';
import { parseListEntries, decideLists, type AddProblem } from './lists.js';
import { decideCooldown, parseCooldown, type CooldownInputs } from './cooldown.js';
import { BUILD_POLICY_KEYS, gateBuild, parseBuildPolicy } from './build-policy.js';

/** Keys this module adds to the policy tables (parse.ts allows them). */
export const ADOPTION_KEYS = {
  top: ['deny', 'allow'],
  policy: ['min-age', 'min-age-exempt', ...BUILD_POLICY_KEYS],
  package: ['min-age'],
} as const;

/** Parses the adoption keys of a decoded policy document into `policy` (problems through `add`). */
export function parseAdoptionKeys(doc: Record<string, unknown>, policy: Policy, add: AddProblem): void {
  if ('extends' in doc) {
    add(['extends'], '`extends` was not resolved: this policy was parsed without its base policy', 'load the policy with pyvouch (check, policy show), which reads the base it extends');
  }
  const deny = parseListEntries(doc, 'deny', add);
  const allow = parseListEntries(doc, 'allow', add);
  if (deny.length > 0) policy.deny = deny;
  if (allow.length > 0) policy.allow = allow;
  parseBuildPolicy(doc, policy, add);
  const cooldown = parseCooldown(doc, add);
  if (cooldown.minAge !== undefined) policy.minAge = cooldown.minAge;
  if (cooldown.minAgeExempt.length > 0) policy.minAgeExempt = cooldown.minAgeExempt;
  for (const [name, ms] of cooldown.packages) {
    const pkg = policy.packages.get(name);
    if (pkg !== undefined) pkg.minAge = ms;
  }
}

export interface GateDecision {
  /** The node fails whatever its score (deny list, too young, unknown age). */
  fail: boolean;
  /** An allow entry passes it without reviews (when nothing fails it). */
  allowed?: { reason: string; versions?: string };
  cooldown?: { uploaded: string | null; allowedAt: string | null; passed: boolean; why: string };
  missing: Missing[];
  notes: Note[];
}

/**
 * What the lists and the cooldown say about a node before its score counts. `exempted`: an
 * exemption of the exact version is in force.
 */
export function gateNode(policy: Policy, node: GraphNode, now: number, inputs: CooldownInputs, exempted: boolean): GateDecision {
  const lists = decideLists(policy, node, now);
  const cooldown = decideCooldown(policy, node, now, inputs, exempted);
  // Build requirements and built metadata (build-policy.ts).
  const build = gateBuild(policy, node);
  const out: GateDecision = {
    fail: lists.denied.length > 0 || cooldown.missing.length > 0 || build.fail,
    missing: [...lists.missing, ...cooldown.missing, ...build.missing],
    notes: [...lists.notes, ...cooldown.notes, ...build.notes],
  };
  if (build.exempt !== undefined && lists.allowed === undefined) out.allowed = { reason: build.exempt };
  if (lists.allowed !== undefined) {
    out.allowed = { reason: lists.allowed.reason, ...(lists.allowed.versions === undefined ? {} : { versions: lists.allowed.versions }) };
  }
  if (cooldown.report !== undefined) out.cooldown = cooldown.report;
  return out;
}

/** The baseline exemptions of a package at versions other than `version` (delta-review bases). */
export function baselineVersions(policy: Policy, name: string, version: string | undefined, now: number): string[] {
  return policy.exemptions
    .filter((e: Exemption) => e.baseline !== undefined && e.name === name && e.version !== version && (e.expires === undefined || e.expires > now))
    .map((e) => e.version);
}
