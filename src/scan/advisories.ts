// Known malicious and vulnerable releases from OSV records (OSV schema 1.x, ossf.github.io/osv-schema):
// the OpenSSF malicious-packages layout (`osv/malicious/pypi/<name>/MAL-….json`) and ordinary
// advisories (PYSEC, GHSA). A record affects a PyPI release when its PEP 503 name matches and the
// version is listed in `affected[].versions` or falls in an ECOSYSTEM range, compared as PEP 440
// versions; withdrawn records are dropped. The database is a JSON file under the data directory.
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readArchiveMembers } from '../artifact/archive.js';
import { archiveLimits } from '../artifact/limits.js';
import type { FindingSeverity } from '../attest/types.js';
import { PyvouchError } from '../errors.js';
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import type { Finding } from './finding.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

export interface OsvEvent {
  introduced?: string;
  fixed?: string;
  last_affected?: string;
  limit?: string;
}

/** What pyvouch keeps of one record's PyPI `affected` entry. */
export interface AdvisoryAffected {
  name: string;
  versions: string[];
  /** ECOSYSTEM ranges (SEMVER ranges are compared the same way; GIT ranges cannot be). */
  ranges: OsvEvent[][];
}

export interface Advisory {
  id: string;
  modified: string;
  summary: string;
  aliases: string[];
  malicious: boolean;
  severity: FindingSeverity;
  affected: AdvisoryAffected[];
}

export interface AdvisoryDatabase {
  format: 'pyvouch-advisories';
  version: 1;
  advisories: Advisory[];
}

export interface ImportReport {
  read: number;
  imported: number;
  /** Records without a PyPI package, or older than the one kept. */
  skipped: number;
  withdrawn: number;
  problems: PyvouchError[];
}

export const ADVISORY_FILE = 'advisories.json';

const GHSA_SEVERITY: Readonly<Record<string, FindingSeverity>> = { LOW: 'low', MODERATE: 'medium', MEDIUM: 'medium', HIGH: 'high', CRITICAL: 'critical' };

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * One OSV record as pyvouch keeps it; undefined when it names no PyPI package or was withdrawn
 * (`withdrawn` set: the record no longer applies). ARCHIVE_INVALID-like problems become
 * CONFIG_INVALID errors naming the file and field.
 */
export function parseOsvRecord(value: unknown, file: string, now: Date = new Date()): Advisory | 'withdrawn' | undefined {
  const bad = (path: string, why: string): PyvouchError =>
    new PyvouchError('CONFIG_INVALID', `not an OSV record: ${why}`, { file, path, help: 'advisories import reads OSV JSON records (https://ossf.github.io/osv-schema/)' });
  if (!isObject(value)) throw bad('', 'expected a JSON object');
  if (typeof value.id !== 'string' || value.id === '') throw bad('id', 'expected a string');
  if (typeof value.modified !== 'string') throw bad('modified', 'expected an RFC 3339 string');
  if (typeof value.withdrawn === 'string' && Date.parse(value.withdrawn) <= now.getTime()) return 'withdrawn';
  if (!Array.isArray(value.affected)) return undefined;
  const affected: AdvisoryAffected[] = [];
  let severity: FindingSeverity | undefined;
  value.affected.forEach((a: unknown, i) => {
    if (!isObject(a) || !isObject(a.package)) throw bad(`affected[${i}].package`, 'expected an object');
    if (a.package.ecosystem !== 'PyPI' || typeof a.package.name !== 'string') return;
    const versions = Array.isArray(a.versions) ? a.versions.filter((v): v is string => typeof v === 'string') : [];
    const ranges: OsvEvent[][] = [];
    (Array.isArray(a.ranges) ? a.ranges : []).forEach((r: unknown, j) => {
      if (!isObject(r) || !Array.isArray(r.events)) throw bad(`affected[${i}].ranges[${j}].events`, 'expected an array');
      if (r.type === 'GIT') return;
      ranges.push(
        r.events.filter(isObject).map((e) => {
          const out: OsvEvent = {};
          for (const k of ['introduced', 'fixed', 'last_affected', 'limit'] as const) if (typeof e[k] === 'string') out[k] = e[k];
          return out;
        }),
      );
    });
    if (isObject(a.database_specific) && typeof a.database_specific.severity === 'string') severity ??= GHSA_SEVERITY[a.database_specific.severity.toUpperCase()];
    affected.push({ name: canonicalizeName(a.package.name), versions, ranges });
  });
  if (affected.length === 0) return undefined;
  if (isObject(value.database_specific) && typeof value.database_specific.severity === 'string') {
    severity = GHSA_SEVERITY[value.database_specific.severity.toUpperCase()] ?? severity;
  }
  const malicious = value.id.startsWith('MAL-') || (isObject(value.database_specific) && isObject(value.database_specific['malicious-packages-origins']));
  return {
    id: value.id,
    modified: value.modified,
    summary: typeof value.summary === 'string' ? value.summary : typeof value.details === 'string' ? value.details.slice(0, 200) : '',
    aliases: Array.isArray(value.aliases) ? value.aliases.filter((x): x is string => typeof x === 'string') : [],
    malicious,
    // A vulnerability with no stated severity is medium; a malicious release is always critical.
    severity: malicious ? 'critical' : severity ?? 'medium',
    affected,
  };
}

