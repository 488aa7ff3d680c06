// Parses and validates a trust policy (pyvouch.toml, or [tool.pyvouch] in pyproject.toml) into the
// Policy model. Pure: takes text or a decoded TOML table. Reports every bad field at once, each by
// its dotted path (`party[2].weight`) and, when the text is at hand, its line.

import { parse as parseToml, TomlError } from 'smol-toml';
import { PyvouchError } from '../errors.js';
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import {
  BUILTIN_CRITERIA,
  DEFAULT_TRUST,
  isStatementParty,
  normalizeIndexUrl,
  type CriteriaDefinition,
  type Exemption,
  type Level,
  type PackagePolicy,
  type Override,
  type Party,
  type Policy,
  type RequiredRule,
  type TrustSettings,
} from './policy.js';
import { FieldProblems, suggestion, type Segment } from '../text/problems.js';
import { tomlLocator } from '../text/toml-lines.js';
import { PyprojectDocument } from '../pep/pyproject.js';
import { ADOPTION_KEYS, parseAdoptionKeys } from './adopt.js';

type Table = Record<string, unknown>;

export interface ParsePolicyOptions {
  /** Named in errors. */
  file?: string;
  /** The TOML text the table came from, so errors can carry line numbers. */
  text?: string;
  /** Where the policy sits in the document, e.g. ['tool', 'pyvouch'] in pyproject.toml. */
  prefix?: readonly string[];
}

const HELP = 'see docs/policy.md for every policy field';
const TOP_KEYS = ['policy', 'party', 'level', 'criteria', 'package', 'trust', 'exemption', 'override', ...ADOPTION_KEYS.top, 'extends'];
const OVERRIDE_KEYS = ['party', 'vetoes-of', 'findings', 'description'];
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
const PARTY_SOURCES = ['identity', 'identities', 'index', 'publishers', 'feed', 'scanner'];
const PARTY_KEYS = ['name', 'weight', 'description', ...PARTY_SOURCES, 'trusted-publisher'];
const LEVEL_KINDS = ['audited', 'trusted-authors', 'voted'];
const LEVEL_KEYS: Record<string, string[]> = {
  audited: ['kind', 'name', 'description', 'parties', 'criteria', 'weight'],
  'trusted-authors': ['kind', 'name', 'description', 'parties', 'packages', 'weight'],
  voted: ['kind', 'name', 'description', 'parties', 'min-voters', 'weight'],
};
const ALL_LEVEL_KEYS = [...new Set(Object.values(LEVEL_KEYS).flat())];
const CRITERIA_KEYS = ['implies', 'description'];
const PACKAGE_KEYS = ['criteria', 'threshold', 'required', ...ADOPTION_KEYS.package];
const TRUST_KEYS = ['max-depth', 'decay', 'levels'];
const TRUST_LEVEL_KEYS = ['high', 'medium', 'low'];
const EXEMPTION_KEYS = ['name', 'version', 'reason', 'expires', 'baseline'];

// DID syntax (W3C DID Core §3.1): did:<method>:<method-specific-id>. The seed's placeholders
// (`did:key:z6Mk...`) are syntactically valid, so they must pass.
const DID_RE = /^did:[a-z0-9]+:(?:[A-Za-z0-9._\-]|%[0-9A-Fa-f]{2})*(?::(?:[A-Za-z0-9._\-]|%[0-9A-Fa-f]{2})*)*$/;
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(h|d|w|y)$/;
const DURATION_UNITS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

interface Problem {
  path: Segment[];
  message: string;
  help?: string;
}

export function isIdentityUri(s: string): boolean {
  return s.startsWith('did:') && DID_RE.test(s);
}

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
  const p = new PolicyParser();
  const policy = p.run(doc);
  if (p.problems.length > 0) throw toError(p.problems, options);
  if (options.file !== undefined) policy.file = options.file;
  return policy;
}

class PolicyParser {
  readonly problems: Problem[] = [];

