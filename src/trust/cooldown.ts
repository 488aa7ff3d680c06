// Release-age cooldown: `min-age` in [policy] (or per package) fails releases younger than that, by
// the upload time of their files (uv.lock / pylock `upload-time`, PEP 700 `upload-time`, or the gated
// index's first-seen time). Unknown age fails closed. A release may pass early only when it is the
// fixed version named by an advisory from a source the policy trusts (a followed feed or an
// imported set) that affects an earlier version: never on the release's own word. Pure.

import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import type { GraphNode } from '../graph/graph.js';
import type { Policy } from './policy.js';
import type { Missing, Note } from './report.js';
import { isPlainTable, type AddProblem } from './lists.js';
import type { Segment } from '../text/problems.js';

type Table = Record<string, unknown>;

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };
const DURATION = /^(\d+(?:\.\d+)?)\s*(m|h|d|w|y)$/;

/** "3d", "48h", "2w", "30m", "1y", or a number of days; undefined when not a duration. */
export function parseDurationText(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? v * UNITS['d']! : undefined;
  if (typeof v !== 'string') return undefined;
  const m = DURATION.exec(v.trim());
  return m === null ? undefined : Number(m[1]) * UNITS[m[2]!]!;
}

/** A rejected min-age value as it was written: strings quoted, other TOML values as JSON. */
function quoteValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  return JSON.stringify(v) ?? typeof v;
}

/** A duration as people write it: the largest unit that divides it. */
export function formatDuration(ms: number): string {
  for (const u of ['y', 'w', 'd', 'h', 'm'] as const) {
    if (ms >= UNITS[u]! && ms % UNITS[u]! === 0) return `${ms / UNITS[u]!}${u}`;
  }
  const hours = ms / UNITS['h']!;
  return hours >= 48 ? `${Math.round((hours / 24) * 10) / 10}d` : `${Math.round(hours * 10) / 10}h`;
}

export interface CooldownSettings {
  minAge?: number;
  minAgeExempt: string[];
  packages: Map<string, number>;
}

/** Reads `[policy] min-age`, `min-age-exempt` and `[package.NAME] min-age`. */
export function parseCooldown(doc: Table, add: AddProblem): CooldownSettings {
  const out: CooldownSettings = { minAgeExempt: [], packages: new Map() };
  const help = 'write a duration like "3d", "48h" or "2w"';
  const policy = doc['policy'];
  if (isPlainTable(policy)) {
    if (policy['min-age'] !== undefined) {
      const ms = parseDurationText(policy['min-age']);
      if (ms === undefined) add(['policy', 'min-age'], `${quoteValue(policy['min-age'])} is not a duration`, help);
      else out.minAge = ms;
    }
    const ex = policy['min-age-exempt'];
    if (ex !== undefined) {
      if (!Array.isArray(ex)) add(['policy', 'min-age-exempt'], 'expected an array of package names');
      else {
        ex.forEach((n: unknown, i) => {
          const name = packageName(n);
          if (name === undefined) add(['policy', 'min-age-exempt', i], `'${String(n)}' is not a valid package name`);
          else out.minAgeExempt.push(name);
        });
      }
    }
  }
  const pkgs = doc['package'];
  if (isPlainTable(pkgs)) {
    for (const [raw, body] of Object.entries(pkgs)) {
      if (!isPlainTable(body) || body['min-age'] === undefined) continue;
      const path: Segment[] = ['package', raw, 'min-age'];
      const ms = parseDurationText(body['min-age']);
      const name = packageName(raw);
      if (ms === undefined) add(path, `${quoteValue(body['min-age'])} is not a duration`, help);
      else if (name !== undefined) out.packages.set(name, ms);
    }
  }
  return out;
}

function packageName(n: unknown): string | undefined {
  if (typeof n !== 'string') return undefined;
  try {
    return canonicalizeName(n, { validate: true });
  } catch {
    return undefined;
  }
}

/**
 * An advisory as the cooldown needs it (OSV's PyPI ranges, simplified). `source` is set by
 * pyvouch's own code from where it got the advisory; only `feed` and `import` are trusted.
 */
export interface TrustedAdvisory {
  id: string;
  /** Canonical package name. */
  name: string;
  source: { kind: 'feed' | 'import'; name?: string };
  /** Affected from `introduced` (inclusive; default: every version) to `fixed` (exclusive) or `lastAffected` (inclusive). */
  ranges: { introduced?: string; fixed?: string; lastAffected?: string }[];
  /** Versions listed as affected one by one. */
  versions?: string[];
}

