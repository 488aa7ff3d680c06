// Hostile inputs to the packaging-standard parsers (issue 19): each is refused with a PyvouchError
// of its own code, and none costs more than its size.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_TAGS_PER_PART, MAX_WHEEL_FILENAME_LENGTH, TagSet, parseWheelFilename } from '../../src/pep/filename.js';
import { Marker, MAX_MARKER_DEPTH } from '../../src/pep/marker.js';
import { Requirement } from '../../src/pep/requirement.js';
import { SpecifierSet } from '../../src/pep/specifier.js';
import { indexSupportedTags, supportedTags, tagPriority } from '../../src/pep/tags.js';
import { parseTarget } from '../../src/pep/environment.js';
import { codeOf, refusal } from '../support/errors.js';

test('a 5 KB wheel filename of repeated compressed tags is refused for its length', () => {
  const part = Array.from({ length: 400 }, () => 'py3').join('.');
  const name = `x-1.0-${part}-${part}-${part}.whl`;
  assert.ok(name.length > 4000);
  assert.equal(codeOf(() => parseWheelFilename(name)), 'INVALID_WHEEL_FILENAME');
});

test('a wheel filename of 300 distinct tags per part is refused, not expanded into a product', () => {
  const part = Array.from({ length: 300 }, (_, i) => `t${i}`).join('.');
  assert.equal(codeOf(() => parseWheelFilename(`x-1.0-${part}-${part}-${part}.whl`)), 'INVALID_WHEEL_FILENAME');
});

test('more tags in one part than MAX_TAGS_PER_PART is refused even within the length bound', () => {
  const part = Array.from({ length: MAX_TAGS_PER_PART + 1 }, (_, i) => String.fromCharCode(97 + (i % 26)) + (i >= 26 ? 'a' : '')).join('.');
  const name = `x-1.0-${part}-none-any.whl`;
  assert.ok(name.length <= MAX_WHEEL_FILENAME_LENGTH);
  assert.equal(codeOf(() => parseWheelFilename(name)), 'INVALID_WHEEL_FILENAME');
});

test('a compressed tag set is kept unexpanded and ranks exactly as its expansion does', () => {
  const interpreters = Array.from({ length: MAX_TAGS_PER_PART }, (_, i) => `cp3${i}`);
  const abis = Array.from({ length: 20 }, (_, i) => `cp3${i}`).concat(['abi3', 'none']);
  const platforms = ['manylinux_2_17_x86_64', 'manylinux2014_x86_64', 'any', 'win_amd64'];
  const set = new TagSet(interpreters, abis, platforms);
  assert.equal(set.interpreters.length * set.abis.length * set.platforms.length, set.size);
  const index = indexSupportedTags(supportedTags(parseTarget({ python: '3.12', platform: 'linux' })));
  // The set is larger than nothing but the expansion is the reference answer.
  const expanded = [...set];
  assert.equal(expanded.length, set.size);
  assert.equal(tagPriority(set, index), tagPriority(expanded, index));
  const tiny = indexSupportedTags(supportedTags(parseTarget({ python: '3.12', platform: 'linux' })).slice(0, 5));
  assert.ok(set.size > tiny.size, 'the reverse lookup path is taken');
  assert.equal(tagPriority(set, tiny), tagPriority(expanded, tiny));
});

test('a real multi-platform wheel name still parses to all of its tags', () => {
  const w = parseWheelFilename('numpy-2.1.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
  assert.deepEqual([...w.tags].map(String), ['cp312-cp312-manylinux_2_17_x86_64', 'cp312-cp312-manylinux2014_x86_64']);
});

test('50,000 nested parentheses in a marker are refused with MARKER_TOO_DEEP, not a stack overflow', () => {
  const deep = '('.repeat(50_000) + 'os_name == "posix"' + ')'.repeat(50_000);
  assert.equal(codeOf(() => new Marker(deep)), 'MARKER_TOO_DEEP');
  assert.equal(codeOf(() => new Requirement(`foo; ${deep}`)), 'MARKER_TOO_DEEP');
});

test('a marker nested exactly MAX_MARKER_DEPTH deep is still read', () => {
  const ok = '('.repeat(MAX_MARKER_DEPTH) + 'os_name == "posix"' + ')'.repeat(MAX_MARKER_DEPTH);
  assert.equal(new Marker(ok).toString(), 'os_name == "posix"');
  assert.equal(codeOf(() => new Marker('(' + ok + ')')), 'MARKER_TOO_DEEP');
});

test('a syntax error in a 100 KB marker gives a message of a few lines, not the whole input twice', () => {
  const long = 'os_name == "posix" and '.repeat(5000) + 'os_name ==';
  const err = refusal(() => new Marker(long), 'INVALID_MARKER');
  assert.ok(err.message.length < 1000, `message is ${err.message.length} characters`);
});

test("SpecifierSet('~=9999…9.9') names the specifier the user wrote, not a derived bound", () => {
  const text = `~=${'9'.repeat(4300)}.9`;
  const err = refusal(() => new SpecifierSet(text), 'INVALID_SPECIFIER');
  assert.ok(err.message.includes(text), 'quotes what the user wrote');
  assert.ok(!err.message.includes(`1${'0'.repeat(4300)}`), 'does not quote the bumped bound');
});
