import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pyvouch, tempHome } from '../cli/harness.js';
import { sdist, wheel } from './packages.js';

describe('pyvouch scan and advisories', () => {
  it('scans a hostile sdist: exit 1, JSON findings with file, line and rule', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scancli-'));
    const s = await sdist('demo', '1.0', { 'setup.py': 'import base64\nexec(base64.b64decode("eA=="))\n' });
    const path = join(dir, s.filename);
    writeFileSync(path, s.bytes);
    const r = pyvouch(['scan', path, '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { findings: { name: string; version: string; file?: string; line?: number; rule: string; severity: string; message: string }[] };
    const f = out.findings.find((x) => x.rule === 'exec-decoded');
    assert.ok(f);
    assert.equal(f.name, 'demo');
    assert.equal(f.version, '1.0');
    assert.equal(f.file, 'setup.py');
    assert.equal(f.line, 2);
    assert.equal(f.severity, 'critical');
  });

  it('exits 0 on a clean wheel and prints SARIF 2.1.0 on request', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scancli-'));
    const w = wheel('acme-internal-tools', '1.0', { 'acme_internal_tools/__init__.py': '__version__ = "1.0"\n' });
    writeFileSync(join(dir, w.filename), w.bytes);
    const r = pyvouch(['scan', join(dir, w.filename), '--format', 'sarif']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const sarif = JSON.parse(r.stdout) as { version: string; runs: { results: unknown[] }[] };
    assert.equal(sarif.version, '2.1.0');
    assert.deepEqual(sarif.runs[0]?.results, []);
  });

  it('checks names from stdin with --names -', () => {
    const r = pyvouch(['scan', '--names', '-', '--format', 'json'], { input: 'requests\nreqeusts\n' });
    assert.equal(r.code, 1);
    const out = JSON.parse(r.stdout) as { findings: { name: string; resembles?: string; rule: string }[] };
    assert.deepEqual(out.findings.map((f) => [f.name, f.resembles, f.rule]), [['reqeusts', 'requests', 'edit-distance']]);
    assert.equal(pyvouch(['scan', '--names', '-'], { input: 'requests\nflask\n' }).code, 0);
  });

  it('exits 2 on bad input, with a JSON error under --format json', () => {
    const r = pyvouch(['scan', 'no-such-file.whl', '--format', 'json']);
    assert.equal(r.code, 2);
    assert.equal((JSON.parse(r.stdout) as { error: { code: string } }).error.code, 'USAGE');
    assert.equal(pyvouch(['scan']).code, 2);
    assert.equal(pyvouch(['scan', 'demo==1.0']).code, 2, 'a release needs --index');
  });

  it('imports advisories and flags a release on a local index as malicious', async () => {
    const home = tempHome();
    const osv = mkdtempSync(join(tmpdir(), 'osvcli-'));
    mkdirSync(join(osv, 'osv/malicious/pypi/demo'), { recursive: true });
    writeFileSync(
      join(osv, 'osv/malicious/pypi/demo/MAL-2025-1.json'),
      JSON.stringify({ id: 'MAL-2025-1', modified: '2025-01-01T00:00:00Z', summary: 'Malicious code in demo', affected: [{ package: { ecosystem: 'PyPI', name: 'demo' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }] }] }),
    );
    const imp = pyvouch(['advisories', 'import', osv, '--format', 'json'], { home });
    assert.equal(imp.code, 0, imp.stderr);
    assert.equal((JSON.parse(imp.stdout) as { imported: number }).imported, 1);
    const index = mkdtempSync(join(tmpdir(), 'idx-'));
    const w = wheel('demo', '1.0', { 'demo/__init__.py': '' });
    writeFileSync(join(index, w.filename), w.bytes);
    const r = pyvouch(['scan', 'demo==1.0', '--index', index, '--format', 'json'], { home });
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { findings: { rule: string; advisory?: string; severity: string }[] };
    const mal = out.findings.find((f) => f.rule === 'known-malicious');
    assert.equal(mal?.advisory, 'MAL-2025-1');
    assert.equal(mal?.severity, 'critical');
  });

  it('scans a lock file: names and advisories even without an index', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lockcli-'));
    writeFileSync(join(dir, 'requirements.txt'), 'reqeusts==2.0.0\nflask==3.0.0\n');
    const r = pyvouch(['scan', join(dir, 'requirements.txt'), '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const out = JSON.parse(r.stdout) as { findings: { name: string; rule: string }[] };
    assert.ok(out.findings.some((f) => f.name === 'reqeusts' && f.rule === 'edit-distance'));
    assert.ok(!out.findings.some((f) => f.name === 'flask'));
  });
});
