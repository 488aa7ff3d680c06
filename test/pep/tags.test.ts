import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { TargetDescription } from '../../src/graph/graph.js';
import { PyvouchError } from '../../src/errors.js';
import { parseWheelFilename } from '../../src/pep/filename.js';
import {
  platformTags,
  selectArtifacts,
  supportedTagIndex,
  supportedTags,
  tagPriority,
  wheelCompatibility,
  type TagOptions,
} from '../../src/pep/tags.js';

const linuxX64: TargetDescription = { python: '3.12', platform: 'linux', machine: 'x86_64', implementation: 'cpython' };
const linuxArm: TargetDescription = { python: '3.12', platform: 'linux', machine: 'aarch64', implementation: 'cpython' };
const macArm: TargetDescription = { python: '3.12', platform: 'macos', machine: 'arm64', implementation: 'cpython' };
const macIntel: TargetDescription = { python: '3.12', platform: 'macos', machine: 'x86_64', implementation: 'cpython' };
const windows: TargetDescription = { python: '3.12', platform: 'windows', machine: 'AMD64', implementation: 'cpython' };
const py313: TargetDescription = { ...linuxX64, python: '3.13' };
const pypy: TargetDescription = { python: '3.10', platform: 'linux', machine: 'x86_64', implementation: 'pypy' };

function fits(wheel: string, target: TargetDescription, opts: TagOptions = {}): boolean {
  return wheelCompatibility(wheel, supportedTagIndex(target, opts)) !== null;
}

const compatibility: Array<[string, TargetDescription, boolean, TagOptions?]> = [
  ['numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', linuxX64, true],
  ['numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', linuxArm, false],
  ['numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl', macIntel, false],
  ['numpy-2.1.3-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl', linuxArm, true],
  // A wheel needing a newer glibc than the target has does not fit.
  ['x-1.0-cp312-cp312-manylinux_2_40_x86_64.whl', linuxX64, false],
  ['x-1.0-cp312-cp312-manylinux_2_28_x86_64.whl', linuxX64, false, { manylinuxGlibc: '2.17' }],
  ['x-1.0-cp312-cp312-manylinux1_x86_64.whl', linuxX64, true],
  // manylinux1 only ever existed for x86; aarch64 starts at glibc 2.17.
  ['x-1.0-cp312-cp312-manylinux_2_12_aarch64.whl', linuxArm, false],
  ['numpy-2.1.3-cp312-cp312-macosx_11_0_arm64.whl', macArm, true],
  ['numpy-2.1.3-cp312-cp312-macosx_11_0_arm64.whl', macIntel, false],
  ['numpy-2.1.3-cp312-cp312-macosx_14_0_arm64.whl', macArm, true],
  ['numpy-2.1.3-cp312-cp312-macosx_15_0_arm64.whl', macArm, false],
  ['numpy-2.1.3-cp312-cp312-macosx_15_0_arm64.whl', macArm, true, { macosVersion: '15.1' }],
  ['x-1.0-cp312-cp312-macosx_10_9_universal2.whl', macArm, true],
  ['x-1.0-cp312-cp312-macosx_10_9_universal2.whl', macIntel, true],
  ['x-1.0-cp312-cp312-macosx_10_9_x86_64.whl', macIntel, true],
  ['x-1.0-cp312-cp312-macosx_10_9_x86_64.whl', macArm, false],
  ['x-1.0-cp312-cp312-macosx_10_9_intel.whl', macIntel, true],
  ['cryptography-43.0.3-cp39-abi3-manylinux_2_28_x86_64.whl', py313, true],
  ['cryptography-43.0.3-cp39-abi3-manylinux_2_28_x86_64.whl', linuxX64, true],
  ['x-1.0-cp313-abi3-manylinux_2_28_x86_64.whl', linuxX64, false],
  ['x-1.0-cp311-cp311-manylinux_2_17_x86_64.whl', linuxX64, false],
  ['x-1.0-cp312-cp312-win_amd64.whl', windows, true],
  ['x-1.0-cp312-cp312-win32.whl', windows, false],
  ['x-1.0-cp312-cp312-win_arm64.whl', { ...windows, machine: 'ARM64' }, true],
  ['x-1.0-cp312-cp312-win_amd64.whl', linuxX64, false],
  ['x-1.0-py3-none-any.whl', linuxX64, true],
  ['x-1.0-py3-none-any.whl', macArm, true],
  ['x-1.0-py3-none-any.whl', windows, true],
  ['x-1.0-py3-none-any.whl', pypy, true],
  ['x-1.0-py2-none-any.whl', linuxX64, false],
  ['x-1.0-py2.py3-none-any.whl', windows, true],
  ['x-1.0-py310-none-any.whl', linuxX64, true],
  ['x-1.0-py313-none-any.whl', linuxX64, false],
  ['x-1.0-cp312-cp312-musllinux_1_2_x86_64.whl', linuxX64, false],
  ['x-1.0-cp312-cp312-musllinux_1_2_x86_64.whl', linuxX64, true, { musl: '1.2' }],
  ['x-1.0-cp312-cp312-musllinux_1_1_x86_64.whl', linuxX64, true, { musl: '1.2' }],
  ['x-1.0-cp312-cp312-musllinux_1_2_x86_64.whl', linuxX64, false, { musl: '1.1' }],
  // A musl system has no glibc, so manylinux wheels do not fit it unless the caller says so.
  ['x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl', linuxX64, false, { musl: '1.2' }],
  ['x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl', linuxX64, true, { musl: '1.2', manylinuxGlibc: '2.35' }],
  ['x-1.0-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl', pypy, true],
  ['x-1.0-cp310-cp310-manylinux_2_17_x86_64.whl', pypy, false],
  ['x-1.0-cp310-abi3-manylinux_2_17_x86_64.whl', pypy, false],
  ['x-1.0-cp312-none-any.whl', linuxX64, true],
  ['x-1.0-cp311-none-any.whl', linuxX64, false],
  ['x-1.0-py3-none-linux_x86_64.whl', linuxX64, true],
];

