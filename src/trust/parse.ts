// Parses and validates a trust policy (pyvouch.toml, or [tool.pyvouch] in pyproject.toml) into the
// Policy model. Pure: takes text or a decoded TOML table. Reports every bad field at once, each by
// its dotted path (`party[2].weight`) and, when the text is at hand, its line.

import { parse as parseToml, TomlError } from 'smol-toml';
import { PyvouchError } from '../errors.js';
import { Version } from '../pep/version.js';
import { PyprojectDocument } from '../pep/pyproject.js';
import { FieldProblems, type Segment } from '../text/problems.js';
import { tomlLocator } from '../text/toml-lines.js';
import { ADOPTION_KEYS, parseAdoptionKeys } from './adopt.js';
import { HELP, PolicyFields, describe, isTable, type Table } from './parse-fields.js';
import { readLevels, readOverrides, readParties, readRequiredRules } from './parse-parties.js';
import {
  BUILTIN_CRITERIA,
  DEFAULT_TRUST,
  type CriteriaDefinition,
  type Exemption,
  type Level,
  type PackagePolicy,
  type Party,
  type Policy,
  type TrustSettings,
} from './policy.js';

export { isIdentityUri } from './parse-fields.js';

export interface ParsePolicyOptions {
  /** Named in errors. */
  file?: string;
  /** The TOML text the table came from, so errors can carry line numbers. */
  text?: string;
  /** Where the policy sits in the document, e.g. ['tool', 'pyvouch'] in pyproject.toml. */
  prefix?: readonly string[];
}

const TOP_KEYS = ['policy', 'party', 'level', 'criteria', 'package', 'trust', 'exemption', 'override', ...ADOPTION_KEYS.top, 'extends'];
const POLICY_KEYS = [
  'threshold',
  'criteria',
  'required',
  'veto-weight',
  'veto-findings',
  'max-age',
  'require-hash-binding',
  'first-party',
  'description',
  ...ADOPTION_KEYS.policy,
];
const CRITERIA_KEYS = ['implies', 'description'];
const PACKAGE_KEYS = ['criteria', 'threshold', 'required', ...ADOPTION_KEYS.package];
const TRUST_KEYS = ['max-depth', 'decay', 'levels'];
const TRUST_LEVEL_KEYS = ['high', 'medium', 'low'];
const EXEMPTION_KEYS = ['name', 'version', 'reason', 'expires', 'baseline'];

/** Parses policy TOML text. `pyproject: true` reads the [tool.pyvouch] table. */
export function parsePolicyToml(text: string, options: { file?: string; pyproject?: boolean } = {}): Policy {
  const { table, prefix } = policyTableOf(text, options);
  return parsePolicy(table, { ...(options.file === undefined ? {} : { file: options.file }), text, ...(prefix.length === 0 ? {} : { prefix }) });
}

/**
 * The policy's table in its text and where it sits: the whole document, or pyproject.toml's
 * [tool.pyvouch] (read through src/pep/pyproject.ts). A TOML syntax error is POLICY_INVALID.
 */
export function policyTableOf(text: string, options: { file?: string; pyproject?: boolean } = {}): { table: Table; prefix: string[] } {
  const file = options.file;
  const at = file === undefined ? {} : { file };
  if (options.pyproject === true) {
    const doc = PyprojectDocument.parse(text, file ?? 'pyproject.toml', 'POLICY_INVALID', { help: TOML_HELP });
    if (!doc.hasTool('pyvouch')) {
      throw new PyvouchError('POLICY_INVALID', `${file ?? 'pyproject.toml'} has no [tool.pyvouch] table`, {
        ...at,
        path: 'tool.pyvouch',
        help: 'add a [tool.pyvouch.policy] table with a threshold, or write a pyvouch.toml',
      });
    }
    return { table: doc.tool('pyvouch'), prefix: ['tool', 'pyvouch'] };
  }
  try {
    return { table: parseToml(text), prefix: [] };
  } catch (err) {
    if (err instanceof TomlError) {
      throw new PyvouchError('POLICY_INVALID', `the policy is not valid TOML: ${err.message.split('\n')[0] ?? ''}`, { ...at, line: err.line, help: TOML_HELP, cause: err });
    }
    throw err;
  }
}

const TOML_HELP = 'fix the TOML syntax at that line';

/** Validates a decoded TOML table into a Policy, or throws POLICY_INVALID listing every problem. */
export function parsePolicy(doc: Table, options: ParsePolicyOptions = {}): Policy {
  const problems = new FieldProblems('POLICY_INVALID', {
    ...(options.file === undefined ? {} : { file: options.file }),
    ...(options.text === undefined ? {} : { locate: tomlLocator(options.text) }),
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    help: HELP,
    headline: (first, total, listed) =>
      `the policy is invalid (${total === 1 ? '1 problem' : total > listed ? `${total} problems, the first ${listed} listed` : `${total} problems`}): ${first.message}`,
  });
  const policy = readPolicy(new PolicyFields(problems), doc);
  problems.throwIfAny();
  if (options.file !== undefined) policy.file = options.file;
  return policy;
}

