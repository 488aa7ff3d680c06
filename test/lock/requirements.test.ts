import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readRequirements, hashOnlyFilename } from '../../src/lock/requirements.js';
import { loadLockFile } from '../../src/lock/load.js';
import { UNKNOWN_VERSION } from '../../src/lock/common.js';
import { CORPORA, FIXTURES, allProblems, linux312, names, node, read, target, thrown } from './helpers.js';

const MAIN = `${CORPORA}warehouse-main-requirements.txt`;
const TESTS = `${CORPORA}warehouse-tests-requirements.txt`;

/** What pip-compile wrote, counted straight from the text: pinned lines, `-r` vias, parent vias. */
function compiledFacts(text: string): { pins: number; viaRequirementsIn: number; parentVias: number } {
  const pins = (text.match(/^[A-Za-z0-9][^\s=]*==\S+/gm) ?? []).length;
  const viaRequirementsIn = (text.match(/^\s+# via -r |^\s+#\s{3}-r /gm) ?? []).length;
  const parentVias = (text.match(/^\s+# via (?!-r )\S+$|^\s+#\s{3}(?!-r )\S+$/gm) ?? []).length;
  return { pins, viaRequirementsIn, parentVias };
}

test('reads warehouse main.txt (pip-compile with hashes): one node per pin, edges and roots from # via', () => {
  const text = read(MAIN);
  const facts = compiledFacts(text);
  const g = readRequirements(text, MAIN, linux312);
  assert.equal(g.source.format, 'requirements.txt');
  assert.equal(g.nodes.length, facts.pins);
  assert.equal(g.nodes.length, 184);
  assert.equal(g.edgesKnown, true);
  assert.equal(g.edges.length, facts.parentVias);
  assert.equal(g.roots.length, facts.viaRequirementsIn);
  assert.deepEqual(g.diagnostics, []);
});

test('turns warehouse # via comments into parent -> child edges', () => {
  const g = readRequirements(read(MAIN), MAIN, linux312);
  // alembic is wanted by main.in and by alembic-postgresql-enum; amqp only by kombu.
  assert.ok(g.roots.includes('alembic'));
  assert.ok(g.edges.some((e) => e.from === 'alembic-postgresql-enum' && e.to === 'alembic' && e.specifier === '' && e.marker === null));
  assert.ok(!g.roots.includes('amqp'));
  assert.deepEqual(g.edges.filter((e) => e.to === 'amqp').map((e) => e.from), ['kombu']);
  // setuptools sits under pip-compile's "unsafe" header, kept because of --allow-unsafe.
  assert.ok(g.edges.some((e) => e.from === 'pyramid' && e.to === 'setuptools'));
});

test('keeps the extras of a pinned line (celery[redis]) and every --hash as a sha256-only artifact', () => {
  const g = readRequirements(read(MAIN), MAIN, linux312);
  assert.deepEqual(node(g, 'celery').extras, ['redis']);
  const alembic = node(g, 'alembic');
  assert.equal(alembic.version, '1.18.5');
  assert.deepEqual(alembic.artifacts, [
    { filename: hashOnlyFilename('alembic', '1.18.5'), sha256: '06d8ba9d04558022f5395e9317de03d270f3dced49cee01f89fe7a13c26f14bc', kind: 'other' },
    { filename: hashOnlyFilename('alembic', '1.18.5'), sha256: '1554982221dd17e9a749b53902407578eb305e453f71999e8c7f0a48389fff8e', kind: 'other' },
  ]);
  assert.equal(alembic.artifacts[0]?.filename, 'alembic-1.18.5 (sha256 only)');
  assert.equal(node(g, 'argon2-cffi-bindings').artifacts.length, 26);
  assert.equal(alembic.metadata, 'lock');
});

test('reads warehouse tests.txt the same way', () => {
  const text = read(TESTS);
  const facts = compiledFacts(text);
  const g = readRequirements(text, TESTS, target('3.13', 'windows'));
  assert.equal(g.nodes.length, facts.pins);
  assert.equal(g.nodes.length, 48);
  assert.equal(g.edges.length, facts.parentVias);
  assert.equal(g.roots.length, facts.viaRequirementsIn);
  assert.ok(g.edges.some((e) => e.from === 'inline-snapshot' && e.to === 'asttokens'));
});

test('a plain requirements file has no edges: every line is a root and the graph says so', () => {
  const g = readRequirements('requests==2.32.3\nidna==3.10  # pinned for a CVE\n', 'requirements.txt', linux312);
  assert.equal(g.edgesKnown, false);
  assert.deepEqual(g.edges, []);
  assert.deepEqual(g.roots, ['idna', 'requests']);
  assert.ok(g.nodes.every((n) => n.metadata === 'unknown'));
  assert.ok(g.diagnostics.some((d) => d.level === 'warning' && /no dependency edges/.test(d.message)));
});

test('joins continuation lines and ignores comments as pip does', () => {
  const text = ['# header', 'flask==3.0.3 \\', '    ; python_version >= "3.8" \\', '    --hash=sha256:' + 'a'.repeat(64), '', '  # indented comment'].join('\n');
  const g = readRequirements(text, 'requirements.txt', linux312);
  assert.deepEqual(names(g), ['flask']);
  assert.equal(node(g, 'flask').artifacts[0]?.sha256, 'a'.repeat(64));
});

test('evaluates environment markers on lines for the target', () => {
  const text = 'colorama==0.4.6 ; sys_platform == "win32"\nuvloop==0.21.0 ; sys_platform != "win32"\n';
  assert.deepEqual(names(readRequirements(text, 'r.txt', target('3.12', 'windows'))), ['colorama']);
  const lin = readRequirements(text, 'r.txt', linux312);
  assert.deepEqual(names(lin), ['uvloop']);
  assert.ok(lin.diagnostics.some((d) => /1 requirement line\(s\) have markers that exclude this target/.test(d.message)));
});

const APP = `${FIXTURES}requirements/app/requirements.txt`;

test('follows -r and -c includes relative to the including file', () => {
  const g = loadLockFile(APP, linux312);
  // base.txt (-r) contributes requests and certifi; constraints.txt (-c) only pins werkzeug.
  assert.ok(names(g).includes('requests') && names(g).includes('certifi'));
  assert.ok(!names(g).includes('gunicorn'));
  const werkzeug = node(g, 'werkzeug');
  assert.equal(werkzeug.version, '3.0.4');
  assert.match(werkzeug.notes?.[0] ?? '', /constraints\.txt:1/);
});

test('records --index-url on artifacts and warns about --extra-index-url', () => {
  const g = loadLockFile(APP, linux312);
  const requests = node(g, 'requests');
  assert.deepEqual(requests.source, { kind: 'registry', location: 'https://pypi.org/simple' });
  assert.ok(requests.artifacts.every((a) => a.index === 'https://pypi.org/simple'));
  assert.ok(g.diagnostics.some((d) => d.level === 'warning' && /--extra-index-url https:\/\/pypi\.internal\.example\/simple/.test(d.message)));
});

test('reports editable, VCS and URL lines as nodes with their source and a diagnostic', () => {
  const g = loadLockFile(APP, linux312);
  const core = node(g, 'tidepool-core');
  assert.equal(core.version, '0.1.0'); // read from the directory's pyproject.toml
  assert.deepEqual(core.source, { kind: 'editable', location: './libs/tidepool-core' });
  const its = node(g, 'itsdangerous');
  assert.equal(its.version, UNKNOWN_VERSION);
  assert.deepEqual(its.source, { kind: 'vcs', location: 'git+https://github.com/pallets/itsdangerous.git@2.2.0' });
  const six = node(g, 'six');
  assert.equal(six.version, '1.16.0');
  assert.equal(six.source?.kind, 'url');
  assert.deepEqual(six.artifacts.map((a) => [a.filename, a.kind, a.sha256]), [
    ['six-1.16.0-py2.py3-none-any.whl', 'wheel', '8abb2f1d86890a2dfb989f9a77cfcfd3e47c2a354b01111771326f8aa26e0254'],
  ]);
  for (const [name, line] of [['tidepool-core', 11], ['itsdangerous', 12], ['six', 13]] as const) {
    assert.ok(g.diagnostics.some((d) => d.message.startsWith(`${name} is `) && d.line === line && d.file === APP), name);
  }
});

test('leaves unpinned lines out of the graph with a diagnostic naming the line', () => {
  const g = loadLockFile(APP, linux312);
  assert.ok(!names(g).includes('flask'));
  const d = g.diagnostics.find((x) => /'flask>=3\.0' is not pinned/.test(x.message));
  assert.equal(d?.line, 9);
  assert.equal(d?.file, APP);
  assert.deepEqual(node(g, 'uvicorn').extras, ['standard']);
});

test('warns when some lines have hashes and others do not (pip hash-checking mode)', () => {
  const g = loadLockFile(APP, target('3.12', 'windows'));
  assert.ok(names(g).includes('pywin32'));
  assert.ok(g.diagnostics.some((d) => /^pywin32 has no --hash/.test(d.message)));
});

test('reads includes through the injected reader, without touching the disk', () => {
  const files: Record<string, string> = {
    'env/prod.txt': '-r ../common/base.txt\ngunicorn==23.0.0\n',
    'common/base.txt': 'django==5.1.4\n',
  };
  const seen: string[] = [];
  const g = readRequirements(files['env/prod.txt']!, 'env/prod.txt', linux312, {}, (p) => {
    seen.push(p);
    const t = files[p];
    if (t === undefined) throw new Error('ENOENT');
    return t;
  });
  assert.deepEqual(seen, ['common/base.txt']);
  assert.deepEqual(names(g), ['django', 'gunicorn']);
});

test('detects an include cycle and names the line that closes it', () => {
  const file = `${FIXTURES}requirements/cycle/a.txt`;
  const err = thrown(() => loadLockFile(file, linux312));
  assert.equal(err.code, 'LOCK_PARSE');
  assert.equal(err.file, `${FIXTURES}requirements/cycle/b.txt`);
  assert.equal(err.line, 2);
  assert.match(err.message, /include cycle: .*a\.txt -> .*b\.txt -> .*a\.txt/);
});

test('a missing include is an IO error naming the including line', () => {
  const err = thrown(() => readRequirements('-r missing.txt\n', 'app/requirements.txt', linux312, {}, () => {
    throw new Error('ENOENT: no such file');
  }));
  assert.equal(err.code, 'IO');
  assert.equal(err.file, 'app/requirements.txt');
  assert.equal(err.line, 1);
  assert.match(err.message, /app\/missing\.txt/);
});

test('reports every malformed line of a requirements file with its line number', () => {
  const file = `${FIXTURES}requirements/malformed.txt`;
  const err = thrown(() => readRequirements(read(file), file, linux312));
  assert.equal(err.code, 'LOCK_PARSE');
  assert.equal(err.file, file);
  assert.deepEqual(allProblems(err).map((p) => p.line), [2, 3, 4, 5, 6]);
  assert.match(allProblems(err)[2]!.message, /unknown option '--frobnicate'/);
  assert.match(allProblems(err)[3]!.message, /Invalid requirement/);
});

test('reports two different pins of one package as a conflict', () => {
  const err = thrown(() => readRequirements('idna==3.7\nidna==3.10\n', 'r.txt', linux312));
  assert.equal(err.code, 'LOCK_PARSE');
  assert.equal(err.line, 2);
  assert.match(err.message, /pinned to 3\.10 here and to 3\.7/);
});

test('an editable local path may carry extras and takes its name from pyproject.toml', () => {
  const files: Record<string, string> = { 'svc/pyproject.toml': '[project]\nname = "My_Service"\nversion = "2.0"\n' };
  const g = readRequirements('-e ./svc[web,Admin]\n', 'requirements.txt', linux312, {}, (p) => {
    const t = files[p];
    if (t === undefined) throw new Error(`ENOENT ${p}`);
    return t;
  });
  const svc = node(g, 'my-service');
  assert.equal(svc.version, '2.0');
  assert.deepEqual(svc.extras, ['admin', 'web']);
  assert.deepEqual(svc.source, { kind: 'editable', location: './svc' });
});

test('without a readable pyproject.toml a directory is named after itself, and the guess is reported', () => {
  const g = readRequirements('./vendor/fast_json\n', 'requirements.txt', linux312);
  const n = node(g, 'fast-json');
  assert.equal(n.version, UNKNOWN_VERSION);
  assert.equal(n.source?.kind, 'directory');
  assert.ok(g.diagnostics.some((d) => /guessed from its directory name/.test(d.message)));
});

test('reads the one-line "# via a, b" form of older pip-compile and notes packages it left out as unsafe', () => {
  const text = [
    'click==8.1.7              # via flask',
    'flask==3.0.3              # via -r requirements.in',
    'itsdangerous==2.2.0       # via flask',
    'markupsafe==2.1.5         # via jinja2, werkzeug',
    'jinja2==3.1.4             # via flask',
    'werkzeug==3.0.3           # via flask',
    '',
    '# The following packages are considered to be unsafe in a requirements file:',
    '# setuptools',
  ].join('\n');
  const g = readRequirements(text, 'requirements.txt', linux312);
  assert.deepEqual(g.roots, ['flask']);
  assert.deepEqual(g.edges.filter((e) => e.to === 'markupsafe').map((e) => e.from), ['jinja2', 'werkzeug']);
  assert.ok(!names(g).includes('setuptools'));
  const note = g.diagnostics.find((d) => /left 'setuptools' out as unsafe/.test(d.message));
  assert.equal(note?.line, 9);
});