/** Whether `advisory` affects `version` (unparseable versions only by an exact listing). */
export function advisoryAffects(advisory: TrustedAdvisory, version: string): boolean {
  if (advisory.versions?.includes(version) === true) return true;
  const v = Version.tryParse(version);
  if (v === null) return false;
  for (const r of advisory.ranges) {
    const intro = r.introduced === undefined || r.introduced === '0' ? null : Version.tryParse(r.introduced);
    if (intro !== null && v.compare(intro) < 0) continue;
    const fixed = r.fixed === undefined ? null : Version.tryParse(r.fixed);
    if (fixed !== null && v.compare(fixed) >= 0) continue;
    const last = r.lastAffected === undefined ? null : Version.tryParse(r.lastAffected);
    if (last !== null && v.compare(last) > 0) continue;
    return true;
  }
  return false;
}

/**
 * The trusted advisory `version` of `name` fixes, given the earlier versions in use (the locked or
 * previous ones): it must come from a trusted source, affect one of `earlier`, not affect `version`,
 * and name `version` itself as a fixed version. A later release that merely is not affected does
 * not qualify, so an attacker cannot ride on an old advisory with a new release.
 */
export function fixedAdvisory(
  name: string,
  version: string,
  earlier: readonly string[],
  advisories: readonly TrustedAdvisory[],
): TrustedAdvisory | undefined {
  const v = Version.tryParse(version);
  if (v === null) return undefined;
  for (const a of advisories) {
    if (a.name !== name) continue;
    // Checked at run time too: advisories can arrive from JSON.
    if (a.source.kind !== 'feed' && a.source.kind !== 'import') continue;
    const namesFix = a.ranges.some((r) => r.fixed !== undefined && Version.tryParse(r.fixed)?.compare(v) === 0);
    if (!namesFix || advisoryAffects(a, version)) continue;
    const hit = earlier.some((e) => {
      const ev = Version.tryParse(e);
      return ev !== null && ev.compare(v) < 0 && advisoryAffects(a, e);
    });
    if (hit) return a;
  }
  return undefined;
}

/** Advisories from OSV JSON (one record or an array), for the PyPI ecosystem, with the given source. */
export function advisoriesFromOsv(json: unknown, source: TrustedAdvisory['source']): TrustedAdvisory[] {
  const records = Array.isArray(json) ? json : isPlainTable(json) && Array.isArray(json['vulns']) ? json['vulns'] : [json];
  const out: TrustedAdvisory[] = [];
  for (const rec of records) {
    if (!isPlainTable(rec) || typeof rec['id'] !== 'string' || !Array.isArray(rec['affected'])) continue;
    for (const aff of rec['affected']) {
      if (!isPlainTable(aff) || !isPlainTable(aff['package'])) continue;
      const pkg = aff['package'];
      if (typeof pkg['name'] !== 'string' || (typeof pkg['ecosystem'] === 'string' && pkg['ecosystem'] !== 'PyPI')) continue;
      const name = packageName(pkg['name']);
      if (name === undefined) continue;
      const ranges: TrustedAdvisory['ranges'] = [];
      for (const r of Array.isArray(aff['ranges']) ? aff['ranges'] : []) {
        if (!isPlainTable(r) || !Array.isArray(r['events'])) continue;
        let cur: { introduced?: string; fixed?: string; lastAffected?: string } | undefined;
        for (const e of r['events']) {
          if (!isPlainTable(e)) continue;
          if (typeof e['introduced'] === 'string') {
            if (cur !== undefined) ranges.push(cur);
            cur = { introduced: e['introduced'] };
          } else if (typeof e['fixed'] === 'string') {
            ranges.push({ ...(cur ?? {}), fixed: e['fixed'] });
            cur = undefined;
          } else if (typeof e['last_affected'] === 'string') {
            ranges.push({ ...(cur ?? {}), lastAffected: e['last_affected'] });
            cur = undefined;
          }
        }
        if (cur !== undefined) ranges.push(cur);
      }
      const versions = Array.isArray(aff['versions']) ? aff['versions'].filter((x): x is string => typeof x === 'string') : [];
      out.push({ id: rec['id'], name, source, ranges, ...(versions.length > 0 ? { versions } : {}) });
    }
  }
  return out;
}

export interface CooldownInputs {
  /** Upload (or first-seen) times by lower-case sha256, beyond what the lock records. */
  uploadTimes?: ReadonlyMap<string, string>;
  /** Advisories from sources the policy trusts. */
  advisories?: readonly TrustedAdvisory[];
  /** Earlier versions in use, by canonical name (e.g. the previously locked one). */
  previous?: ReadonlyMap<string, readonly string[]>;
}

