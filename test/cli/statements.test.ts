// The "who vouches" commands end to end: sign every kind, export, import into a fresh store,
// show; and imports that meet forged or broken envelopes report them by file and keep going.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pyvouch, tempHome } from './harness.js';

const wheel = 'test/corpora/pep740/rfc8785-0.1.2-py3-none-any.whl';

test('key new writes a 0600 key, prints the identity last, and refuses to overwrite', () => {
  const home = tempHome();
  const first = pyvouch(['key', 'new', '--name', 'Acme security'], { home });
  assert.equal(first.code, 0, first.stderr);
  const did = first.stdout.trim().split('\n').at(-1)!;
  assert.match(did, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
  assert.equal(statSync(join(home, 'keys', 'default.json')).mode & 0o777, 0o600);
  const again = pyvouch(['key', 'new'], { home });
  assert.equal(again.code, 2);
  assert.match(again.stderr, /KEY_EXISTS/);
  const show = pyvouch(['key', 'show'], { home });
  assert.equal(show.stdout.trim().split('\n').at(-1), did);
  assert.match(show.stdout, /Acme security/);
});

test('signing without a key says how to make one', () => {
  const r = pyvouch(['review', 'rfc8785==0.1.2', '--file', wheel]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /KEY_MISSING/);
  assert.match(r.stderr, /pyvouch key new/);
});

test('every kind round-trips: sign, export, import into a fresh store, show', () => {
  const home = tempHome();
  assert.equal(pyvouch(['key', 'new', '--name', 'Reviewer'], { home }).code, 0);
  const other = pyvouch(['key', 'new', '--key-name', 'other'], { home }).stdout.trim();
  const target = ['rfc8785==0.1.2', '--file', wheel];
  const commands = [
    ['review', ...target, '--criteria', 'safe-to-run', '--comment', 'read every line'],
    ['audit', ...target, '--criteria', 'safe-to-deploy', '--comment', 'audited'],
    ['vote', ...target],
    ['vote', ...target, '--against', '--comment', 'too new'],
    ['like', ...target],
    ['flag', ...target, '--kind', 'unmaintained', '--severity', 'low', '--comment', 'no release in years'],
    ['trust', other, '--level', 'medium', '--comment', 'colleague'],
  ];
  const ids = commands.map((args) => {
    const r = pyvouch(args, { home });
    assert.equal(r.code, 0, `${args[0]}: ${r.stderr}`);
    const id = r.stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    return id;
  });
  assert.equal(new Set(ids).size, ids.length);

  const exported = pyvouch(['export'], { home });
  assert.equal(exported.code, 0);
  const lines = exported.stdout.trim().split('\n');
  assert.equal(lines.length, commands.length);
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-export-'));
  writeFileSync(join(dir, 'all.jsonl'), exported.stdout);

  const fresh = tempHome();
  const imported = pyvouch(['import', join(dir, 'all.jsonl')], { home: fresh });
  assert.equal(imported.code, 0, imported.stderr);
  assert.match(imported.stdout, /imported 7 statements \(0 already stored, 0 rejected\)/);
  const again = pyvouch(['import', join(dir, 'all.jsonl')], { home: fresh });
  assert.match(again.stdout, /imported 0 statements \(7 already stored/);

  const shown = JSON.parse(pyvouch(['show', 'RFC8785==0.1.2', '--format', 'json'], { home: fresh }).stdout) as { id: string; kind: string; description: string }[];
  assert.deepEqual(shown.map((s) => s.kind).sort(), ['assess', 'flag', 'like', 'review', 'vote', 'vote']);
  assert.ok(shown.some((s) => s.description === 'read every line'));
  assert.deepEqual(new Set(shown.map((s) => s.id)), new Set(ids.slice(0, 6)));
  const text = pyvouch(['show', 'rfc8785'], { home: fresh }).stdout;
  assert.match(text, /flag unmaintained \(low\) by .*\n\s+"no release in years"/);

  const jsonld = JSON.parse(pyvouch(['export', '--jsonld'], { home: fresh }).stdout) as { '@graph': { '@id': string }[] };
  assert.ok(jsonld['@graph'].some((n) => n['@id'] === 'pkg:pypi/rfc8785@0.1.2'));
});

test('import rejects forged and broken envelopes by file and reason, and stores the rest', () => {
  const home = tempHome();
  assert.equal(pyvouch(['key', 'new'], { home }).code, 0);
  const good = pyvouch(['vote', 'rfc8785==0.1.2', '--file', wheel, '--json'], { home });
  const envelope = (JSON.parse(good.stdout) as { envelope: { payload: string; payloadType: string; signatures: { sig: string }[] } }).envelope;
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-bad-'));
  mkdirSync(join(dir, 'feed'));
  writeFileSync(join(dir, 'feed', 'a-good.json'), JSON.stringify(envelope));
  const edited = JSON.parse(Buffer.from(envelope.payload, 'base64').toString()) as { predicate: { actionOption: string } };
  edited.predicate.actionOption = 'against';
  writeFileSync(join(dir, 'feed', 'b-edited.json'), JSON.stringify({ ...envelope, payload: Buffer.from(JSON.stringify(edited)).toString('base64') }));
  writeFileSync(join(dir, 'feed', 'c-truncated.json'), JSON.stringify(envelope).slice(0, 80));
  writeFileSync(join(dir, 'feed', 'd-type.json'), JSON.stringify({ ...envelope, payloadType: 'application/json' }));
  const sig = Buffer.from(envelope.signatures[0]!.sig, 'base64');
  sig[0] = sig[0]! ^ 1;
  writeFileSync(join(dir, 'feed', 'e-forged.json'), JSON.stringify({ ...envelope, signatures: [{ ...envelope.signatures[0], sig: sig.toString('base64') }] }));

  const fresh = tempHome();
  const r = pyvouch(['import', join(dir, 'feed')], { home: fresh });
  assert.equal(r.code, 2, 'rejections make the import exit 2');
  assert.match(r.stdout, /imported 1 statement \(0 already stored, 4 rejected\) from 5 files/);
  assert.match(r.stderr, /b-edited\.json: SIG_INVALID/);
  assert.match(r.stderr, /c-truncated\.json(:\d+)?: ENVELOPE_INVALID/);
  assert.match(r.stderr, /d-type\.json: PAYLOAD_TYPE/);
  assert.match(r.stderr, /e-forged\.json: SIG_INVALID/);
  const shown = JSON.parse(pyvouch(['show', 'rfc8785', '--format', 'json'], { home: fresh }).stdout) as unknown[];
  assert.equal(shown.length, 1, 'only the good statement was stored');
  assert.ok(readFileSync(join(dir, 'feed', 'a-good.json')).length > 0);
});

test('a review refuses a file that is not of the named release', () => {
  const home = tempHome();
  pyvouch(['key', 'new'], { home });
  const r = pyvouch(['review', 'requests==2.32.3', '--file', wheel], { home });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /not of requests 2\.32\.3/);
});
