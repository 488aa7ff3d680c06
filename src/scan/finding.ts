// What every assessor reports: one finding per thing noticed, with the rule that fired, how bad it
// is and where. Findings become signed `flag` statements (identity.ts); the JSON shape below is
// the one `pyvouch scan --format json` prints. Pure.
import type { FindingSeverity } from '../attest/types.js';

/** The assessors, one module each; the name is the statement source's name (`source.name`). */
export type AssessorName = 'typosquat' | 'install-code' | 'metadata' | 'advisories';

/** The finding kinds statements carry (`finding.kind`), which `veto-findings` matches. */
export type FindingKind = 'typosquat' | 'install-time-code' | 'metadata-anomaly' | 'malicious' | 'vulnerable';

export interface Finding {
  assessor: AssessorName;
  kind: FindingKind;
  /** Canonical project name (PEP 503), or the name as given when it is not a valid one. */
  name: string;
  version?: string;
  /** The distribution file and, for code, the member path inside it (`setup.py`). */
  distribution?: string;
  file?: string;
  /** 1-based line in `file`. */
  line?: number;
  /** A stable rule id, e.g. `edit-distance`, `exec-decoded`, `metadata-name-mismatch`. */
  rule: string;
  severity: FindingSeverity;
  /** Typosquat: the popular project this name resembles. */
  resembles?: string;
  /** Advisories: the OSV id (`MAL-2024-1234`, `GHSA-…`, `PYSEC-…`). */
  advisory?: string;
  /** The offending code, one line, shortened. */
  excerpt?: string;
  message: string;
}

export const SEVERITY_RANK: Readonly<Record<FindingSeverity, number>> = { low: 1, medium: 2, high: 3, critical: 4 };

export function maxSeverity(findings: readonly Pick<Finding, 'severity'>[]): FindingSeverity | undefined {
  let best: FindingSeverity | undefined;
  for (const f of findings) if (best === undefined || SEVERITY_RANK[f.severity] > SEVERITY_RANK[best]) best = f.severity;
  return best;
}

/** The JSON form of `pyvouch scan` (fields in the documented order, absent ones left out). */
export function findingJson(f: Finding): Record<string, unknown> {
  return {
    name: f.name,
    ...(f.version === undefined ? {} : { version: f.version }),
    ...(f.distribution === undefined ? {} : { distribution: f.distribution }),
    ...(f.file === undefined ? {} : { file: f.file }),
    ...(f.line === undefined ? {} : { line: f.line }),
    rule: f.rule,
    kind: f.kind,
    severity: f.severity,
    ...(f.resembles === undefined ? {} : { resembles: f.resembles }),
    ...(f.advisory === undefined ? {} : { advisory: f.advisory }),
    ...(f.excerpt === undefined ? {} : { excerpt: f.excerpt }),
    message: f.message,
  };
}

/** Sorts findings worst first, then by name, file and line, so reports are stable. */
export function sortFindings(findings: Finding[]): Finding[] {
  return findings.sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      a.name.localeCompare(b.name) ||
      (a.file ?? '').localeCompare(b.file ?? '') ||
      (a.line ?? 0) - (b.line ?? 0) ||
      a.rule.localeCompare(b.rule),
  );
}
