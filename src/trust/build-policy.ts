// What the policy asks of code that ran to build an sdist's metadata: whether build requirements
// (PEP 518, build-only nodes) are held to the policy (`[policy] check-build-deps`, default true),
// and how a node's metadata may have been obtained (`[policy] dynamic-metadata`, issue 20):
// "static-only" (declarative metadata only), "built" (any sandboxed build), or "built-for-target"
// (default: built by the target's interpreter with the target's platform emulated). Pure.

import type { GraphNode } from '../graph/graph.js';
import type { AddProblem } from './lists.js';
import { isPlainTable } from './lists.js';
import type { DynamicMetadataRule, Policy } from './policy.js';
import type { Missing, Note } from './report.js';

const RULES: readonly DynamicMetadataRule[] = ['static-only', 'built', 'built-for-target'];

export const BUILD_POLICY_KEYS = ['check-build-deps', 'dynamic-metadata'] as const;

/** Reads the two keys of [policy] into `policy`. */
export function parseBuildPolicy(doc: Record<string, unknown>, policy: Policy, add: AddProblem): void {
  const table = doc['policy'];
  if (!isPlainTable(table)) return;
  const check = table['check-build-deps'];
  if (check !== undefined) {
    if (typeof check === 'boolean') policy.checkBuildDeps = check;
    else add(['policy', 'check-build-deps'], `expected true or false, got ${JSON.stringify(check)}`);
  }
  const rule = table['dynamic-metadata'];
  if (rule !== undefined) {
    if (typeof rule === 'string' && (RULES as readonly string[]).includes(rule)) policy.dynamicMetadata = rule as DynamicMetadataRule;
    else add(['policy', 'dynamic-metadata'], `expected one of ${RULES.map((r) => `"${r}"`).join(', ')}, got ${JSON.stringify(rule)}`);
  }
}

export interface BuildGate {
  /** The node fails whatever its score. */
  fail: boolean;
  /** A build-only node the policy does not check (check-build-deps = false). */
  exempt?: string;
  missing: Missing[];
  notes: Note[];
}

/** What the build keys say about one node, before its score counts. */
export function gateBuild(policy: Policy, node: GraphNode): BuildGate {
  const out: BuildGate = { fail: false, missing: [], notes: [] };
  const id = `${node.name} ${node.version}`;
  if (node.buildOnly === true && policy.checkBuildDeps === false) {
    out.exempt = 'a build requirement, and [policy] check-build-deps = false';
  }
  if (node.metadata !== 'built') return out;
  const rule = policy.dynamicMetadata ?? 'built-for-target';
  const build = node.metadataBuild;
  out.notes.push({ kind: 'source', message: `metadata of ${id}: ${build?.how ?? 'built by running its build backend in the sandbox'}` });
  const fix =
    `use a wheel of ${node.name}, ask the project to publish static metadata (PEP 643: Metadata-Version 2.2 without Dynamic: Requires-Dist), ` +
    'or review the sdist\'s build code and then relax [policy] dynamic-metadata';
  let why: string | undefined;
  if (rule === 'static-only') {
    why = `its dependencies were obtained by running its build code, and [policy] dynamic-metadata = "static-only"`;
  } else if (rule === 'built-for-target') {
    if (build === undefined || build.mode === 'host') {
      why = 'its metadata was built on the host with nothing of the target emulated, and [policy] dynamic-metadata = "built-for-target"';
    } else if (build.mode === 'emulated') {
      why =
        `its metadata was built on the host interpreter (Python ${build.interpreter.version}), not the target's, ` +
        'and [policy] dynamic-metadata = "built-for-target"';
    }
  }
  if (why !== undefined) {
    out.fail = true;
    const help =
      build?.mode === 'emulated' && rule === 'built-for-target'
        ? `install the target's Python on this machine (pyvouch looks for python3.X on PATH and in pyenv), ${fix}, or set dynamic-metadata = "built"`
        : fix;
    out.missing.push({ kind: 'dynamic-metadata', rule, message: `${id} cannot be trusted as resolved: ${why}; ${help}`, help });
  }
  return out;
}
