// `pyvouch policy show`: prints the effective policy, after `extends` is merged and defaults are
// filled in, as TOML in the policy file's own shape (or JSON), so a project sees what it runs under.
import type { Command } from 'commander';
import { stringify } from 'smol-toml';
import { PyvouchError } from '../errors.js';
import { formatDuration } from '../trust/cooldown.js';
import { findPolicy, loadPolicy } from '../trust/load.js';
import { BUILTIN_CRITERIA, type ListEntry, type Policy } from '../trust/policy.js';
import { run } from './run.js';
import { currentIo, formatOption, printJson } from './output.js';

const day = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

function listDoc(entries: readonly ListEntry[] | undefined): Record<string, unknown>[] | undefined {
  if (entries === undefined || entries.length === 0) return undefined;
  return entries.map((e) => ({ name: e.name, ...(e.versions === undefined ? {} : { versions: e.versions }), reason: e.reason, ...(e.expires === undefined ? {} : { expires: day(e.expires) }) }));
}

/** The policy as a document in the policy file's shape (every default written out). */
export function effectivePolicyDocument(p: Policy): Record<string, unknown> {
  const policy: Record<string, unknown> = {
    threshold: p.threshold,
    criteria: p.criteria,
    required: p.required,
    'veto-findings': p.vetoFindings,
    'require-hash-binding': p.requireHashBinding,
    'first-party': p.firstParty,
  };
  if (p.vetoWeight !== undefined) policy['veto-weight'] = p.vetoWeight;
  if (p.maxAge !== undefined) policy['max-age'] = formatDuration(p.maxAge);
  if (p.minAge !== undefined) policy['min-age'] = formatDuration(p.minAge);
  if (p.minAgeExempt !== undefined) policy['min-age-exempt'] = p.minAgeExempt;
  const doc: Record<string, unknown> = {};
  if (p.extendsFrom !== undefined) doc['extended-from'] = p.extendsFrom;
  doc['policy'] = policy;
  doc['party'] = p.parties.map((x) => {
    const base = { name: x.name, weight: x.weight, ...(x.description === undefined ? {} : { description: x.description }) };
    switch (x.kind) {
      case 'identity':
        return { ...base, identity: x.identities[0] };
      case 'group':
        return { ...base, identities: x.identities };
      case 'index':
        return { ...base, index: x.index };
      case 'publisher':
        return { ...base, publishers: x.publishers };
      case 'feed':
        return { ...base, feed: x.feed };
      case 'scanner':
        return { ...base, scanner: x.scanner ?? true };
    }
  });
  doc['level'] = p.levels.map((l) => {
    const { kind, name, ...rest } = l;
    const out: Record<string, unknown> = { kind, name };
    for (const [k, v] of Object.entries(rest)) out[k === 'minVoters' ? 'min-voters' : k] = v;
    return out;
  });
  const criteria: Record<string, unknown> = {};
  for (const [name, def] of p.criteriaDefinitions) {
    if (name in BUILTIN_CRITERIA && def.implies.length === BUILTIN_CRITERIA[name]!.implies.length) continue;
    criteria[name] = { implies: def.implies, ...(def.description === undefined ? {} : { description: def.description }) };
  }
  if (Object.keys(criteria).length > 0) doc['criteria'] = criteria;
  if (p.packages.size > 0) {
    const pkgs: Record<string, unknown> = {};
    for (const [name, pkg] of p.packages) {
      pkgs[name] = {
        ...(pkg.criteria === undefined ? {} : { criteria: pkg.criteria }),
        ...(pkg.threshold === undefined ? {} : { threshold: pkg.threshold }),
        ...(pkg.required === undefined ? {} : { required: pkg.required }),
        ...(pkg.minAge === undefined ? {} : { 'min-age': formatDuration(pkg.minAge) }),
      };
    }
    doc['package'] = pkgs;
  }
  doc['trust'] = { 'max-depth': p.trust.maxDepth, decay: p.trust.decay, levels: p.trust.levels };
  const deny = listDoc(p.deny);
  const allow = listDoc(p.allow);
  if (deny !== undefined) doc['deny'] = deny;
  if (allow !== undefined) doc['allow'] = allow;
  if (p.exemptions.length > 0) {
    doc['exemption'] = p.exemptions.map((e) => ({
      name: e.name,
      version: e.version,
      reason: e.reason,
      ...(e.expires === undefined ? {} : { expires: day(e.expires) }),
      ...(e.baseline === undefined ? {} : { baseline: e.baseline }),
    }));
  }
  return doc;
}

export function registerPolicyShow(program: Command): void {
  const policy = program.command('policy').description('inspect the trust policy');
  policy
    .command('show')
    .description('print the effective policy: its extends chain merged, every default filled in')
    .option('--policy <path>', 'the policy (default: pyvouch.toml or [tool.pyvouch] in the current directory)')
    .addOption(formatOption(['toml', 'json']))
    .action(
      run(async (opts: { policy?: string; format: string }) => {
        const p = opts.policy !== undefined ? await loadPolicy(opts.policy) : await findPolicy(process.cwd());
        if (p === undefined) throw new PyvouchError('USAGE', 'no policy in the current directory', { help: 'pass one with --policy PATH' });
        const doc = effectivePolicyDocument(p);
        // formatOption lets commander take only toml or json.
        if (opts.format === 'json') printJson({ file: p.file ?? null, ...doc });
        else currentIo().stdout(`# effective policy of ${p.file ?? '(unnamed)'}\n${stringify(doc)}\n`);
        return 0;
      }),
    );
}