test('decides which wheels fit which target', async (t) => {
  for (const [wheel, target, expected, opts] of compatibility) {
    const label = `${wheel} on ${target.implementation} ${target.python} ${target.platform}/${target.machine}${opts ? ' ' + JSON.stringify(opts) : ''}`;
    await t.test(label, () => assert.equal(fits(wheel, target, opts), expected));
  }
});

test('orders CPython tags as sys_tags() does: exact ABI, abi3, none, older abi3, then pure Python', () => {
  const tags = supportedTags(linuxX64).map(String);
  assert.equal(tags[0], 'cp312-cp312-linux_x86_64');
  assert.equal(tags[1], 'cp312-cp312-manylinux_2_39_x86_64');
  const i = (tag: string): number => {
    const at = tags.indexOf(tag);
    assert.ok(at >= 0, `${tag} is supported`);
    return at;
  };
  // The PEP 600 name comes right before its legacy alias.
  assert.equal(i('cp312-cp312-manylinux2014_x86_64'), i('cp312-cp312-manylinux_2_17_x86_64') + 1);
  assert.equal(i('cp312-cp312-manylinux1_x86_64'), i('cp312-cp312-manylinux_2_5_x86_64') + 1);
  assert.ok(i('cp312-cp312-manylinux1_x86_64') < i('cp312-abi3-linux_x86_64'));
  assert.ok(i('cp312-abi3-manylinux1_x86_64') < i('cp312-none-linux_x86_64'));
  assert.ok(i('cp312-none-manylinux1_x86_64') < i('cp311-abi3-linux_x86_64'));
  assert.ok(i('cp311-abi3-manylinux1_x86_64') < i('cp310-abi3-linux_x86_64'));
  assert.ok(i('cp32-abi3-manylinux1_x86_64') < i('py312-none-linux_x86_64'));
  assert.equal(tags.indexOf('cp31-abi3-linux_x86_64'), -1);
  assert.ok(i('py312-none-manylinux1_x86_64') < i('py3-none-linux_x86_64'));
  assert.ok(i('py30-none-manylinux1_x86_64') < i('cp312-none-any'));
  assert.deepEqual(tags.slice(tags.indexOf('cp312-none-any')), [
    'cp312-none-any',
    'py312-none-any',
    'py3-none-any',
    ...Array.from({ length: 12 }, (_, k) => `py3${11 - k}-none-any`),
  ]);
  // 1 linux + 35 manylinux_2_N (2.39 down to 2.5) + 3 legacy aliases = 39 platforms;
  // cp312 ABI, abi3, none, abi3 for cp311..cp32 (10) and py312, py3, py311..py30 (14) each on all
  // of them, then 15 `-any` tags.
  assert.equal(tags.length, 39 * (3 + 10 + 14) + 15);
  assert.equal(new Set(tags).size, tags.length);
});