  add(path: Segment[], message: string, help?: string): void {
    this.problems.push(help === undefined ? { path, message } : { path, message, help });
  }

  run(doc: Table): Policy {
    this.keys(doc, [], TOP_KEYS);
    const criteriaDefinitions = this.criteriaTables(doc['criteria']);
    const known = (name: string): boolean => criteriaDefinitions.has(name);
    const settings = this.policyTable(doc['policy'], known);
    const parties = this.parties(doc['party']);
    const levels = this.levels(doc['level'], parties, known);
    const required = settings.required === undefined ? [] : this.requiredRules(settings.required, ['policy', 'required'], parties, levels);
    const policy: Policy = {
      threshold: settings.threshold,
      criteria: settings.criteria,
      required,
      overrides: this.overrides(doc['override'], parties),
      vetoFindings: settings.vetoFindings,
      requireHashBinding: settings.requireHashBinding,
      firstParty: settings.firstParty,
      parties,
      levels: levels.length > 0 ? levels : [{ kind: 'audited', name: 'audited' }],
      criteriaDefinitions,
      packages: this.packages(doc['package'], known, parties, levels),
      trust: this.trust(doc['trust']),
      exemptions: this.exemptions(doc['exemption']),
    };
    if (settings.vetoWeight !== undefined) policy.vetoWeight = settings.vetoWeight;
    if (settings.maxAge !== undefined) policy.maxAge = settings.maxAge;
    parseAdoptionKeys(doc, policy, (path, message, help) => this.add(path, message, help));
    return policy;
  }

  /** The [policy] table. `required` is kept raw: it is checked once parties and levels are known. */
  private policyTable(raw: unknown, known: (c: string) => boolean): PolicySettings {
    const out: PolicySettings = {
      threshold: 0,
      criteria: ['safe-to-deploy'],
      vetoFindings: ['malicious'],
      requireHashBinding: true,
      firstParty: 'exempt',
    };
    if (raw === undefined) {
      this.add(['policy'], 'the policy has no [policy] table', 'add [policy] with at least `threshold = <score>`');
      return out;
    }
    if (!isTable(raw)) {
      this.add(['policy'], `expected a table, got ${describe(raw)}`);
      return out;
    }
    this.keys(raw, ['policy'], POLICY_KEYS);
    const t = this.number(raw, 'threshold', ['policy'], { min: 0 });
    if (t === undefined && !('threshold' in raw)) {
      this.add(['policy', 'threshold'], 'the policy has no threshold', 'add `threshold = <score>` to [policy], e.g. 5.5');
    }
    out.threshold = t ?? 0;
    out.criteria = this.criteriaRef(raw, 'criteria', ['policy'], known) ?? out.criteria;
    if (raw['required'] !== undefined) out.required = raw['required'];
    const vetoWeight = this.number(raw, 'veto-weight', ['policy'], { min: 0 });
    if (vetoWeight !== undefined) out.vetoWeight = vetoWeight;
    out.vetoFindings = this.stringList(raw, 'veto-findings', ['policy']) ?? out.vetoFindings;
    const maxAge = this.duration(raw, 'max-age', ['policy']);
    if (maxAge !== undefined) out.maxAge = maxAge;
    out.requireHashBinding = this.boolean(raw, 'require-hash-binding', ['policy']) ?? true;
    const fp = this.string(raw, 'first-party', ['policy']);
    if (fp === 'exempt' || fp === 'check') out.firstParty = fp;
    else if (fp !== undefined) this.add(['policy', 'first-party'], `expected "exempt" or "check", got '${fp}'`);
    return out;
  }

  // --- sections -------------------------------------------------------------------------------

