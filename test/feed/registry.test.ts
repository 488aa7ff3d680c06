import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findRegistryEntry, loadRegistry, parseRegistry, SHIPPED_REGISTRY } from '../../src/feed/registry.js';
import { parseDuration } from '../../src/feed/tuf.js';
import { isPyvouchError } from '../../src/errors.js';
import { tempDir } from './support.js';

const fp = `sha256:${'a'.repeat(64)}`;

test('the shipped registry parses', () => {
  assert.ok(Array.isArray(loadRegistry(tempDir(), SHIPPED_REGISTRY)));
});

test("the user's registry adds sources and overrides shipped ones by name", () => {
  const shippedDir = tempDir();
  const shipped = join(shippedDir, 'registry.toml');
  writeFileSync(shipped, `[[source]]\nname = "acme"\nurl = "https://a.example/feed"\nroot-fingerprint = "${fp}"\n`);
  const home = tempDir();
  writeFileSync(join(home, 'feed-registry.toml'), `[[source]]\nname = "acme"\nurl = "https://mirror.example/feed"\nroot-fingerprint = "${fp}"\n[[source]]\nname = "other"\nurl = "https://o.example"\nroot-fingerprint = "${fp}"\ndescription = "o"\n`);
  const entries = loadRegistry(home, shipped);
  assert.deepEqual(entries.map((e) => [e.name, e.url]), [['acme', 'https://mirror.example/feed'], ['other', 'https://o.example']]);
});

test('registry entries are checked field by field', () => {
  for (const [body, path] of [
    [`name = "Bad Name"\nurl = "https://x"\nroot-fingerprint = "${fp}"`, 'source[0].name'],
    [`name = "x"\nurl = "ftp://x"\nroot-fingerprint = "${fp}"`, 'source[0].url'],
    ['name = "x"\nurl = "https://x"\nroot-fingerprint = "md5:00"', 'source[0].root-fingerprint'],
  ] as const) {
    assert.throws(() => parseRegistry(`[[source]]\n${body}\n`, 'r.toml'), (err: unknown) => isPyvouchError(err) && err.code === 'CONFIG_INVALID' && err.path === path);
  }
});

test('an unknown registry name is FEED_NOT_FOUND', () => {
  assert.throws(() => findRegistryEntry(tempDir(), 'nope'), (err: unknown) => isPyvouchError(err) && err.code === 'FEED_NOT_FOUND');
});

test('durations', () => {
  assert.equal(parseDuration('5m', '--x'), 300);
  assert.equal(parseDuration('1d', '--x'), 86400);
  assert.equal(parseDuration('2w', '--x'), 14 * 86400);
  for (const bad of ['0d', '1', '1.5h', 'd', '-1d']) assert.throws(() => parseDuration(bad, '--x'), (err: unknown) => isPyvouchError(err) && err.code === 'USAGE');
});
