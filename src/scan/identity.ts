// What the local scanner signs: findings become in-toto `flag` statements in DSSE envelopes (the
// same format as a person's statements), signed by the scanner's did:key (keys/scanner.json,
// src/attest/local-identities.ts) and tagged `source = {kind: 'scanner', name}`.
import type { LoadedIdentity } from '../attest/keyfile.js';
import { buildStatement, signStatement } from '../attest/statement.js';
import type { StoredStatement } from '../attest/types.js';
import { decodeStatementEnvelope } from '../attest/verify.js';
import { SEVERITY_RANK, type AssessorName, type Finding, type FindingKind } from './finding.js';

// The identity lives with pyvouch's other local identities; `serve` and `check` load it from here.
export { loadScannerIdentity, SCANNER_DISPLAY_NAME, SCANNER_KEY_NAME } from '../attest/local-identities.js';

/** A release the findings are about, with the files they were found in (for statement subjects). */
export interface ScannedRelease {
  name: string;
  version: string;
  artifacts: { filename: string; sha256: string }[];
}

const MAX_DESCRIBED = 8;

/**
 * One `flag` statement per release, assessor and finding kind, at the worst severity found, its
 * description listing the findings. Grouping keeps the store small while `show` still says why.
 * Findings of a name with no valid version (a `--names` check) are not turned into statements.
 */
export function findingStatements(
  release: ScannedRelease,
  findings: readonly Finding[],
  signer: { did: string; name?: string; privateKey: LoadedIdentity['privateKey'] },
  now: Date = new Date(),
): StoredStatement[] {
  const groups = new Map<string, { assessor: AssessorName; kind: FindingKind; findings: Finding[] }>();
  for (const f of findings) {
    const key = `${f.assessor}\u0000${f.kind}`;
    const group = groups.get(key) ?? { assessor: f.assessor, kind: f.kind, findings: [] };
    group.findings.push(f);
    groups.set(key, group);
  }
  const out: StoredStatement[] = [];
  for (const group of [...groups.values()].sort((a, b) => `${a.assessor}${a.kind}`.localeCompare(`${b.assessor}${b.kind}`))) {
    const worst = group.findings.reduce((a, b) => (SEVERITY_RANK[b.severity] > SEVERITY_RANK[a.severity] ? b : a));
    const lines = group.findings.slice(0, MAX_DESCRIBED).map((f) => `- [${f.severity}] ${f.rule}: ${describeWhere(f)}${f.message}`);
    if (group.findings.length > MAX_DESCRIBED) lines.push(`- and ${group.findings.length - MAX_DESCRIBED} more`);
    const statement = buildStatement({
      kind: 'flag',
      agent: { did: signer.did, ...(signer.name === undefined ? {} : { name: signer.name }) },
      package: { name: release.name, version: release.version },
      ...(release.artifacts.length === 0 ? {} : { artifacts: release.artifacts }),
      finding: { kind: group.kind, severity: worst.severity },
      description: `${group.assessor}: ${group.findings.length} finding(s)\n${lines.join('\n')}`,
      startTime: now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    });
    const envelope = signStatement(statement, signer);
    const stored = decodeStatementEnvelope(envelope);
    stored.statement.source = { kind: 'scanner', name: group.assessor };
    stored.statement.receivedAt = now.toISOString();
    out.push(stored);
  }
  return out;
}

function describeWhere(f: Finding): string {
  if (f.file === undefined) return '';
  return f.line === undefined ? `${f.file}: ` : `${f.file}:${f.line}: `;
}