  private criteriaTables(raw: unknown): Map<string, CriteriaDefinition> {
    const defs = new Map<string, CriteriaDefinition>();
    for (const [name, def] of Object.entries(BUILTIN_CRITERIA)) {
      defs.set(name, { name, implies: [...def.implies], description: def.description });
    }
    if (raw === undefined) return defs;
    if (!isTable(raw)) {
      this.add(['criteria'], `expected tables like [criteria.NAME], got ${describe(raw)}`);
      return defs;
    }
    const implied: { from: string; to: string; path: Segment[] }[] = [];
    for (const [name, body] of Object.entries(raw)) {
      const path: Segment[] = ['criteria', name];
      if (!isTable(body)) {
        this.add(path, `expected a table [criteria.${name}], got ${describe(body)}`);
        continue;
      }
      this.keys(body, path, CRITERIA_KEYS);
      const implies = this.stringList(body, 'implies', path) ?? [];
      const description = this.string(body, 'description', path);
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
      if (!defs.has(to)) this.unknownCriteria(to, path, defs);
    }
    return defs;
  }

  private parties(raw: unknown): Party[] {
    const out: Party[] = [];
    if (raw === undefined) return out;
    if (!Array.isArray(raw)) {
      this.add(['party'], `expected an array of tables [[party]], got ${describe(raw)}`, 'write each party as a [[party]] table');
      return out;
    }
    const seen = new Map<string, number>();
    raw.forEach((body: unknown, i) => {
      const path: Segment[] = ['party', i];
      if (!isTable(body)) {
        this.add(path, `expected a table, got ${describe(body)}`);
        return;
      }
      this.keys(body, path, PARTY_KEYS);
      const name = this.string(body, 'name', path, { required: true });
      const description = this.string(body, 'description', path);
      if (name !== undefined) {
        const first = seen.get(name);
        if (first !== undefined) {
          this.add([...path, 'name'], `duplicate party name '${name}' (also party[${first}])`, 'give every party a unique name');
        } else seen.set(name, i);
      }
      if ('trusted-publisher' in body) {
        this.add([...path, 'trusted-publisher'], 'trusted-publisher is replaced by publishers', 'write `publishers = ["github:OWNER/REPO"]` (globs on the PEP 740 publisher identity)');
        return;
      }
      const sources = PARTY_SOURCES.filter((k) => k in body);
      if (sources.length === 0) {
        this.add(path, `party '${name ?? i}' names no identity, identities, index, publishers, feed or scanner`, 'say who the party is: `identity = "did:key:…"`, `identities = [...]`, `index = "https://…"`, `publishers = [...]`, `feed = "NAME"` or `scanner = true`');
        return;
      }
      if (sources.length > 1) {
        this.add(path, `party '${name ?? i}' has both ${sources.join(' and ')}; a party is exactly one of them`, 'split it into several [[party]] tables');
        return;
      }
      const source = sources[0]!;
      // Only a scanner may weigh negatively: its findings lower the score.
      const weight = this.number(body, 'weight', path, { min: source === 'scanner' ? -Infinity : 0, required: true });
      if (name === undefined || weight === undefined) return;
      const base = description === undefined ? { name, weight } : { name, weight, description };
      const party = this.partySource(source, body, path, base);
      if (party !== undefined) out.push(party);
    });
    return out;
  }