// The sections, in the order a policy reads: the whole table, [policy], [criteria.*], [package.*],
// [trust] and [[exemption]] (the parties, levels, required rules and overrides: parse-parties.ts).


function readPolicy(f: PolicyFields, doc: Table): Policy {
  f.keys(doc, [], TOP_KEYS);
  const criteriaDefinitions = readCriteria(f, doc['criteria']);
  const known = (name: string): boolean => criteriaDefinitions.has(name);
  const settings = readPolicyTable(f, doc['policy'], known);
  const parties = readParties(f, doc['party']);
  const levels = readLevels(f, doc['level'], parties, known);
  const required = settings.required === undefined ? [] : readRequiredRules(f, settings.required, ['policy', 'required'], parties, levels);
  const policy: Policy = {
    threshold: settings.threshold,
    criteria: settings.criteria,
    required,
    overrides: readOverrides(f, doc['override'], parties),
    vetoFindings: settings.vetoFindings,
    requireHashBinding: settings.requireHashBinding,
    firstParty: settings.firstParty,
    parties,
    levels: levels.length > 0 ? levels : [{ kind: 'audited', name: 'audited' }],
    criteriaDefinitions,
    packages: readPackages(f, doc['package'], known, parties, levels),
    trust: readTrust(f, doc['trust']),
    exemptions: readExemptions(f, doc['exemption']),
  };
  if (settings.vetoWeight !== undefined) policy.vetoWeight = settings.vetoWeight;
  if (settings.maxAge !== undefined) policy.maxAge = settings.maxAge;
  parseAdoptionKeys(doc, policy, (path, message, help) => f.add(path, message, help));
  return policy;
}

/** The [policy] table. `required` is kept raw: it is checked once parties and levels are known. */
function readPolicyTable(f: PolicyFields, raw: unknown, known: (c: string) => boolean): PolicySettings {
  const out: PolicySettings = {
    threshold: 0,
    criteria: ['safe-to-deploy'],
    vetoFindings: ['malicious'],
    requireHashBinding: true,
    firstParty: 'exempt',
  };
  if (raw === undefined) {
    f.add(['policy'], 'the policy has no [policy] table', 'add [policy] with at least `threshold = <score>`');
    return out;
  }
  if (!isTable(raw)) {
    f.add(['policy'], `expected a table, got ${describe(raw)}`);
    return out;
  }
  f.keys(raw, ['policy'], POLICY_KEYS);
  const t = f.number(raw, 'threshold', ['policy'], { min: 0 });
  if (t === undefined && !('threshold' in raw)) {
    f.add(['policy', 'threshold'], 'the policy has no threshold', 'add `threshold = <score>` to [policy], e.g. 5.5');
  }
  out.threshold = t ?? 0;
  out.criteria = f.criteriaRef(raw, 'criteria', ['policy'], known) ?? out.criteria;
  if (raw['required'] !== undefined) out.required = raw['required'];
  const vetoWeight = f.number(raw, 'veto-weight', ['policy'], { min: 0 });
  if (vetoWeight !== undefined) out.vetoWeight = vetoWeight;
  out.vetoFindings = f.stringList(raw, 'veto-findings', ['policy']) ?? out.vetoFindings;
  const maxAge = f.duration(raw, 'max-age', ['policy']);
  if (maxAge !== undefined) out.maxAge = maxAge;
  out.requireHashBinding = f.boolean(raw, 'require-hash-binding', ['policy']) ?? true;
  const fp = f.string(raw, 'first-party', ['policy']);
  if (fp === 'exempt' || fp === 'check') out.firstParty = fp;
  else if (fp !== undefined) f.add(['policy', 'first-party'], `expected "exempt" or "check", got '${fp}'`);
  return out;
}

function readCriteria(f: PolicyFields, raw: unknown): Map<string, CriteriaDefinition> {
  const defs = new Map<string, CriteriaDefinition>();
  for (const [name, def] of Object.entries(BUILTIN_CRITERIA)) {
    defs.set(name, { name, implies: [...def.implies], description: def.description });
  }
  if (raw === undefined) return defs;
  if (!isTable(raw)) {
    f.add(['criteria'], `expected tables like [criteria.NAME], got ${describe(raw)}`);
    return defs;
  }
  const implied: { from: string; to: string; path: Segment[] }[] = [];
  for (const [name, body] of Object.entries(raw)) {
    const path: Segment[] = ['criteria', name];
    if (!isTable(body)) {
      f.add(path, `expected a table [criteria.${name}], got ${describe(body)}`);
      continue;
    }
    f.keys(body, path, CRITERIA_KEYS);
    const implies = f.stringList(body, 'implies', path) ?? [];
    const description = f.string(body, 'description', path);
    const builtin = defs.get(name);
    // A policy may add implications to a built-in but never remove the built-in ones.
    const def: CriteriaDefinition = {
      name,
      implies: [...new Set([...(builtin?.implies ?? []), ...implies])],
    };
    const text = description ?? builtin?.description;
    if (text !== undefined) def.description = text;
    defs.set(name, def);
    implies.forEach((to, i) => implied.push({ from: name, to, path: [...path, 'implies', i] }));
  }
  for (const { to, path } of implied) {
    if (!defs.has(to)) f.unknownCriteria(to, path, defs);
  }
  return defs;
}