export interface CooldownDecision {
  /** Undefined when the policy sets no cooldown for the node. */
  report?: { uploaded: string | null; allowedAt: string | null; passed: boolean; why: string };
  missing: Missing[];
  notes: Note[];
}

/** The min-age that applies to `name`, or undefined. */
export function minAgeFor(policy: Policy, name: string): number | undefined {
  if (policy.minAgeExempt?.includes(name) === true) return undefined;
  return policy.packages.get(name)?.minAge ?? policy.minAge;
}

/** The newest upload time of the node's files (ISO), or null when any file's time is unknown. */
export function releaseUploadTime(node: GraphNode, uploadTimes?: ReadonlyMap<string, string>): number | null {
  if (node.artifacts.length === 0) return null;
  let newest = -Infinity;
  for (const a of node.artifacts) {
    const t = a.uploadTime ?? (a.sha256 === undefined ? undefined : uploadTimes?.get(a.sha256.toLowerCase()));
    const ms = t === undefined ? Number.NaN : Date.parse(t);
    if (Number.isNaN(ms)) return null;
    newest = Math.max(newest, ms);
  }
  return newest;
}

/**
 * Judges one node against the cooldown at `now`. `exempted` says an exemption of the exact version
 * is in force (a human decision about that very release, which the cooldown does not second-guess).
 */
export function decideCooldown(policy: Policy, node: GraphNode, now: number, inputs: CooldownInputs, exempted: boolean): CooldownDecision {
  const out: CooldownDecision = { missing: [], notes: [] };
  const minAge = minAgeFor(policy, node.name);
  if (minAge === undefined || minAge === 0) return out;
  const kind = node.source?.kind;
  if (kind === 'editable' || kind === 'virtual') return out;
  const id = `${node.name}==${node.version}`;
  const need = formatDuration(minAge);
  const uploaded = releaseUploadTime(node, inputs.uploadTimes);
  if (uploaded === null) {
    const why = `the upload time of ${id} is unknown (the lock and the index record none), so its age cannot be checked against min-age ${need}`;
    if (exempted) {
      out.report = { uploaded: null, allowedAt: null, passed: true, why: 'exempted' };
      return out;
    }
    out.report = { uploaded: null, allowedAt: null, passed: false, why };
    out.missing.push({ kind: 'age-unknown', message: `${why}: lock with upload times (uv lock, pylock), or exempt it with min-age-exempt` });
    return out;
  }
  const uploadedIso = new Date(uploaded).toISOString();
  const allowedAt = new Date(uploaded + minAge).toISOString();
  const age = now - uploaded;
  if (age >= minAge) {
    out.report = { uploaded: uploadedIso, allowedAt, passed: true, why: `uploaded ${uploadedIso}, older than ${need}` };
    return out;
  }
  if (exempted) {
    out.report = { uploaded: uploadedIso, allowedAt, passed: true, why: 'exempted' };
    out.notes.push({ kind: 'cooldown', message: `${id} is younger than min-age ${need}, but an exemption of this exact version is in force` });
    return out;
  }
  const earlier = [
    ...(inputs.previous?.get(node.name) ?? []),
    ...policy.exemptions.filter((e) => e.name === node.name && e.version !== node.version).map((e) => e.version),
  ];
  const fix = fixedAdvisory(node.name, node.version, earlier, inputs.advisories ?? []);
  if (fix !== undefined) {
    const from = fix.source.name === undefined ? fix.source.kind : `${fix.source.kind} ${fix.source.name}`;
    out.report = { uploaded: uploadedIso, allowedAt, passed: true, why: `fixes ${fix.id}` };
    out.notes.push({ kind: 'cooldown', message: `${id} is younger than min-age ${need} but passes early: it is the fix for ${fix.id} (from the ${from}), which affects an earlier version` });
    return out;
  }
  const ageText = age < 0 ? 'uploaded in the future of the evaluation time' : `${formatDuration(Math.max(0, Math.floor(age / 60_000) * 60_000)) || '0m'} old`;
  out.report = { uploaded: uploadedIso, allowedAt, passed: false, why: `younger than ${need}` };
  out.missing.push({
    kind: 'too-young',
    uploaded: uploadedIso,
    minAge: need,
    allowedAt,
    message: `${id} is ${ageText} (uploaded ${uploadedIso}); the policy's min-age is ${need}: it may pass from ${allowedAt}`,
  });
  return out;
}