  /** The one source key of a [[party]] table, read into a party. */
  private partySource(source: string, body: Table, path: Segment[], base: { name: string; weight: number; description?: string }): Party | undefined {
    switch (source) {
      case 'identity': {
        const id = this.string(body, 'identity', path);
        if (id === undefined || !this.identity(id, [...path, 'identity'])) return undefined;
        return { ...base, kind: 'identity', identities: [id] };
      }
      case 'identities': {
        const ids = this.stringList(body, 'identities', path);
        if (ids === undefined) return undefined;
        if (ids.length === 0) {
          this.add([...path, 'identities'], 'a group needs at least one identity');
          return undefined;
        }
        let ok = true;
        ids.forEach((id, k) => {
          ok = this.identity(id, [...path, 'identities', k]) && ok;
        });
        return ok ? { ...base, kind: 'group', identities: [...new Set(ids)] } : undefined;
      }
      case 'index': {
        const url = this.string(body, 'index', path);
        if (url === undefined) return undefined;
        if (!isUrl(url)) {
          this.add([...path, 'index'], `'${url}' is not an index URL`, 'write the simple API URL, e.g. "https://pypi.org/simple"');
          return undefined;
        }
        return { ...base, kind: 'index', index: url, indexKey: normalizeIndexUrl(url) };
      }
      case 'publishers': {
        const globs = this.stringList(body, 'publishers', path);
        if (globs === undefined) return undefined;
        let ok = globs.length > 0;
        if (!ok) this.add([...path, 'publishers'], 'name at least one publisher, e.g. "github:pallets/*"');
        globs.forEach((g, k) => {
          if (!/^[a-z]+:\S+$/.test(g)) {
            this.add([...path, 'publishers', k], `'${g}' is not a publisher glob`, 'write KIND:PATH, e.g. "github:pallets/flask" or "github:pallets/*"');
            ok = false;
          }
        });
        return ok ? { ...base, kind: 'publisher', publishers: [...new Set(globs)] } : undefined;
      }
      case 'feed': {
        const feed = this.string(body, 'feed', path);
        if (feed === undefined) return undefined;
        if (feed.trim() === '') {
          this.add([...path, 'feed'], 'name the feed (as it was added)');
          return undefined;
        }
        return { ...base, kind: 'feed', feed };
      }
      default: {
        const v = body['scanner'];
        if (v === true) return { ...base, kind: 'scanner' };
        if (typeof v === 'string' && v.trim() !== '') return { ...base, kind: 'scanner', scanner: v };
        this.add([...path, 'scanner'], `expected true or an assessor name, got ${describe(v)}`);
        return undefined;
      }
    }
  }

  private levels(raw: unknown, parties: readonly Party[], known: (c: string) => boolean): Level[] {
    const out: Level[] = [];
    if (raw === undefined) return out;
    if (!Array.isArray(raw)) {
      this.add(['level'], `expected an array of tables [[level]], got ${describe(raw)}`, 'write each level as a [[level]] table');
      return out;
    }
    const partyNames = new Map(parties.map((x) => [x.name, x]));
    const seen = new Map<string, number>();
    raw.forEach((body: unknown, i) => {
      const path: Segment[] = ['level', i];
      if (!isTable(body)) {
        this.add(path, `expected a table, got ${describe(body)}`);
        return;
      }
      const kind = this.string(body, 'kind', path, { required: true });
      if (kind === undefined) {
        this.keys(body, path, ALL_LEVEL_KEYS);
        return;
      }
      if (!LEVEL_KINDS.includes(kind)) {
        this.add([...path, 'kind'], `unknown level kind '${kind}'${suggestion(kind, LEVEL_KINDS)}`, `a level is one of ${LEVEL_KINDS.join(', ')}`);
        return;
      }
      this.keys(body, path, LEVEL_KEYS[kind]!, ` for a ${kind} level`);
      const name = this.string(body, 'name', path) ?? kind;
      if (partyNames.has(name)) {
        this.add([...path, 'name'], `level name '${name}' is also a party name`, 'give the level a distinct `name`');
      }
      const first = seen.get(name);
      if (first !== undefined) {
        this.add([...path, 'name'], `duplicate level name '${name}' (also level[${first}])`, 'give each level of the same kind a distinct `name`');
      } else seen.set(name, i);

      const levelParties = this.stringList(body, 'parties', path);
      levelParties?.forEach((pn, k) => {
        const party = partyNames.get(pn);
        if (party === undefined) {
          this.add([...path, 'parties', k], `unknown party '${pn}'${suggestion(pn, [...partyNames.keys()])}`);
        } else if (!isStatementParty(party)) {
          this.add([...path, 'parties', k], `party '${pn}' is ${party.kind === 'index' ? 'an index' : `a ${party.kind} party`}; levels weigh statements, so name parties with identities`);
        }
      });
      const weight = this.number(body, 'weight', path, { min: 0, required: kind === 'voted' });
      const base = levelParties === undefined ? { name } : { name, parties: levelParties };
      if (kind === 'audited') {
        const criteria = this.criteriaRef(body, 'criteria', path, known);
        out.push({
          ...base,
          kind,
          ...(criteria === undefined ? {} : { criteria }),
          ...(weight === undefined ? {} : { weight }),
        });
      } else if (kind === 'trusted-authors') {
        if (levelParties === undefined) {
          this.add([...path, 'parties'], 'a trusted-authors level needs `parties`: the parties whose members are the authors');
        }
        const pkgs = this.stringList(body, 'packages', path);
        const packages = pkgs?.map((n, k) => this.packageName(n, [...path, 'packages', k]) ?? n);
        out.push({
          ...base,
          kind,
          ...(packages === undefined ? {} : { packages }),
          ...(weight === undefined ? {} : { weight }),
        });
      } else {
        const minVoters = this.number(body, 'min-voters', path, { min: 1, integer: true, required: true });
        if (minVoters !== undefined && weight !== undefined) out.push({ ...base, kind: 'voted', minVoters, weight });
      }
    });
    return out;
  }

