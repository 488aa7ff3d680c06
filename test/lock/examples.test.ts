import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLockFile } from '../../src/lock/load.js';
import { EXAMPLES, linux312, names, node, target } from './helpers.js';

// The bundled examples describe one project, tidepool: click, jinja2, pyyaml and requests, an
// `email` extra (email-validator) and a `dev` group (pytest). click and pytest need colorama on
// Windows only; pytest needs exceptiongroup and tomli below Python 3.11.
const PRODUCTION = ['certifi', 'charset-normalizer', 'click', 'idna', 'jinja2', 'markupsafe', 'pyyaml', 'requests', 'urllib3'];
const EVERYTHING = [...PRODUCTION, 'colorama', 'dnspython', 'email-validator', 'exceptiongroup', 'iniconfig', 'packaging', 'pluggy', 'pygments', 'pytest', 'tomli'].sort();
const windows312 = target('3.12', 'windows');
const windows310 = target('3.10', 'windows');

// The project itself is a node where the lock records it (uv.lock, pylock.toml); poetry.lock and
// requirements.txt list only what gets installed from elsewhere.
const CASES = [
  { file: 'uv/uv.lock', project: true },
  { file: 'pylock/pylock.toml', project: true },
  { file: 'poetry/poetry.lock', project: false },
] as const;

for (const { file, project } of CASES) {
  test(`${file}: a production install on Linux is the four direct requirements and their dependencies`, () => {
    const g = loadLockFile(`${EXAMPLES}${file}`, linux312, { noDefaultGroups: true });
    assert.deepEqual(names(g).filter((n) => n !== 'tidepool'), PRODUCTION);
    assert.equal(names(g).includes('tidepool'), project);
    assert.ok(!g.diagnostics.some((d) => d.level === 'warning'), JSON.stringify(g.diagnostics));
    for (const n of g.nodes.filter((x) => x.name !== 'tidepool')) {
      assert.ok(n.artifacts.length > 0, `${n.name} has a file for the target`);
      assert.match(n.artifacts[0]!.sha256 ?? '', /^[0-9a-f]{64}$/);
    }
  });

  test(`${file}: colorama is installed on Windows only`, () => {
    const win = loadLockFile(`${EXAMPLES}${file}`, windows312, { noDefaultGroups: true });
    assert.deepEqual(names(win).filter((n) => n !== 'tidepool'), [...PRODUCTION, 'colorama'].sort());
    assert.ok(win.edges.some((e) => e.from === 'click' && e.to === 'colorama'));
    assert.equal(node(win, 'markupsafe').artifacts[0]?.filename, 'markupsafe-3.0.3-cp312-cp312-win_amd64.whl');
  });

  test(`${file}: the email extra and the dev group on Windows 3.10 add their packages`, () => {
    const g = loadLockFile(`${EXAMPLES}${file}`, windows310, { extras: ['email'], groups: ['dev'] });
    assert.deepEqual(names(g).filter((n) => n !== 'tidepool'), EVERYTHING);
    assert.ok(g.edges.some((e) => e.from === 'pytest' && e.to === 'tomli'));
  });
}

test('requirements.txt example: pinned, hashed, with # via edges; colorama only on Windows', () => {
  const lin = loadLockFile(`${EXAMPLES}requirements/requirements.txt`, linux312);
  const prod = [...PRODUCTION, 'dnspython', 'email-validator'].sort();
  assert.deepEqual(names(lin), prod);
  assert.equal(lin.edgesKnown, true);
  assert.deepEqual(lin.roots, ['click', 'email-validator', 'jinja2', 'pyyaml', 'requests']);
  assert.ok(lin.edges.some((e) => e.from === 'requests' && e.to === 'urllib3'));
  assert.ok(lin.nodes.every((n) => n.artifacts.length > 0 && n.artifacts.every((a) => /^[0-9a-f]{64}$/.test(a.sha256 ?? ''))));
  assert.ok(lin.nodes.every((n) => n.source?.location === 'https://pypi.org/simple'));
  const win = loadLockFile(`${EXAMPLES}requirements/requirements.txt`, windows312);
  assert.deepEqual(names(win), [...prod, 'colorama'].sort());
  assert.ok(win.edges.some((e) => e.from === 'click' && e.to === 'colorama'));
});
