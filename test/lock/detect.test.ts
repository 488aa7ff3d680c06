// Which reader a lock goes to: by name and by content, never a pdm.lock read as a poetry.lock, and
// a file pyvouch cannot read says which formats it reads (with help naming only real options).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFormat, formatFromContent, formatFromName } from '../../src/lock/read.js';
import { CORPORA, FIXTURES, read, thrown } from './helpers.js';

const PDM = read(`${FIXTURES}pdm/pdm.lock`);

test('pdm.lock and Pipfile.lock are known by name and by content', () => {
  assert.equal(formatFromName('/srv/app/pdm.lock'), 'pdm.lock');
  assert.equal(formatFromName('Pipfile.lock'), 'Pipfile.lock');
  assert.equal(formatFromContent(PDM), 'pdm.lock');
  assert.equal(formatFromContent(read(`${FIXTURES}pipenv/Pipfile.lock`)), 'Pipfile.lock');
  // A pdm 2.x lock (lock_version 4.4+) with [metadata] groups and strategy.
  assert.equal(formatFromContent('[metadata]\ngroups = ["default"]\nstrategy = ["inherit_metadata"]\nlock_version = "4.5.0"\ncontent_hash = "sha256:00"\n\n[[package]]\nname = "a"\n'), 'pdm.lock');
  assert.equal(formatFromContent(read(`${CORPORA}poetry-poetry.lock`)), 'poetry.lock');
});

test('a pdm.lock saved as poetry.lock is read as the pdm.lock it is', () => {
  assert.equal(detectFormat('poetry.lock', PDM), 'pdm.lock');
  assert.equal(detectFormat('uv.lock', PDM), 'pdm.lock');
  assert.equal(detectFormat('pdm.lock', read(`${CORPORA}poetry-poetry.lock`)), 'poetry.lock');
});

test('a file pyvouch cannot read names the formats it reads, and its help names no option that does not exist', () => {
  const err = thrown(() => detectFormat('notes.md', '# Notes\n\nSome prose.\n'));
  assert.equal(err.code, 'LOCK_UNSUPPORTED');
  for (const f of ['pylock.toml', 'requirements.txt', 'uv.lock', 'poetry.lock', 'pdm.lock', 'Pipfile.lock']) assert.ok(err.message.includes(f), f);
  assert.doesNotMatch(err.help ?? '', /pass the format|--format/);
  assert.match(err.help ?? '', /name/);
});