test('lists macOS platforms from the target version down, with universal2 and intel variants', () => {
  const arm = platformTags(macArm);
  assert.deepEqual(arm.slice(0, 4), ['macosx_14_0_arm64', 'macosx_14_0_universal2', 'macosx_13_0_arm64', 'macosx_13_0_universal2']);
  assert.ok(arm.includes('macosx_11_0_arm64'));
  assert.ok(!arm.includes('macosx_10_16_arm64'));
  assert.equal(arm.at(-1), 'macosx_10_4_universal2');
  const intel = platformTags(macIntel);
  assert.deepEqual(intel.slice(0, 6), [
    'macosx_14_0_x86_64',
    'macosx_14_0_intel',
    'macosx_14_0_fat64',
    'macosx_14_0_fat3',
    'macosx_14_0_universal2',
    'macosx_14_0_universal',
  ]);
  assert.ok(intel.includes('macosx_10_9_x86_64'));
  assert.equal(intel.at(-1), 'macosx_10_4_universal');
  // On 10.x every minor release counts.
  const old = platformTags(macIntel, { macosVersion: '10.15' });
  assert.equal(old[0], 'macosx_10_15_x86_64');
  assert.ok(!old.some((p) => p.startsWith('macosx_11')));
  assert.ok(!old.some((p) => p.startsWith('macosx_10_3_')));
});

test('names Windows platforms by machine', () => {
  assert.deepEqual(platformTags(windows), ['win_amd64']);
  assert.deepEqual(platformTags({ ...windows, machine: 'x86' }), ['win32']);
  assert.deepEqual(platformTags({ ...windows, machine: 'ARM64' }), ['win_arm64']);
});

test('lists musllinux platforms only when the target uses musl', () => {
  assert.ok(!platformTags(linuxX64).some((p) => p.startsWith('musllinux')));
  const musl = platformTags(linuxX64, { musl: '1.2' });
  assert.deepEqual(musl, ['linux_x86_64', 'musllinux_1_2_x86_64', 'musllinux_1_1_x86_64', 'musllinux_1_0_x86_64']);
  const arm = platformTags(linuxArm);
  assert.equal(arm.at(-1), 'manylinux2014_aarch64');
  assert.ok(platformTags({ ...linuxArm, machine: 'arm64' }).includes('manylinux_2_17_aarch64'));
});

test('a platform wheel ranks before a pure wheel, an abi3 wheel before an older abi3 wheel', () => {
  const index = supportedTagIndex(linuxX64);
  const platform = wheelCompatibility('x-1.0-cp312-cp312-manylinux_2_17_x86_64.whl', index)!;
  const abi3 = wheelCompatibility('x-1.0-cp312-abi3-manylinux_2_17_x86_64.whl', index)!;
  const olderAbi3 = wheelCompatibility('x-1.0-cp38-abi3-manylinux_2_17_x86_64.whl', index)!;
  const pure = wheelCompatibility('x-1.0-py3-none-any.whl', index)!;
  assert.ok(platform < abi3 && abi3 < olderAbi3 && olderAbi3 < pure);
  // A wheel's rank is the best rank among its tags.
  const multi = parseWheelFilename('x-1.0-cp312-cp312-manylinux_2_5_x86_64.manylinux_2_28_x86_64.whl');
  assert.equal(tagPriority(multi.tags, index), wheelCompatibility('x-1.0-cp312-cp312-manylinux_2_28_x86_64.whl', index));
  // Passing the tag list instead of the index gives the same answer.
  assert.equal(tagPriority(multi.tags, supportedTags(linuxX64)), tagPriority(multi.tags, index));
});

const release = [
  'numpy-2.1.3.tar.gz',
  'numpy-2.1.3-cp312-cp312-macosx_10_13_x86_64.whl',
  'numpy-2.1.3-cp312-cp312-macosx_11_0_arm64.whl',
  'numpy-2.1.3-cp312-cp312-macosx_14_0_arm64.whl',
  'numpy-2.1.3-cp312-cp312-manylinux_2_17_aarch64.manylinux2014_aarch64.whl',
  'numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  'numpy-2.1.3-cp312-cp312-musllinux_1_2_x86_64.whl',
  'numpy-2.1.3-cp312-cp312-win_amd64.whl',
  'numpy-2.1.3-cp313-cp313-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  'numpy-2.1.3-pp310-pypy310_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
];