/**
 * Whether `version` is in an OSV range: the events, sorted by version, switch "affected" on at
 * `introduced` ("0" is before everything) and off at `fixed`, or after `last_affected` (the
 * schema's evaluation algorithm). An event that is not a PEP 440 version makes the answer `unknown`.
 */
export function inRange(version: Version, events: readonly OsvEvent[]): boolean | 'unknown' {
  const parsed: { at: Version | 'zero'; kind: 'introduced' | 'fixed' | 'last_affected' }[] = [];
  for (const e of events) {
    for (const kind of ['introduced', 'fixed', 'last_affected'] as const) {
      const v = e[kind];
      if (v === undefined) continue;
      if (kind === 'introduced' && v === '0') {
        parsed.push({ at: 'zero', kind });
        continue;
      }
      const pv = Version.tryParse(v);
      if (pv === null) return 'unknown';
      parsed.push({ at: pv, kind });
    }
  }
  parsed.sort((a, b) => (a.at === 'zero' ? -1 : b.at === 'zero' ? 1 : a.at.compare(b.at)));
  let affected = false;
  for (const e of parsed) {
    if (e.kind === 'introduced') {
      if (e.at === 'zero' || version.compare(e.at) >= 0) affected = true;
    } else if (e.at !== 'zero') {
      if (e.kind === 'fixed' && version.compare(e.at) >= 0) affected = false;
      if (e.kind === 'last_affected' && version.compare(e.at) > 0) affected = false;
    }
  }
  return affected;
}

/** Advisories by canonical name, for lookups. */
export class AdvisoryIndex {
  private readonly byName = new Map<string, Advisory[]>();
  constructor(readonly advisories: readonly Advisory[]) {
    for (const a of advisories) {
      for (const name of new Set(a.affected.map((x) => x.name))) {
        const list = this.byName.get(name) ?? [];
        list.push(a);
        this.byName.set(name, list);
      }
    }
  }

  /** Findings for a release; a version that is not PEP 440 matches only exact `versions` entries. */
  check(name: string, version: string): Finding[] {
    const canonical = canonicalizeName(name);
    const v = Version.tryParse(version);
    const out: Finding[] = [];
    for (const adv of this.byName.get(canonical) ?? []) {
      let hit: boolean | 'unknown' = false;
      for (const aff of adv.affected) {
        if (aff.name !== canonical) continue;
        if (aff.versions.some((x) => x === version || (v !== null && Version.tryParse(x)?.equals(v) === true))) hit = true;
        for (const r of aff.ranges) {
          if (hit === true) break;
          const inside = v === null ? 'unknown' : inRange(v, r);
          if (inside === true) hit = true;
          else if (inside === 'unknown') hit = 'unknown';
        }
      }
      if (hit === false) continue;
      // Fail closed: a range pyvouch cannot evaluate counts as matching, and says so.
      const doubt = hit === 'unknown' ? ' (its version range could not be compared as PEP 440, so it is taken to apply)' : '';
      out.push({
        assessor: 'advisories',
        kind: adv.malicious ? 'malicious' : 'vulnerable',
        name: canonical,
        version,
        rule: adv.malicious ? 'known-malicious' : 'known-vulnerable',
        severity: adv.severity,
        advisory: adv.id,
        message: `${adv.id}${adv.aliases.length > 0 ? ` (${adv.aliases.slice(0, 3).join(', ')})` : ''}: ${adv.summary || (adv.malicious ? 'a known malicious release' : 'a known vulnerability')}${doubt}`,
      });
    }
    return out;
  }
}

