// `pyvouch check --scan` (issue #14): the scanner's findings enter the policy as the scanner
// party, a negative weight or a veto-findings entry fails the lock, the explanation and JSON name
// the findings, and a release the scanner could not read is reported, not silently passed.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { pyvouch, tempHome } from '../cli/harness.js';
import { sdist, wheel } from './packages.js';

const INDEX_URL = 'https://pypi.example/simple';
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface Dist {
  name: string;
  version: string;
  filename: string;
  bytes: Uint8Array;
}

function pylock(dists: readonly Dist[]): string {
  const lines = ['lock-version = "1.0"', 'created-by = "test"', ''];
  for (const d of dists) {
    const entry = `{ url = "https://files.pypi.example/${d.filename}", size = ${d.bytes.byteLength}, hashes = { sha256 = "${sha(d.bytes)}" } }`;
    lines.push('[[packages]]', `name = "${d.name}"`, `version = "${d.version}"`, `index = "${INDEX_URL}"`);
    lines.push(d.filename.endsWith('.whl') ? `wheels = [ ${entry} ]` : `sdist = ${entry}`, '');
  }
  return lines.join('\n');
}

// The index vouches for what it serves (+1, the threshold); the scanner's findings count against.
const policy = (scanner: string, extra = ''): string =>
  `[policy]\nthreshold = 1.0\n${extra}\n[[party]]\nname = "index"\nindex = "${INDEX_URL}"\nweight = 1.0\n\n[[party]]\nname = "scanner"\nscanner = true\nweight = ${scanner}\n`;

interface CheckJson {
  passed: boolean;
  nodes: { name: string; verdict: string; score: number; contributions: { party: string; message: string }[]; missing: { kind: string; message: string }[] }[];
  scan?: { findings: { name: string; rule: string; kind: string; severity: string; file?: string }[]; notScanned: { name: string; reason: string }[]; statements: number };
}

