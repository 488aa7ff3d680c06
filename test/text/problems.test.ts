// The one problem collector and the one TOML locator: paths, caps, order, and inline-array entries
// that a brace inside a string must not shift.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_PROBLEMS } from '../../src/text/line-index.js';
import { FieldProblems, parsePath, renderPath } from '../../src/text/problems.js';
import { tomlLocator } from '../../src/text/toml-lines.js';

test('dotted paths parse to segments and render back', () => {
  const cases: Array<[string, Array<string | number>]> = [
    ['package[3].wheels[0].hash', ['package', 3, 'wheels', 0, 'hash']],
    ['tool.pyvouch.party[1].weight', ['tool', 'pyvouch', 'party', 1, 'weight']],
    ['package."a.b".version', ['package', 'a.b', 'version']],
    ['m[0][2]', ['m', 0, 2]],
  ];
  for (const [text, segments] of cases) {
    assert.deepEqual(parsePath(text), segments, text);
    assert.equal(renderPath(segments), text, text);
  }
});

test('keeps the first MAX_PROBLEMS problems, counts the rest, and says so in the headline', () => {
  const p = new FieldProblems('LOCK_PARSE', { file: 'x.toml' });
  for (let i = 0; i < MAX_PROBLEMS + 5; i++) p.add(`a[${i}]`, `bad ${i}`);
  const err = p.toError()!;
  assert.equal(p.count, MAX_PROBLEMS + 5);
  assert.equal(err.problems.length, MAX_PROBLEMS);
  assert.equal(err.message, `bad 0 (and ${MAX_PROBLEMS + 4} more problems, the first ${MAX_PROBLEMS} listed)`);
  assert.equal(err.path, 'a[0]');
  assert.equal(new FieldProblems('LOCK_PARSE').toError(), undefined);
});

test('reports in file order when asked, with the prefix and the located line', () => {
  const text = '[tool.pyvouch.policy]\nthreshold = "x"\n\n[[tool.pyvouch.party]]\nname = "a"\nweight = -1\n';
  const p = new FieldProblems('POLICY_INVALID', { locate: tomlLocator(text), prefix: ['tool', 'pyvouch'], order: 'file' });
  p.add(['party', 0, 'weight'], 'negative');
  p.add(['policy', 'threshold'], 'not a number');
  p.add(undefined, 'somewhere');
  const err = p.toError()!;
  assert.deepEqual([err, ...err.problems.slice(1)].map((e) => [e.path, e.line]), [
    ['tool.pyvouch.policy.threshold', 2],
    ['tool.pyvouch.party[0].weight', 6],
    [undefined, undefined],
  ]);
});

test('locates inline-array entries line by line, whatever braces and brackets their strings hold', () => {
  const text = [
    '[[package]]',
    'name = "a"',
    'wheels = [',
    '    { url = "https://x/a{1}.whl", hash = "sha256:[00" },',
    "    { url = 'https://x/b}.whl', hash = \"sha256:11\" }, # a } in a comment",
    '    { url = """https://x/c""", hash = "sha256:22" },',
    ']',
    'version = "1"',
    '',
    '[[package]]',
    'name = "b"',
  ].join('\n');
  const locate = tomlLocator(text);
  assert.equal(locate('package[0].wheels[0].hash'), 4);
  assert.equal(locate('package[0].wheels[1]'), 5);
  assert.equal(locate('package[0].wheels[2].url'), 6);
  assert.equal(locate('package[0].wheels[3]'), 3, 'no such entry: the array itself');
  assert.equal(locate('package[0].version'), 8, 'the array closed: keys after it are found');
  assert.equal(locate('package[1].name'), 11);
});
