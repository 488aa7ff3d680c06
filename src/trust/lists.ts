// Organisation-wide deny and allow lists: [[deny]] and [[allow]] entries (name, optional PEP 440
// version range, reason, expiry) decided before any score. A deny always fails; an allow passes a
// release without reviews unless it is denied or vetoed. Pure: parsing of the tables and matching.

import { canonicalizeName } from '../pep/name.js';
import { SpecifierSet } from '../pep/specifier.js';
import { Version } from '../pep/version.js';
import type { GraphNode } from '../graph/graph.js';
import type { ListEntry, Policy } from './policy.js';
import type { Missing, Note } from './report.js';
import type { Segment } from '../text/problems.js';

export type AddProblem = (path: Segment[], message: string, help?: string) => void;
type Table = Record<string, unknown>;

const LIST_KEYS = ['name', 'versions', 'reason', 'expires'];

export function isPlainTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Reads `[[deny]]` or `[[allow]]` (key `which`) of a decoded policy document. */
export function parseListEntries(doc: Table, which: 'deny' | 'allow', add: AddProblem): ListEntry[] {
  const raw = doc[which];
  const out: ListEntry[] = [];
  if (raw === undefined) return out;
  if (!Array.isArray(raw)) {
    add([which], `expected an array of tables [[${which}]], got ${typeof raw}`, `write each entry as a [[${which}]] table`);
    return out;
  }
  raw.forEach((body: unknown, i) => {
    const path: Segment[] = [which, i];
    if (!isPlainTable(body)) {
      add(path, 'expected a table');
      return;
    }
    for (const key of Object.keys(body)) {
      if (!LIST_KEYS.includes(key)) add([...path, key], `unknown key '${key}'`, `allowed here: ${LIST_KEYS.join(', ')}`);
    }
    const rawName = body['name'];
    const reason = body['reason'];
    const versions = body['versions'];
    let name: string | undefined;
    if (typeof rawName !== 'string') add([...path, 'name'], `missing 'name'`, `name the package the ${which} entry is about`);
    else {
      try {
        name = canonicalizeName(rawName, { validate: true });
      } catch {
        add([...path, 'name'], `'${rawName}' is not a valid package name`, 'use the project name as on the index, e.g. "requests"');
      }
    }
    if (typeof reason !== 'string' || reason.trim() === '') {
      add([...path, 'reason'], `a ${which} entry needs a reason`, 'say why, e.g. reason = "abandoned; use httpx"');
    }
    let range: string | undefined;
    if (versions !== undefined) {
      if (typeof versions !== 'string') add([...path, 'versions'], 'expected a version range string like ">=2,<3"');
      else {
        try {
          new SpecifierSet(versions);
          range = versions.trim();
        } catch {
          add([...path, 'versions'], `'${versions}' is not a PEP 440 version range`, "write e.g. '>=1.0,<2' or '==1.4.*'");
        }
      }
    }
    let expires: number | undefined;
    const e = body['expires'];
    if (e !== undefined) {
      const ms = e instanceof Date ? e.getTime() : typeof e === 'string' ? Date.parse(e) : Number.NaN;
      if (Number.isNaN(ms)) add([...path, 'expires'], `expected a date like 2026-06-30`);
      else expires = ms;
    }
    if (name === undefined || typeof reason !== 'string' || reason.trim() === '') return;
    const entry: ListEntry = { name, reason };
    if (range !== undefined && range !== '') entry.versions = range;
    if (expires !== undefined) entry.expires = expires;
    out.push(entry);
  });
  return out;
}

/**
 * Whether `entry` covers `version`. A deny range matches pre-releases too, and a version that is not
 * PEP 440 (so cannot be compared) is covered by a deny range and by no allow range: fail closed.
 */
export function listCovers(entry: ListEntry, version: string, which: 'deny' | 'allow'): boolean {
  if (entry.versions === undefined) return true;
  const parsed = Version.tryParse(version);
  if (parsed === null) return which === 'deny';
  const set = new SpecifierSet(entry.versions);
  return which === 'deny' ? set.contains(parsed, { prereleases: true }) : set.contains(parsed);
}

export interface ListDecision {
  /** The deny entries that apply (non-empty = the node fails). */
  denied: ListEntry[];
  /** The allow entry that applies, when not denied. */
  allowed?: ListEntry;
  missing: Missing[];
  notes: Note[];
}

/** Applies the policy's deny and allow lists to one node at `now` (epoch ms). */
export function decideLists(policy: Policy, node: GraphNode, now: number): ListDecision {
  const id = `${node.name}==${node.version}`;
  const out: ListDecision = { denied: [], missing: [], notes: [] };
  for (const which of ['deny', 'allow'] as const) {
    for (const entry of policy[which] ?? []) {
      if (entry.name !== node.name || !listCovers(entry, node.version, which)) continue;
      const range = entry.versions === undefined ? '' : ` ${entry.versions}`;
      if (entry.expires !== undefined && entry.expires <= now) {
        out.notes.push({ kind: 'list-expired', message: `the ${which} entry for ${entry.name}${range} ("${entry.reason}") expired on ${new Date(entry.expires).toISOString().slice(0, 10)} and no longer applies` });
        continue;
      }
      if (which === 'deny') {
        out.denied.push(entry);
        out.missing.push({
          kind: 'denied',
          reason: entry.reason,
          ...(entry.versions === undefined ? {} : { versions: entry.versions }),
          message: `${id} is on the deny list (${entry.name}${range}): ${entry.reason}`,
        });
      } else if (out.denied.length === 0 && out.allowed === undefined) {
        out.allowed = entry;
        out.notes.push({ kind: 'allowed', message: `${id} is on the allow list (${entry.name}${range}): ${entry.reason}` });
      }
    }
  }
  return out;
}