  private packages(raw: unknown, known: (c: string) => boolean, parties: readonly Party[], levels: readonly Level[]): Map<string, PackagePolicy> {
    const out = new Map<string, PackagePolicy>();
    if (raw === undefined) return out;
    if (!isTable(raw)) {
      this.add(['package'], `expected tables like [package.NAME], got ${describe(raw)}`);
      return out;
    }
    for (const [rawName, body] of Object.entries(raw)) {
      const path: Segment[] = ['package', rawName];
      if (!isTable(body)) {
        this.add(path, `expected a table [package.${rawName}], got ${describe(body)}`);
        continue;
      }
      this.keys(body, path, PACKAGE_KEYS);
      const name = this.packageName(rawName, path);
      if (name === undefined) continue;
      if (out.has(name)) {
        this.add(path, `package '${rawName}' is configured twice (as '${name}' after normalising the name)`, 'merge the two [package] tables');
        continue;
      }
      const pkg: PackagePolicy = { name };
      const criteria = this.criteriaRef(body, 'criteria', path, known);
      if (criteria !== undefined) pkg.criteria = criteria;
      const threshold = this.number(body, 'threshold', path, { min: 0 });
      if (threshold !== undefined) pkg.threshold = threshold;
      if (body['required'] !== undefined) pkg.required = this.requiredRules(body['required'], [...path, 'required'], parties, levels);
      out.set(name, pkg);
    }
    return out;
  }

  private trust(raw: unknown): TrustSettings {
    const trust: TrustSettings = { ...DEFAULT_TRUST, levels: { ...DEFAULT_TRUST.levels } };
    if (raw === undefined) return trust;
    if (!isTable(raw)) {
      this.add(['trust'], `expected a table, got ${describe(raw)}`);
      return trust;
    }
    this.keys(raw, ['trust'], TRUST_KEYS);
    trust.maxDepth = this.number(raw, 'max-depth', ['trust'], { min: 0, integer: true }) ?? trust.maxDepth;
    trust.decay = this.number(raw, 'decay', ['trust'], { min: 0, max: 1 }) ?? trust.decay;
    const levels = raw['levels'];
    if (levels !== undefined) {
      if (!isTable(levels)) {
        this.add(['trust', 'levels'], `expected a table of factors, got ${describe(levels)}`);
      } else {
        this.keys(levels, ['trust', 'levels'], TRUST_LEVEL_KEYS);
        for (const k of ['high', 'medium', 'low'] as const) {
          trust.levels[k] = this.number(levels, k, ['trust', 'levels'], { min: 0, max: 1 }) ?? trust.levels[k];
        }
      }
    }
    return trust;
  }