function readPackages(f: PolicyFields, raw: unknown, known: (c: string) => boolean, parties: readonly Party[], levels: readonly Level[]): Map<string, PackagePolicy> {
  const out = new Map<string, PackagePolicy>();
  if (raw === undefined) return out;
  if (!isTable(raw)) {
    f.add(['package'], `expected tables like [package.NAME], got ${describe(raw)}`);
    return out;
  }
  for (const [rawName, body] of Object.entries(raw)) {
    const path: Segment[] = ['package', rawName];
    if (!isTable(body)) {
      f.add(path, `expected a table [package.${rawName}], got ${describe(body)}`);
      continue;
    }
    f.keys(body, path, PACKAGE_KEYS);
    const name = f.packageName(rawName, path);
    if (name === undefined) continue;
    if (out.has(name)) {
      f.add(path, `package '${rawName}' is configured twice (as '${name}' after normalising the name)`, 'merge the two [package] tables');
      continue;
    }
    const pkg: PackagePolicy = { name };
    const criteria = f.criteriaRef(body, 'criteria', path, known);
    if (criteria !== undefined) pkg.criteria = criteria;
    const threshold = f.number(body, 'threshold', path, { min: 0 });
    if (threshold !== undefined) pkg.threshold = threshold;
    if (body['required'] !== undefined) pkg.required = readRequiredRules(f, body['required'], [...path, 'required'], parties, levels);
    out.set(name, pkg);
  }
  return out;
}

function readTrust(f: PolicyFields, raw: unknown): TrustSettings {
  const trust: TrustSettings = { ...DEFAULT_TRUST, levels: { ...DEFAULT_TRUST.levels } };
  if (raw === undefined) return trust;
  if (!isTable(raw)) {
    f.add(['trust'], `expected a table, got ${describe(raw)}`);
    return trust;
  }
  f.keys(raw, ['trust'], TRUST_KEYS);
  trust.maxDepth = f.number(raw, 'max-depth', ['trust'], { min: 0, integer: true }) ?? trust.maxDepth;
  trust.decay = f.number(raw, 'decay', ['trust'], { min: 0, max: 1 }) ?? trust.decay;
  const levels = raw['levels'];
  if (levels !== undefined) {
    if (!isTable(levels)) {
      f.add(['trust', 'levels'], `expected a table of factors, got ${describe(levels)}`);
    } else {
      f.keys(levels, ['trust', 'levels'], TRUST_LEVEL_KEYS);
      for (const k of ['high', 'medium', 'low'] as const) {
        trust.levels[k] = f.number(levels, k, ['trust', 'levels'], { min: 0, max: 1 }) ?? trust.levels[k];
      }
    }
  }
  return trust;
}

function readExemptions(f: PolicyFields, raw: unknown): Exemption[] {
  const out: Exemption[] = [];
  if (raw === undefined) return out;
  if (!Array.isArray(raw)) {
    f.add(['exemption'], `expected an array of tables [[exemption]], got ${describe(raw)}`);
    return out;
  }
  raw.forEach((body: unknown, i) => {
    const path: Segment[] = ['exemption', i];
    if (!isTable(body)) {
      f.add(path, `expected a table, got ${describe(body)}`);
      return;
    }
    f.keys(body, path, EXEMPTION_KEYS);
    const rawName = f.string(body, 'name', path, { required: true });
    const rawVersion = f.string(body, 'version', path, { required: true });
    const reason = f.string(body, 'reason', path, { required: true });
    if (reason !== undefined && reason.trim() === '') {
      f.add([...path, 'reason'], 'an exemption needs a reason', 'say why the package is trusted without reviews');
    }
    const name = rawName === undefined ? undefined : f.packageName(rawName, [...path, 'name']);
    const version = rawVersion === undefined ? undefined : normalizeVersion(rawVersion);
    const expires = f.date(body, 'expires', path);
    const baseline = f.date(body, 'baseline', path);
    if (name === undefined || version === undefined || reason === undefined) return;
    const ex: Exemption = expires === undefined ? { name, version, reason } : { name, version, reason, expires };
    if (baseline !== undefined) ex.baseline = new Date(baseline).toISOString().slice(0, 10);
    out.push(ex);
  });
  return out;
}

function normalizeVersion(v: string): string {
  try {
    return new Version(v).toString();
  } catch {
    return v;
  }
}

interface PolicySettings {
  threshold: number;
  criteria: string[];
  required?: unknown;
  vetoWeight?: number;
  vetoFindings: string[];
  maxAge?: number;
  requireHashBinding: boolean;
  firstParty: 'exempt' | 'check';
}