test('selects the files pip would install, best first', () => {
  assert.deepEqual(selectArtifacts(release, linuxX64), ['numpy-2.1.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl']);
  assert.deepEqual(selectArtifacts(release, linuxX64, { musl: '1.2' }), ['numpy-2.1.3-cp312-cp312-musllinux_1_2_x86_64.whl']);
  assert.deepEqual(selectArtifacts(release, macArm), ['numpy-2.1.3-cp312-cp312-macosx_14_0_arm64.whl', 'numpy-2.1.3-cp312-cp312-macosx_11_0_arm64.whl']);
  assert.deepEqual(selectArtifacts(release, windows), ['numpy-2.1.3-cp312-cp312-win_amd64.whl']);
  assert.deepEqual(selectArtifacts(release, pypy), ['numpy-2.1.3-pp310-pypy310_pp73-manylinux_2_17_x86_64.manylinux2014_x86_64.whl']);
  // No wheel for Python 3.11: fall back to the sdist.
  assert.deepEqual(selectArtifacts(release, { ...linuxX64, python: '3.11' }), ['numpy-2.1.3.tar.gz']);
});

test('prefers a platform wheel to a pure one and a higher build number among equals', () => {
  const files = [
    'https://files.example/x-1.0-py3-none-any.whl#sha256=00',
    'x-1.0-cp312-abi3-win_amd64.whl',
    'x-1.0-1-cp312-cp312-win_amd64.whl',
    'x-1.0-2-cp312-cp312-win_amd64.whl',
    'x-1.0-cp312-cp312-win_amd64.whl',
    'x-1.0.zip',
    'x-1.0.exe',
    'not a wheel.whl',
  ];
  assert.deepEqual(selectArtifacts(files, windows), [
    'x-1.0-2-cp312-cp312-win_amd64.whl',
    'x-1.0-1-cp312-cp312-win_amd64.whl',
    'x-1.0-cp312-cp312-win_amd64.whl',
    'x-1.0-cp312-abi3-win_amd64.whl',
    'https://files.example/x-1.0-py3-none-any.whl#sha256=00',
  ]);
  assert.deepEqual(selectArtifacts(['x-1.0.tar.gz', 'x-1.0.zip', 'x-1.0-cp27-cp27m-win32.whl'], windows), ['x-1.0.tar.gz', 'x-1.0.zip']);
  assert.deepEqual(selectArtifacts([], windows), []);
  // Old releases may ship only archive forms that predate PEP 625; pip still builds those.
  assert.deepEqual(selectArtifacts(['x-0.1.win32.exe', 'x-0.1.tar.bz2', 'x-0.1-py2.4.egg'], windows), ['x-0.1.tar.bz2']);
});

test('rejects a target it cannot describe in tags', () => {
  const invalid = (target: TargetDescription): void =>
    assert.throws(() => supportedTags(target), (err: unknown) => err instanceof PyvouchError && err.code === 'INVALID_TARGET');
  invalid({ ...linuxX64, python: 'three' });
  invalid({ ...linuxX64, platform: 'beos' });
  invalid({ ...windows, machine: 'sparc' });
  assert.throws(() => supportedTags(linuxX64, { manylinuxGlibc: 'new' }), (err: unknown) => err instanceof PyvouchError && err.code === 'INVALID_TARGET');
});

test('Python before 3.8 uses the pymalloc ABI tag', () => {
  const tags = supportedTags({ ...linuxX64, python: '3.7' }).map(String);
  assert.equal(tags[0], 'cp37-cp37m-linux_x86_64');
  assert.ok(!tags.includes('cp37-cp37-linux_x86_64'));
});

test('a shared tag set is ranked once per target, and each target keeps its own rank', () => {
  const tags = parseWheelFilename('memo_rank-1.0-cp312-cp312-manylinux_2_17_x86_64.whl').tags;
  const linux = supportedTagIndex(linuxX64);
  const mac = supportedTagIndex(macArm);
  const rank = tagPriority(tags, linux);
  assert.equal(typeof rank, 'number');
  assert.equal(tagPriority(tags, linux), rank);
  assert.equal(tagPriority(tags, mac), null);
  // The same tags as a plain list (not memoised) rank the same.
  assert.equal(tagPriority([...tags], linux), rank);
});
