// False-positive measurement of the install-time code assessor on real, popular code: the Python
// packages Debian installed under /usr/lib/python3/dist-packages, each top-level package read as
// the import-time tree of a wheel (its __init__.py and what it imports locally). Prints findings
// per package and severity; the goal is no high or critical finding on any of them.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SEVERITY_RANK } from '../src/scan/finding.js';
import { assessInstallCode } from '../src/scan/install-code.js';

const ROOT = '/usr/lib/python3/dist-packages';
if (!existsSync(ROOT)) {
  console.log(`${ROOT} is not here: nothing to measure`);
  process.exit(0);
}

function collect(dir: string, rel: string, out: Map<string, string>): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === '__pycache__') continue;
    const p = join(dir, entry.name);
    const r = rel === '' ? entry.name : `${rel}/${entry.name}`;
    if (entry.isDirectory()) collect(p, r, out);
    else if (entry.isFile() && entry.name.endsWith('.py') && statSync(p).size < 4 * 1024 * 1024) out.set(r, readFileSync(p, 'utf8'));
  }
}

let packages = 0;
let files = 0;
const bySeverity: Record<string, number> = { low: 0, medium: 0, high: 0, critical: 0 };
const t0 = performance.now();
for (const entry of readdirSync(ROOT, { withFileTypes: true })) {
  if (!entry.isDirectory() || entry.name.includes('.') || entry.name.startsWith('_') || !existsSync(join(ROOT, entry.name, '__init__.py'))) continue;
  const tree = new Map<string, string>();
  collect(join(ROOT, entry.name), entry.name, tree);
  packages++;
  files += tree.size;
  const findings = assessInstallCode({ distribution: entry.name, kind: 'wheel', files: tree });
  for (const f of findings) bySeverity[f.severity] = (bySeverity[f.severity] ?? 0) + 1;
  const serious = findings.filter((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK.medium);
  if (serious.length > 0) console.log(`  ${entry.name}: ${serious.map((f) => `${f.severity}/${f.rule} ${f.file}:${f.line}`).join('; ')}`);
}
console.log(`install-code over ${packages} Debian packages (${files} .py files) in ${(performance.now() - t0).toFixed(0)} ms: ${JSON.stringify(bySeverity)}`);
