import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { AdvisoryIndex, inRange, loadAdvisories, parseOsvRecord, readOsvRecords, saveAdvisories } from '../../src/scan/advisories.js';
import { Version } from '../../src/pep/version.js';
import { buildZip } from '../artifact/archive-builders.js';

// Shaped like ossf/malicious-packages osv/malicious/pypi/<name>/MAL-….json.
const MAL = {
  schema_version: '1.5.0',
  id: 'MAL-2024-1234',
  modified: '2024-05-01T00:00:00Z',
  published: '2024-05-01T00:00:00Z',
  summary: 'Malicious code in reqeusts (PyPI)',
  details: 'The package runs a credential stealer from setup.py.',
  affected: [{ package: { ecosystem: 'PyPI', name: 'Reqeusts' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }] }], database_specific: { source: 'ghsa-malware' } }],
  database_specific: { 'malicious-packages-origins': [{ source: 'ghsa-malware' }] },
};
// An ordinary advisory, PYSEC/GHSA style.
const VULN = {
  id: 'GHSA-9wx4-h78v-vm56',
  modified: '2024-06-10T00:00:00Z',
  aliases: ['CVE-2024-35195'],
  summary: 'Requests Session object does not verify requests after making first request with verify=False',
  affected: [{ package: { ecosystem: 'PyPI', name: 'requests' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.32.0' }] }] }],
  database_specific: { severity: 'MODERATE' },
};
const WITHDRAWN = { ...VULN, id: 'GHSA-xxxx-withdrawn', withdrawn: '2024-07-01T00:00:00Z' };
const NPM = { id: 'GHSA-npm', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'npm', name: 'requests' }, versions: ['1.0.0'] }] };

describe('OSV advisories', () => {
  it('matches a MAL- record for every version of the package, as malicious and critical', () => {
    const adv = parseOsvRecord(MAL, 'MAL.json');
    assert.ok(adv !== undefined && adv !== 'withdrawn');
    const f = new AdvisoryIndex([adv]).check('reqeusts', '1.0.0');
    assert.equal(f[0]?.kind, 'malicious');
    assert.equal(f[0]?.advisory, 'MAL-2024-1234');
    assert.equal(f[0]?.severity, 'critical');
  });

  it('matches an ECOSYSTEM range with PEP 440 comparison and names the advisory', () => {
    const adv = parseOsvRecord(VULN, 'v.json');
    assert.ok(adv !== undefined && adv !== 'withdrawn');
    const idx = new AdvisoryIndex([adv]);
    assert.equal(idx.check('requests', '2.31.0')[0]?.advisory, 'GHSA-9wx4-h78v-vm56');
    assert.equal(idx.check('requests', '2.31.0')[0]?.severity, 'medium');
    assert.equal(idx.check('requests', '2.32.0').length, 0);
    assert.equal(idx.check('requests', '2.32.0rc1').length, 1, '2.32.0rc1 sorts before 2.32.0 (PEP 440)');
    assert.equal(idx.check('requests', '2.4').length, 1, '2.4 < 2.32 numerically, not as text');
  });

  it('evaluates last_affected as inclusive and several introduced/fixed pairs', () => {
    const v = (s: string): Version => new Version(s);
    assert.equal(inRange(v('1.5'), [{ introduced: '1.0' }, { last_affected: '1.5' }]), true);
    assert.equal(inRange(v('1.5.1'), [{ introduced: '1.0' }, { last_affected: '1.5' }]), false);
    const two = [{ introduced: '1.0' }, { fixed: '1.2' }, { introduced: '2.0' }, { fixed: '2.1' }];
    assert.equal(inRange(v('1.1'), two), true);
    assert.equal(inRange(v('1.5'), two), false);
    assert.equal(inRange(v('2.0.5'), two), true);
    assert.equal(inRange(v('0.9'), two), false);
    assert.equal(inRange(v('1.0'), [{ introduced: 'not-a-version' }]), 'unknown');
  });

  it('takes a range it cannot compare to apply (fail closed)', () => {
    const adv = parseOsvRecord({ ...VULN, id: 'X-1', affected: [{ package: { ecosystem: 'PyPI', name: 'requests' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: 'weird' }] }] }] }, 'x.json');
    assert.ok(adv !== undefined && adv !== 'withdrawn');
    assert.equal(new AdvisoryIndex([adv]).check('requests', '9.9').length, 1);
  });

  it('matches listed versions by PEP 440 equality and the name by PEP 503', () => {
    const adv = parseOsvRecord({ id: 'PYSEC-1', modified: '2024-01-01T00:00:00Z', affected: [{ package: { ecosystem: 'PyPI', name: 'Foo_Bar' }, versions: ['1.0'] }] }, 'p.json');
    assert.ok(adv !== undefined && adv !== 'withdrawn');
    const idx = new AdvisoryIndex([adv]);
    assert.equal(idx.check('foo-bar', '1.0.0').length, 1);
    assert.equal(idx.check('foo-bar', '1.1').length, 0);
  });

  it('imports a malicious-packages directory tree and a zip, honouring withdrawn and skipping other ecosystems', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'osv-'));
    mkdirSync(join(dir, 'osv/malicious/pypi/reqeusts'), { recursive: true });
    writeFileSync(join(dir, 'osv/malicious/pypi/reqeusts/MAL-2024-1234.json'), JSON.stringify(MAL));
    writeFileSync(join(dir, 'v.json'), JSON.stringify(VULN));
    writeFileSync(join(dir, 'npm.json'), JSON.stringify(NPM));
    const first = await readOsvRecords(dir);
    assert.equal(first.report.imported, 2);
    assert.equal(first.report.skipped, 1);
    const zip = join(dir, 'more.zip');
    writeFileSync(zip, buildZip([{ name: 'GHSA-9wx4-h78v-vm56.json', data: JSON.stringify({ ...VULN, modified: '2024-07-01T00:00:00Z', withdrawn: '2024-07-01T00:00:00Z' }) }, { name: 'bad.json', data: '{' }]));
    const second = await readOsvRecords(zip, first.advisories);
    assert.equal(second.report.withdrawn, 1);
    assert.equal(second.report.problems[0]?.code, 'CONFIG_INVALID');
    const home = mkdtempSync(join(tmpdir(), 'osvdb-'));
    await saveAdvisories(home, second.advisories);
    // The withdrawn record removed the one held under its id.
    assert.deepEqual((await loadAdvisories(home)).map((a) => a.id), ['MAL-2024-1234']);
  });

  it('drops a record that was withdrawn', () => {
    assert.equal(parseOsvRecord(WITHDRAWN, 'w.json'), 'withdrawn');
  });

  it('rejects a record without an id, naming the field', () => {
    assert.throws(() => parseOsvRecord({ modified: 'x' }, 'bad.json'), (e: { code: string; path: string }) => e.code === 'CONFIG_INVALID' && e.path === 'id');
  });
});
