// Reviews made cheap: `diff` between two real source trees (the email package of CPython 3.11 and
// 3.12, packed as sdists) counts the same added and removed lines as `diff -r` on the unpacked
// trees; binary files are listed, not diffed; `inspect` unpacks; `certify` binds to the diffed file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { pyvouch, tempHome } from './harness.js';

const SOURCES = ['/root/.pyenv/versions/3.11.7/lib/python3.11/email', '/root/.pyenv/versions/3.12.1/lib/python3.12/email'];
const available = SOURCES.every((s) => existsSync(s)) && spawnSync('diff', ['--version']).status === 0;

function sdists(): { index: string; trees: string[] } {
  const work = mkdtempSync(join(tmpdir(), 'pyvouch-diff-'));
  const index = join(work, 'index');
  mkdirSync(index);
  const trees: string[] = [];
  SOURCES.forEach((src, i) => {
    const version = `${i + 1}.0`;
    const top = join(work, `src${i}`, `pyjson-${version}`);
    mkdirSync(join(top, 'pyjson'), { recursive: true });
    for (const f of readdirSync(src)) if (f.endsWith('.py')) cpSync(join(src, f), join(top, 'pyjson', f));
    writeFileSync(join(top, 'PKG-INFO'), `Metadata-Version: 2.1\nName: pyjson\nVersion: ${version}\n`);
    // A binary file that changes between the releases.
    writeFileSync(join(top, 'pyjson', 'speedups.so'), Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, i, 0]));
    const r = spawnSync('tar', ['czf', join(index, `pyjson-${version}.tar.gz`), '-C', join(work, `src${i}`), `pyjson-${version}`]);
    assert.equal(r.status, 0, r.stderr.toString());
    trees.push(top);
  });
  return { index, trees };
}

test('diff counts the same added and removed lines as diff -r on the unpacked trees', { skip: !available && 'needs the pyenv CPython sources and diff(1)' }, () => {
  const { index, trees } = sdists();
  const r = pyvouch(['diff', 'pyjson', '1.0', '2.0', '--index', index, '--format', 'json']);
  assert.equal(r.code, 0, r.stderr);
  const doc = JSON.parse(r.stdout) as { added: number; removed: number; binary: number; files: { path: string; binary: boolean }[] };
  const real = spawnSync('diff', ['-rN', '--minimal', trees[0]!, trees[1]!], { encoding: 'utf8' });
  assert.equal(real.status, 1, real.stderr);
  const lines = real.stdout.split('\n');
  const added = lines.filter((l) => l.startsWith('> ')).length + lines.filter((l) => l === '>').length;
  const removed = lines.filter((l) => l.startsWith('< ')).length + lines.filter((l) => l === '<').length;
  assert.ok(added > 0 && removed > 0);
  assert.equal(doc.added, added);
  assert.equal(doc.removed, removed);
  assert.equal(doc.binary, 1);
  assert.ok(doc.files.some((f) => f.path === 'pyjson/speedups.so' && f.binary));
  assert.match(real.stdout, /Binary files .*speedups\.so.* differ/);

  const stat = pyvouch(['diff', 'pyjson', '1.0', '2.0', '--index', index, '--format', 'stat']);
  assert.match(stat.stdout, new RegExp(`${added} lines added, ${removed} removed, 1 binary`));
  const text = pyvouch(['diff', 'pyjson', '1.0', '2.0', '--index', index]);
  assert.match(text.stdout, /^--- a\/pyjson\//m);
  assert.match(text.stdout, /Binary file pyjson\/speedups\.so modified/);
});

test('inspect unpacks a release into a temporary directory; certify --from binds the delta audit to the diffed file', { skip: !available && 'needs the pyenv CPython sources' }, () => {
  const { index } = sdists();
  const home = tempHome();
  const i = pyvouch(['inspect', 'pyjson==2.0', '--index', index], { home });
  assert.equal(i.code, 0, i.stderr);
  const dir = i.stdout.trim();
  assert.ok(existsSync(join(dir, 'pyjson-2.0.tar.gz', 'pyjson-2.0', 'pyjson', 'parser.py')));

  assert.equal(pyvouch(['key', 'new'], { home }).code, 0);
  const c = pyvouch(['certify', 'pyjson==2.0', '--from', '1.0', '--criteria', 'safe-to-deploy', '--index', index, '--json'], { home });
  assert.equal(c.code, 0, c.stderr);
  const s = (JSON.parse(c.stdout) as { statement: { deltaFrom?: string; kind: string; subjects: { name: string; sha256: string }[] } }).statement;
  assert.equal(s.kind, 'assess');
  assert.equal(s.deltaFrom, '1.0');
  const sha = createHash('sha256').update(readFileSync(join(index, 'pyjson-2.0.tar.gz'))).digest('hex');
  assert.deepEqual(s.subjects.map((x) => [x.name, x.sha256]), [['pyjson-2.0.tar.gz', sha]]);
});

test('inspect --lock refuses a file whose bytes differ from the locked sha256', () => {
  const work = mkdtempSync(join(tmpdir(), 'pyvouch-inspect-'));
  const index = join(work, 'index');
  mkdirSync(index);
  const top = join(work, 'x', 'evil-1.0');
  mkdirSync(top, { recursive: true });
  writeFileSync(join(top, 'PKG-INFO'), 'Metadata-Version: 2.1\nName: evil\nVersion: 1.0\n');
  spawnSync('tar', ['czf', join(index, 'evil-1.0.tar.gz'), '-C', join(work, 'x'), 'evil-1.0']);
  const lock = join(work, 'pylock.toml');
  writeFileSync(lock, `lock-version = "1.0"\ncreated-by = "test"\n\n[[packages]]\nname = "evil"\nversion = "1.0"\nsdist = { name = "evil-1.0.tar.gz", url = "https://example.com/evil-1.0.tar.gz", hashes = { sha256 = "${'0'.repeat(64)}" } }\n`);
  const r = pyvouch(['inspect', 'evil==1.0', '--index', index, '--lock', lock]);
  assert.equal(r.code, 2, r.stdout + r.stderr);
  assert.match(r.stderr + r.stdout, /DIGEST_MISMATCH/);
});