describe('check --scan', () => {
  let dir = '';
  let indexDir = '';
  // The index party vouches only for files the index is known to serve (issue #10): a snapshot of
  // its PEP 691 pages, as `check --index-mirror` reads them.
  let mirrorDir = '';
  let hostileLock = '';
  let benignLock = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'checkscan-'));
    indexDir = join(dir, 'index');
    mkdirSync(indexDir);
    const squat = { name: 'reqeusts', version: '1.0', ...wheel('reqeusts', '1.0', { 'reqeusts/__init__.py': '__version__ = "1.0"\n' }) };
    const hostile = {
      name: 'acme-widgets',
      version: '2.0',
      ...(await sdist('acme-widgets', '2.0', { 'setup.py': 'import base64\nfrom setuptools import setup\nexec(base64.b64decode("cHJpbnQoMSk="))\nsetup(name="acme-widgets")\n' })),
    };
    const benign = { name: 'acme-internal-tools', version: '1.0', ...wheel('acme-internal-tools', '1.0', { 'acme_internal_tools/__init__.py': '__version__ = "1.0"\n' }) };
    for (const d of [squat, hostile, benign]) writeFileSync(join(indexDir, d.filename), d.bytes);
    mirrorDir = join(dir, 'mirror');
    for (const d of [squat, hostile, benign]) {
      mkdirSync(join(mirrorDir, d.name), { recursive: true });
      const page = { meta: { 'api-version': '1.1' }, name: d.name, files: [{ filename: d.filename, url: `https://files.pypi.example/${d.filename}`, hashes: { sha256: sha(d.bytes) } }] };
      writeFileSync(join(mirrorDir, d.name, 'index.json'), JSON.stringify(page));
    }
    hostileLock = join(dir, 'hostile', 'pylock.toml');
    benignLock = join(dir, 'benign', 'pylock.toml');
    mkdirSync(join(dir, 'hostile'));
    mkdirSync(join(dir, 'benign'));
    writeFileSync(hostileLock, pylock([squat, hostile, benign]));
    writeFileSync(benignLock, pylock([benign]));
  });

  const check = (lock: string, policyText: string, args: string[] = [], home = tempHome()) => {
    const p = join(mkdtempSync(join(tmpdir(), 'checkscan-policy-')), 'pyvouch.toml');
    writeFileSync(p, policyText);
    return pyvouch(['check', lock, '--policy', p, '--no-db', '--index-mirror', mirrorDir, ...args], { home });
  };

  it('passes the lock without --scan (the index party alone meets the threshold)', () => {
    const r = check(hostileLock, policy('-3.0'));
    assert.equal(r.code, 0, r.stdout + r.stderr);
  });

  it('fails a typosquat and a hostile sdist under a scanner party of weight -3.0, naming the findings', () => {
    const r = check(hostileLock, policy('-3.0'), ['--scan', '--index', indexDir, '--format', 'json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as CheckJson;
    const node = (name: string) => out.nodes.find((n) => n.name === name)!;
    assert.equal(node('reqeusts').verdict, 'fail');
    assert.equal(node('acme-widgets').verdict, 'fail');
    assert.equal(node('acme-internal-tools').verdict, 'pass');
    assert.ok(node('reqeusts').contributions.some((c) => c.party === 'scanner' && /typosquat/.test(c.message)));
    assert.ok(node('acme-widgets').contributions.some((c) => c.party === 'scanner' && /install-time-code/.test(c.message)));
    assert.ok(out.scan !== undefined);
    assert.ok(out.scan.findings.some((f) => f.name === 'reqeusts' && f.kind === 'typosquat'));
    assert.ok(out.scan.findings.some((f) => f.name === 'acme-widgets' && f.kind === 'install-time-code' && f.file === 'setup.py'));
    assert.deepEqual(out.scan.notScanned, []);
  });

  it('the text explanation names the scanner and its finding', () => {
    const r = check(hostileLock, policy('-3.0'), ['--scan', '--index', indexDir]);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /acme-widgets 2\.0/);
    assert.match(r.stdout, /scanner: the scanner reports install-time-code/);
    assert.match(r.stdout, /setup\.py:3 \[exec-decoded, install-time-code\]/);
  });

  it('vetoes the hostile sdist under veto-findings = ["install-time-code"]', () => {
    const r = check(hostileLock, policy('0.0', 'veto-findings = ["install-time-code"]'), ['--scan', '--index', indexDir, '--format', 'json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as CheckJson;
    const hostile = out.nodes.find((n) => n.name === 'acme-widgets')!;
    assert.equal(hostile.verdict, 'fail');
    assert.ok(hostile.missing.some((m) => m.kind === 'veto' && /install-time-code/.test(m.message)), JSON.stringify(hostile.missing));
    // A typosquat is not an install-time-code finding: under weight 0 it does not fail.
    assert.equal(out.nodes.find((n) => n.name === 'reqeusts')!.verdict, 'pass');
  });

  it('passes a benign lock with --scan', () => {
    const r = check(benignLock, policy('-3.0', 'veto-findings = ["install-time-code", "malicious"]'), ['--scan', '--index', indexDir, '--format', 'json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as CheckJson;
    assert.deepEqual(out.scan?.findings, []);
    assert.equal(out.scan?.statements, 0);
  });

  it('uses the per-sha256 cache: a second run needs no index', () => {
    const home = tempHome();
    const first = check(hostileLock, policy('-3.0'), ['--scan', '--index', indexDir, '--format', 'json'], home);
    assert.equal(first.code, 1, first.stderr);
    const second = check(hostileLock, policy('-3.0'), ['--scan', '--format', 'json'], home);
    assert.equal(second.code, 1, second.stderr);
    const out = JSON.parse(second.stdout) as CheckJson;
    assert.deepEqual(out.scan?.notScanned, []);
    assert.ok(out.scan?.findings.some((f) => f.kind === 'install-time-code' && f.file === 'setup.py'));
  });

  it('reports the releases it could not read instead of passing them silently', () => {
    // No index and an empty cache: the content of every file is unassessed, and said so.
    const r = check(benignLock, policy('-3.0'), ['--scan', '--format', 'json']);
    const out = JSON.parse(r.stdout) as CheckJson;
    assert.equal(out.scan?.notScanned.length, 1);
    assert.equal(out.scan?.notScanned[0]?.name, 'acme-internal-tools');
    assert.match(r.stderr, /note: acme-internal-tools 1\.0 .*was not scanned/);
    // An index that does not serve the release: the same, with the index's answer as the reason.
    const empty = mkdtempSync(join(tmpdir(), 'checkscan-empty-'));
    const r2 = check(benignLock, policy('-3.0'), ['--scan', '--index', empty, '--format', 'json']);
    const out2 = JSON.parse(r2.stdout) as CheckJson;
    assert.equal(out2.scan?.notScanned[0]?.name, 'acme-internal-tools');
  });
});
