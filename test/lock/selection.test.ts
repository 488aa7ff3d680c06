// The graph is what the lock's own client installs: uv's default groups, Poetry's non-optional
// groups, and uv's options to change that; names the lock does not define are usage errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLock } from '../../src/lock/read.js';
import { readPylock } from '../../src/lock/pylock.js';
import type { SelectionOptions } from '../../src/graph/graph.js';
import { CORPORA, EXAMPLES, linux312, names, read, thrown } from './helpers.js';

const UV = `${CORPORA}pydantic-uv.lock`;
const uvText = read(UV);
const uvProject = read(`${CORPORA}pydantic-pyproject.toml`); // [tool.uv] default-groups = ['dev']
const uv = (selection: SelectionOptions = {}, pyproject: string | undefined = uvProject) =>
  readLock({ path: UV, text: uvText, ...(pyproject === undefined ? {} : { pyproject }) }, linux312, selection);

const POETRY = `${CORPORA}poetry-poetry.lock`;
const poetryText = read(POETRY);
const poetryProject = read(`${CORPORA}poetry-pyproject.toml`); // groups dev, test, typing; github-actions optional
const poetry = (selection: SelectionOptions = {}) => readLock({ path: POETRY, text: poetryText, pyproject: poetryProject }, linux312, selection);

test("uv.lock: by default the graph has the groups of [tool.uv] default-groups, as uv sync installs them", () => {
  const g = uv();
  assert.ok(names(g).includes('pytest'), 'pytest (dev group) is installed by uv sync');
  assert.ok(!names(g).includes('mkdocs'), 'the docs group is not a default group');
  assert.deepEqual(g.selection?.groups, ['dev']);
  assert.equal(g.selection?.project, true);
  assert.match(g.selection?.defaults ?? '', /default-groups/);
});

test('uv.lock without a pyproject.toml takes the dev group, as uv does', () => {
  const g = uv({}, undefined);
  assert.ok(names(g).includes('pytest'));
  assert.deepEqual(g.selection?.groups, ['dev']);
});

test('uv.lock: default-groups = "all" takes every group', () => {
  const g = uv({}, '[tool.uv]\ndefault-groups = "all"\n');
  assert.deepEqual(g.selection?.groups, g.selection?.availableGroups);
  assert.ok(names(g).includes('mkdocs'));
});

test('--no-default-groups is the production install; --group adds to the defaults', () => {
  const prod = uv({ noDefaultGroups: true });
  assert.ok(!names(prod).includes('pytest'));
  assert.deepEqual(prod.selection?.groups, []);
  const withDocs = uv({ groups: ['docs'] });
  assert.ok(names(withDocs).includes('pytest') && names(withDocs).includes('mkdocs'));
  assert.deepEqual(withDocs.selection?.groups, ['dev', 'docs']);
});

test("--only-group takes the group without the project's own dependencies", () => {
  const g = uv({ onlyGroups: ['coverage'] });
  assert.deepEqual(names(g), ['coverage']);
  assert.deepEqual(g.roots, ['coverage']);
  assert.equal(g.selection?.project, false);
  // The docs group needs pydantic-settings, which needs pydantic: there, the project is reached.
  const docs = uv({ onlyGroups: ['docs'] });
  assert.ok(!docs.roots.includes('pydantic') && !names(docs).includes('pytest'), '--only-group implies --no-default-groups');
});

test('--no-group wins over the defaults and --all-groups', () => {
  assert.ok(!names(uv({ noGroups: ['dev'] })).includes('pytest'));
  const all = uv({ allGroups: true, noGroups: ['docs'] });
  assert.ok(!all.selection?.groups.includes('docs') && all.selection?.groups.includes('dev'));
});

test('poetry.lock: by default every group not marked optional, as poetry install does', () => {
  const g = poetry();
  assert.deepEqual(g.selection?.groups, ['dev', 'test', 'typing']);
  assert.ok(names(g).includes('pytest') && names(g).includes('mypy') && names(g).includes('pre-commit'));
  assert.ok(!names(g).includes('pytest-github-actions-annotate-failures'), 'github-actions is optional = true');
  const withOptional = poetry({ groups: ['github-actions'] });
  assert.ok(names(withOptional).includes('pytest-github-actions-annotate-failures'));
  assert.ok(!names(poetry({ noDefaultGroups: true })).includes('pytest'));
  const onlyMain = poetry({ onlyGroups: ['main'] });
  assert.deepEqual(names(onlyMain), names(poetry({ noDefaultGroups: true })), '--only-group main is the production install');
});

test('poetry.lock without pyproject.toml takes every group of the lock (fail closed) and says so', () => {
  const g = readLock({ path: POETRY, text: poetryText }, linux312);
  assert.ok(names(g).includes('pytest'));
  assert.match(g.selection?.defaults ?? '', /every group of the lock/);
  assert.equal(thrown(() => readLock({ path: POETRY, text: poetryText }, linux312, { extras: ['x'] })).code, 'USAGE');
});

test('an unknown group or extra is a usage error that lists the ones the lock defines', () => {
  const cases: SelectionOptions[] = [{ groups: ['devv'] }, { onlyGroups: ['devv'] }, { noGroups: ['devv'] }, { extras: ['emial'] }];
  for (const selection of cases) {
    const err = thrown(() => uv(selection));
    assert.equal(err.code, 'USAGE', JSON.stringify(selection));
    assert.match(err.message, selection.extras ? /email/ : /dev, docs/);
    const perr = thrown(() => poetry(selection));
    assert.equal(perr.code, 'USAGE', JSON.stringify(selection));
  }
});

test('a requirements file refuses named extras and groups instead of ignoring them', () => {
  const file = `${EXAMPLES}requirements/requirements.txt`;
  for (const selection of [{ extras: ['email'] }, { groups: ['dev'] }, { onlyGroups: ['dev'] }] as SelectionOptions[]) {
    assert.equal(thrown(() => readLock({ path: file, text: read(file) }, linux312, selection)).code, 'USAGE');
  }
  assert.ok(readLock({ path: file, text: read(file) }, linux312, { allGroups: true }).nodes.length > 0);
});

test('pylock.toml: the default is its default-groups; --only-group is refused, not approximated', () => {
  const file = `${CORPORA}pydantic-people-pylock.toml`;
  const text = read(file);
  const g = readPylock(text, file, linux312);
  assert.ok(g.selection !== undefined);
  assert.equal(thrown(() => readPylock(text, file, linux312, { onlyGroups: ['dev'] })).code, 'USAGE');
});