  private exemptions(raw: unknown): Exemption[] {
    const out: Exemption[] = [];
    if (raw === undefined) return out;
    if (!Array.isArray(raw)) {
      this.add(['exemption'], `expected an array of tables [[exemption]], got ${describe(raw)}`);
      return out;
    }
    raw.forEach((body: unknown, i) => {
      const path: Segment[] = ['exemption', i];
      if (!isTable(body)) {
        this.add(path, `expected a table, got ${describe(body)}`);
        return;
      }
      this.keys(body, path, EXEMPTION_KEYS);
      const rawName = this.string(body, 'name', path, { required: true });
      const rawVersion = this.string(body, 'version', path, { required: true });
      const reason = this.string(body, 'reason', path, { required: true });
      if (reason !== undefined && reason.trim() === '') {
        this.add([...path, 'reason'], 'an exemption needs a reason', 'say why the package is trusted without reviews');
      }
      const name = rawName === undefined ? undefined : this.packageName(rawName, [...path, 'name']);
      const version = rawVersion === undefined ? undefined : normalizeVersion(rawVersion);
      const expires = this.date(body, 'expires', path);
      const baseline = this.date(body, 'baseline', path);
      if (name === undefined || version === undefined || reason === undefined) return;
      const ex: Exemption = expires === undefined ? { name, version, reason } : { name, version, reason, expires };
      if (baseline !== undefined) ex.baseline = new Date(baseline).toISOString().slice(0, 10);
      out.push(ex);
    });
    return out;
  }

  // --- fields ---------------------------------------------------------------------------------

  private keys(table: Table, path: Segment[], allowed: readonly string[], where = ''): void {
    for (const key of Object.keys(table)) {
      if (!allowed.includes(key)) {
        this.add([...path, key], `unknown key '${key}'${where}${suggestion(key, allowed)}`, `allowed here: ${allowed.join(', ')}`);
      }
    }
  }

  private string(table: Table, key: string, path: Segment[], opts: { required?: boolean } = {}): string | undefined {
    const v = table[key];
    if (v === undefined) {
      if (opts.required === true) this.add([...path, key], `missing '${key}'`, HELP);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.add([...path, key], `expected a string, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  private stringList(table: Table, key: string, path: Segment[]): string[] | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) {
      this.add([...path, key], `expected an array of strings, got ${describe(v)}`);
      return undefined;
    }
    let ok = true;
    v.forEach((x: unknown, i) => {
      if (typeof x !== 'string') {
        this.add([...path, key, i], `expected a string, got ${describe(x)}`);
        ok = false;
      }
    });
    return ok ? (v as string[]) : undefined;
  }

  private number(
    table: Table,
    key: string,
    path: Segment[],
    opts: { min?: number; max?: number; integer?: boolean; required?: boolean } = {},
  ): number | undefined {
    const v = table[key];
    const at = [...path, key];
    if (v === undefined) {
      if (opts.required === true) this.add(at, `missing '${key}'`, HELP);
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add(at, `expected a number, got ${describe(v)}`);
      return undefined;
    }
    if (opts.integer === true && !Number.isInteger(v)) {
      this.add(at, `expected a whole number, got ${v}`);
      return undefined;
    }
    if (opts.min !== undefined && v < opts.min) {
      this.add(at, `${key} must be at least ${opts.min}, got ${v}`, opts.min === 0 ? 'weights and scores are never negative' : undefined);
      return undefined;
    }
    if (opts.max !== undefined && v > opts.max) {
      this.add(at, `${key} must be at most ${opts.max}, got ${v}`);
      return undefined;
    }
    return v;
  }

  private boolean(table: Table, key: string, path: Segment[]): boolean | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      this.add([...path, key], `expected true or false, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  private duration(table: Table, key: string, path: Segment[]): number | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    const help = 'write a duration like "365d", "26w", "1y" or "48h" (or a number of days)';
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || v <= 0) {
        this.add([...path, key], `expected a positive number of days, got ${v}`, help);
        return undefined;
      }
      return v * DURATION_UNITS['d']!;
    }
    if (typeof v !== 'string') {
      this.add([...path, key], `expected a duration, got ${describe(v)}`, help);
      return undefined;
    }
    const m = DURATION_RE.exec(v.trim());
    if (m === null || Number(m[1]) <= 0) {
      this.add([...path, key], `'${v}' is not a duration`, help);
      return undefined;
    }
    return Number(m[1]) * DURATION_UNITS[m[2]!]!;
  }

