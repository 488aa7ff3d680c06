// Commands write only through their io (issue #11): run in-process through main() with a captured
// io, their output lands in the capture and nothing reaches the process's own stdout or stderr.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mock, test } from 'node:test';
import { PEP740, SDIST } from '../provenance/fixtures.js';
import { runCli, type RunResult } from './in-process.js';

const wheel = 'test/corpora/pep740/rfc8785-0.1.2-py3-none-any.whl';

/**
 * Runs a command in-process and also records what is written to the process's streams meanwhile.
 * Only string writes count: the test runner's own reports to its parent are serialized buffers.
 */
async function captured(args: readonly string[], home: string): Promise<RunResult & { leaked: string[] }> {
  // Spies that still write (the original method runs), so a leak also shows in the test log.
  const spies = [mock.method(process.stdout, 'write'), mock.method(process.stderr, 'write')];
  try {
    const result = await runCli(args, { PYVOUCH_HOME: home });
    const leaked = spies.flatMap((spy) => spy.mock.calls.map((call) => call.arguments[0] as unknown).filter((chunk): chunk is string => typeof chunk === 'string'));
    return { ...result, leaked };
  } finally {
    for (const spy of spies) spy.mock.restore();
  }
}

const freshHome = (): string => mkdtempSync(join(tmpdir(), 'pyvouch-sink-'));

test('key new and key show write to the captured io only', async () => {
  const home = freshHome();
  const made = await captured(['key', 'new', '--name', 'Sink test'], home);
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+\n$/);
  assert.match(made.stderr, /^wrote .*default\.json \(mode 0600\)\n$/);
  const shown = await captured(['key', 'show'], home);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^name: {5}Sink test\n/);
  assert.equal(shown.stdout.trim().split('\n').at(-1), made.stdout.trim());
  assert.deepEqual([...made.leaked, ...shown.leaked], []);
});

test('feed list writes to the captured io only', async () => {
  const r = await captured(['feed', 'list'], freshHome());
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'no feeds followed (pyvouch feed follow URL --root root.json --name NAME)\n');
  const json = await captured(['feed', 'list', '--format', 'json'], freshHome());
  assert.deepEqual(JSON.parse(json.stdout), []);
  assert.deepEqual([...r.leaked, ...json.leaked], []);
});

test('provenance in text writes the verdict to the captured io only', async () => {
  const r = await captured(['provenance', join(PEP740, SDIST), '--provenance', PEP740], freshHome());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, new RegExp(`^verified: ${SDIST.replace(/\./g, '\\.')} \\(sha256 [0-9a-f]{64}\\)\n`));
  assert.match(r.stdout, /published by github:trailofbits\/pypi-attestations \(workflow release\.yml\), verified by Sigstore/);
  assert.deepEqual(r.leaked, []);
});

test('a signed statement prints its id on the captured stdout and what it signed on the captured stderr', async () => {
  const home = freshHome();
  assert.equal((await captured(['key', 'new'], home)).code, 0);
  const r = await captured(['review', 'rfc8785==0.1.2', '--file', wheel, '--criteria', 'safe-to-run'], home);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
  assert.match(r.stderr, /^signed review statement by did:key:\S+ about rfc8785==0\.1\.2\n$/);
  const shown = await captured(['show', 'rfc8785'], home);
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, new RegExp(`statement ${r.stdout.trim()}`));
  assert.deepEqual([...r.leaked, ...shown.leaked], []);
});

test('an error is reported on the captured stderr, not the process stderr', async () => {
  const r = await captured(['key', 'show', '--key-name', 'missing'], freshHome());
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^error\[KEY_MISSING\]/);
  assert.equal(r.stdout, '');
  assert.deepEqual(r.leaked, []);
});

test('an unknown --format is refused with exit 2 and the allowed values, not read as text', async () => {
  for (const args of [['key', 'show', '--format', 'yaml'], ['feed', 'list', '--format', 'xml'], ['advisories', 'list', '--format', 'csv']]) {
    const r = await captured(args, freshHome());
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, /argument '(yaml|xml|csv)' is invalid\. Allowed choices are text, json\./);
    assert.equal(r.stdout, '');
    assert.deepEqual(r.leaked, []);
  }
});
