// The typosquat assessor's precomputed index (src/scan/data/typosquat-index.bin): it is current
// with the shipped snapshot and rules, it answers exactly as the index built in memory, and a file
// that is stale, damaged or missing is never read (the index is then built from the snapshot).
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { TOP_PYPI_FILE, TYPOSQUAT_INDEX_FILE, TyposquatIndex, checkNames, loadTopNames } from '../../src/scan/typosquat.js';
import { tempDir } from '../server/support.js';

const tsv = readFileSync(TOP_PYPI_FILE, 'utf8');

/** Variants of popular names of every shape the rules look for, and some unrelated names. */
function probes(index: TyposquatIndex): string[] {
  const out: string[] = ['rеquеsts', 'json', 'zzqx', 'yaml', 'co1orama', 'dateutil-python', 'my-private-lib'];
  for (const [i, { name }] of index.names.entries()) {
    if (i % 7 !== 0) continue;
    const at = i % name.length;
    out.push(name, name.slice(0, at) + name.slice(at + 1), `${name.slice(0, at)}q${name.slice(at)}`, `py${name}`, `${name}-lib`, name.replace(/o/g, '0'), name.split('-').reverse().join('-'), name.replace(/-/g, ''));
  }
  return out;
}

describe('precomputed typosquat index', () => {
  it('is current: the committed file is what the snapshot and rules produce', () => {
    const committed = readFileSync(TYPOSQUAT_INDEX_FILE);
    const fresh = TyposquatIndex.serialize(tsv);
    assert.ok(Buffer.from(fresh).equals(committed), 'src/scan/data/typosquat-index.bin is stale: run `node --import tsx scripts/typosquat-index.mjs` and commit it');
  });

  it('is what the shipped index reads, and answers exactly as an index built in memory', () => {
    const shipped = TyposquatIndex.load();
    assert.equal(shipped.precomputed, true);
    const built = new TyposquatIndex(loadTopNames(tsv));
    assert.equal(built.precomputed, false);
    assert.deepEqual(shipped.names, built.names);
    const names = probes(built);
    const expected = checkNames(names, built);
    assert.ok(expected.length > 1000, `the probes should find plenty (${expected.length})`);
    assert.deepEqual(checkNames(names, shipped), expected);
  });

  it('is ignored when made from another snapshot: the answers come from the snapshot read', () => {
    const dir = tempDir('pyvouch-typosquat-');
    // The attack: a new popular name the stale file does not know. It must still be protected.
    const snapshot = join(dir, 'top.tsv');
    writeFileSync(snapshot, `${tsv.trimEnd()}\n99999\tzqxwvutsr-popular\n`);
    const index = TyposquatIndex.load(snapshot, TYPOSQUAT_INDEX_FILE);
    assert.equal(index.precomputed, false);
    assert.ok(index.check('zqxwvutsr-popullar').some((f) => f.resembles === 'zqxwvutsr-popular'));
  });

  it('is ignored when damaged or truncated, and when missing', () => {
    const dir = tempDir('pyvouch-typosquat-');
    const good = readFileSync(TYPOSQUAT_INDEX_FILE);
    const flipped = Buffer.from(good);
    // One name index in the deletion lookup pointed elsewhere: a silent miss if it were read.
    flipped[flipped.length - 200_000] = flipped[flipped.length - 200_000]! ^ 0x01;
    const cases: [string, Uint8Array | undefined][] = [
      ['flipped', flipped],
      ['truncated', good.subarray(0, good.length - 1000)],
      ['header only', good.subarray(0, 64)],
      ['empty', new Uint8Array(0)],
      ['missing', undefined],
    ];
    for (const [label, bytes] of cases) {
      const file = join(dir, `${label.replace(/ /g, '-')}.bin`);
      if (bytes !== undefined) writeFileSync(file, bytes);
      const index = TyposquatIndex.load(TOP_PYPI_FILE, file);
      assert.equal(index.precomputed, false, label);
      assert.ok(index.check('reqeusts').some((f) => f.resembles === 'requests'), label);
    }
  });
});