  private date(table: Table, key: string, path: Segment[]): number | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ms)) {
      this.add([...path, key], `expected a date like 2026-06-30, got ${describe(v)}`);
      return undefined;
    }
    return ms;
  }

  private identity(id: string, path: Segment[]): boolean {
    if (isIdentityUri(id)) return true;
    this.add(path, `'${id}' is not an identity URI`, 'an identity looks like did:key:z6Mk…; `pyvouch key show` prints yours');
    return false;
  }

  private criteriaRef(table: Table, key: string, path: Segment[], known: (c: string) => boolean): string[] | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    let list: string[];
    if (typeof v === 'string') list = [v];
    else {
      const l = this.stringList(table, key, path);
      if (l === undefined) return undefined;
      list = l;
    }
    if (list.length === 0) {
      this.add([...path, key], 'name at least one criteria');
      return undefined;
    }
    let ok = true;
    list.forEach((c, i) => {
      if (!known(c)) {
        this.unknownCriteria(c, typeof v === 'string' ? [...path, key] : [...path, key, i]);
        ok = false;
      }
    });
    return ok ? [...new Set(list)] : undefined;
  }

  private unknownCriteria(name: string, path: Segment[], defs?: ReadonlyMap<string, unknown>): void {
    const names = defs === undefined ? Object.keys(BUILTIN_CRITERIA) : [...defs.keys()];
    this.add(path, `unknown criteria '${name}'${suggestion(name, names)}`, `define it with a [criteria.${name}] table, or use one of ${names.join(', ')}`);
  }

  /**
   * `required = ["pypi", "audited", { party = "internal", count = 2 }]`: names of parties or levels,
   * or tables asking for a count of distinct identities.
   */
  private requiredRules(raw: unknown, path: Segment[], parties: readonly Party[], levels: readonly Level[]): RequiredRule[] {
    if (!Array.isArray(raw)) {
      this.add(path, `expected an array of party or level names, got ${describe(raw)}`);
      return [];
    }
    const partyByName = new Map(parties.map((p) => [p.name, p]));
    const levelNames = new Set(levels.map((l) => l.name));
    const all = [...partyByName.keys(), ...levelNames];
    const out = new Map<string, RequiredRule>();
    raw.forEach((item: unknown, i) => {
      const at: Segment[] = [...path, i];
      const rule = this.requiredRule(item, at, levelNames);
      if (rule === undefined) return;
      const { name, count } = rule;
      const party = partyByName.get(name);
      if (party === undefined && !levelNames.has(name)) {
        this.add(typeof item === 'string' ? at : [...at, 'party'], `'${name}' is not a party or level of this policy${suggestion(name, all)}`, 'name a [[party]] (or a [[level]]) that must vouch');
        return;
      }
      if (party !== undefined && party.weight < 0) {
        this.add(at, `party '${name}' has a negative weight: it lowers scores and cannot be required to vouch`);
        return;
      }
      if (party !== undefined && count > 1 && party.kind !== 'group') {
        this.add([...at, 'count'], `party '${name}' is ${party.kind === 'identity' ? 'one identity' : `a ${party.kind} party`}: it vouches at most once, so count ${count} can never be met`);
        return;
      }
      if (party?.kind === 'group' && count > party.identities.length) {
        this.add([...at, 'count'], `party '${name}' has ${party.identities.length} members; count ${count} can never be met`);
        return;
      }
      out.set(name, { name, count: Math.max(count, out.get(name)?.count ?? 0) });
    });
    return [...out.values()];
  }

  private requiredRule(item: unknown, at: Segment[], levelNames: ReadonlySet<string>): RequiredRule | undefined {
    if (typeof item === 'string') return { name: item, count: 1 };
    if (!isTable(item)) {
      this.add(at, `expected a party or level name, or { party = NAME, count = N }, got ${describe(item)}`);
      return undefined;
    }
    this.keys(item, at, ['party', 'level', 'count']);
    const keys = (['party', 'level'] as const).filter((k) => k in item);
    if (keys.length !== 1) {
      this.add(at, 'name exactly one `party` or `level`', 'e.g. { party = "internal", count = 2 }');
      return undefined;
    }
    const name = this.string(item, keys[0]!, at);
    const count = this.number(item, 'count', at, { min: 1, integer: true }) ?? 1;
    if (name === undefined) return undefined;
    if (keys[0] === 'level' && !levelNames.has(name)) {
      this.add([...at, 'level'], `'${name}' is not a level of this policy${suggestion(name, [...levelNames])}`);
      return undefined;
    }
    return { name, count };
  }

  /** [[override]] tables: who may override a veto, and whose vetoes. */
  private overrides(raw: unknown, parties: readonly Party[]): Override[] {
    const out: Override[] = [];
    if (raw === undefined) return out;
    if (!Array.isArray(raw)) {
      this.add(['override'], `expected an array of tables [[override]], got ${describe(raw)}`);
      return out;
    }
    const names = parties.map((p) => p.name);
    raw.forEach((body: unknown, i) => {
      const path: Segment[] = ['override', i];
      if (!isTable(body)) {
        this.add(path, `expected a table, got ${describe(body)}`);
        return;
      }
      this.keys(body, path, OVERRIDE_KEYS);
      const party = this.string(body, 'party', path, { required: true });
      if (party === undefined) return;
      const p = parties.find((x) => x.name === party);
      if (p === undefined) {
        this.add([...path, 'party'], `unknown party '${party}'${suggestion(party, names)}`);
        return;
      }
      if (!isStatementParty(p)) {
        this.add([...path, 'party'], `party '${party}' has no identities: only a party whose members sign can override a veto`);
        return;
      }
      const vetoesOf = this.stringList(body, 'vetoes-of', path);
      vetoesOf?.forEach((n, k) => {
        if (!names.includes(n)) this.add([...path, 'vetoes-of', k], `unknown party '${n}'${suggestion(n, names)}`);
      });
      const findings = this.stringList(body, 'findings', path);
      out.push({ party, ...(vetoesOf === undefined ? {} : { vetoesOf }), ...(findings === undefined ? {} : { findings }) });
    });
    return out;
  }

  private packageName(raw: string, path: Segment[]): string | undefined {
    try {
      return canonicalizeName(raw, { validate: true });
    } catch {
      this.add(path, `'${raw}' is not a valid package name`, 'use the project name as on the index, e.g. "requests"');
      return undefined;
    }
  }
}

function normalizeVersion(v: string): string {
  try {
    return new Version(v).toString();
  } catch {
    return v;
  }
}

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

function isUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'https:' || u.protocol === 'http:' || u.protocol === 'file:';
  } catch {
    return false;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return `a date (${v.toISOString()})`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a table';
  if (typeof v === 'string') return `the string '${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return typeof v;
}

function toError(problems: readonly Problem[], options: ParsePolicyOptions): PyvouchError {
  const collected = new FieldProblems('POLICY_INVALID', {
    ...(options.file === undefined ? {} : { file: options.file }),
    ...(options.text === undefined ? {} : { locate: tomlLocator(options.text) }),
    ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
    help: HELP,
    headline: (first, total, listed) =>
      `the policy is invalid (${total === 1 ? '1 problem' : total > listed ? `${total} problems, the first ${listed} listed` : `${total} problems`}): ${first.message}`,
  });
  for (const p of problems) collected.add(p.path, p.message, p.help === undefined ? {} : { help: p.help });
  return collected.toError()!;
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