async function* jsonFilesIn(dir: string): AsyncGenerator<{ file: string; text: string }> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) yield* jsonFilesIn(p);
    else if (entry.isFile() && entry.name.endsWith('.json')) yield { file: p, text: await readFile(p, 'utf8') };
  }
}

async function* jsonFilesInZip(path: string): AsyncGenerator<{ file: string; text: string }> {
  const { files } = await readArchiveMembers('zip', path, path, archiveLimits({ maxRatio: 1000 }), (m) => m.path.endsWith('.json'));
  for (const [name, bytes] of files) yield { file: `${path}!${name}`, text: new TextDecoder().decode(bytes) };
}

/** Reads OSV records from a directory tree or a zip, merged into `existing` (newest `modified` wins). */
export async function readOsvRecords(location: string, existing: readonly Advisory[] = [], now: Date = new Date()): Promise<{ advisories: Advisory[]; report: ImportReport }> {
  let info;
  try {
    info = await stat(location);
  } catch (err) {
    throw new PyvouchError('USAGE', `cannot read '${location}': ${(err as Error).message}`, { help: 'give a directory of OSV JSON files or a .zip of them (e.g. an osv.dev PyPI export)' });
  }
  const byId = new Map(existing.map((a) => [a.id, a]));
  const report: ImportReport = { read: 0, imported: 0, skipped: 0, withdrawn: 0, problems: [] };
  const source = info.isDirectory() ? jsonFilesIn(location) : jsonFilesInZip(location);
  for await (const { file, text } of source) {
    report.read++;
    let value: unknown;
    try {
      value = JSON.parse(text) as unknown;
    } catch (err) {
      report.problems.push(new PyvouchError('CONFIG_INVALID', `not JSON: ${(err as Error).message}`, { file }));
      continue;
    }
    try {
      const adv = parseOsvRecord(value, file, now);
      if (adv === 'withdrawn') {
        report.withdrawn++;
        const id = isObject(value) && typeof value.id === 'string' ? value.id : '';
        byId.delete(id);
        continue;
      }
      if (adv === undefined) {
        report.skipped++;
        continue;
      }
      const held = byId.get(adv.id);
      if (held !== undefined && Date.parse(held.modified) > Date.parse(adv.modified)) {
        report.skipped++;
        continue;
      }
      byId.set(adv.id, adv);
      report.imported++;
    } catch (err) {
      if (err instanceof PyvouchError) report.problems.push(err);
      else throw err;
    }
  }
  return { advisories: [...byId.values()].sort((a, b) => a.id.localeCompare(b.id)), report };
}

export async function loadAdvisories(dataDir: string): Promise<Advisory[]> {
  const path = join(dataDir, ADVISORY_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new PyvouchError('IO', `cannot read ${path}: ${(err as Error).message}`, { file: path });
  }
  let db: unknown;
  try {
    db = JSON.parse(text) as unknown;
  } catch (err) {
    throw new PyvouchError('CONFIG_INVALID', `${path} is not JSON: ${(err as Error).message}`, { file: path, help: 'run `pyvouch advisories import` again' });
  }
  if (!isObject(db) || db.format !== 'pyvouch-advisories' || !Array.isArray(db.advisories)) {
    throw new PyvouchError('CONFIG_INVALID', `${path} is not a pyvouch advisory database`, { file: path, help: 'move it away and run `pyvouch advisories import` again' });
  }
  return db.advisories as Advisory[];
}

export async function saveAdvisories(dataDir: string, advisories: readonly Advisory[]): Promise<string> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, ADVISORY_FILE);
  const db: AdvisoryDatabase = { format: 'pyvouch-advisories', version: 1, advisories: [...advisories] };
  // Write then rename: a reader never sees half a database.
  await writeFileAtomic(path, JSON.stringify(db), { mode: 0o600 });
  return path;
}
