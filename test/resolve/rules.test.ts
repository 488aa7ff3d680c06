// Where pip and uv differ (pre-releases, yanked pins, Requires-Python upper bounds), the resolver
// follows the rule set it is given. pip's behaviour is the default.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Requirement } from '../../src/pep/requirement.js';
import { resolveWithStats } from '../../src/resolve/resolve.js';
import { memory, solve, target, versions, type Index } from './helpers.js';

const impossible = { code: 'RESOLUTION_IMPOSSIBLE' };

describe('pre-releases', () => {
  const transitive: Index = {
    a: [{ version: '1.0', requires: ['c==2.0b1'] }],
    b: [{ version: '1.0', requires: ['c>=1.0,<=3.0'] }],
    c: ['1.0', '2.0b1'],
  };

  test('pip: a dependency that names a pre-release opts its project in', async () => {
    assert.equal(versions(await solve(transitive, ['a', 'b']))['c'], '2.0b1');
  });

  test('uv: only the user’s own requirements opt in', async () => {
    await assert.rejects(solve(transitive, ['a', 'b'], { rules: 'uv' }), impossible);
    assert.equal(versions(await solve(transitive, ['a', 'b', 'c>=2.0b1'], { rules: 'uv' }))['c'], '2.0b1');
  });

  const onlyPre: Index = { a: ['0.1', '1.0a1'] };

  test('pip: a specifier that only pre-releases satisfy lets them in', async () => {
    assert.equal(versions(await solve(onlyPre, ['a>0.1']))['a'], '1.0a1');
  });

  test('uv: not while the project has a final release', async () => {
    await assert.rejects(solve(onlyPre, ['a>0.1'], { rules: 'uv' }), impossible);
  });

  test('a final release is preferred to a newer pre-release unless opted in', async () => {
    const index: Index = { a: ['1.0', '2.0rc1'] };
    assert.equal(versions(await solve(index, ['a']))['a'], '1.0');
    assert.equal(versions(await solve(index, ['a'], { prereleases: true }))['a'], '2.0rc1');
    assert.equal(versions(await solve(index, ['a>=1.0rc1']))['a'], '2.0rc1');
  });

  test('a project with nothing but pre-releases uses them under both rules', async () => {
    const index: Index = { a: ['1.0a1', '1.0b2'] };
    assert.equal(versions(await solve(index, ['a']))['a'], '1.0b2');
    assert.equal(versions(await solve(index, ['a'], { rules: 'uv' }))['a'], '1.0b2');
  });

  test('pip: an opt-in found after "no versions" was learned restarts the search and still solves', async () => {
    // a 2.0 rules out c's final releases; only after that does b name c's pre-release.
    const index: Index = {
      a: ['1.0', { version: '2.0', requires: ['c>=3,<3.1'] }],
      b: ['0.9', { version: '1.0', requires: ['c==3.1b1'] }],
      c: ['1.0', '3.1b1'],
    };
    const t = target();
    const { graph, stats } = await resolveWithStats([new Requirement('a'), new Requirement('b')], memory(index, t), { target: t });
    assert.deepEqual(versions(graph), { a: '1.0', b: '1.0', c: '3.1b1' });
    assert.ok(stats.restarts >= 1, 'the widened candidate list should have forced a restart');
    const uv = await solve(index, ['a', 'b'], { rules: 'uv' });
    assert.deepEqual(versions(uv), { a: '1.0', b: '0.9' });
  });
});

describe('yanked releases (PEP 592)', () => {
  const index: Index = {
    a: [{ version: '1.0', requires: ['c==2.0'] }],
    b: [{ version: '1.0', requires: ['c>=1.0,<=3.0'] }],
    c: ['1.0', { version: '2.0', yanked: 'broken' }],
  };

  test('are skipped when anything else fits', async () => {
    assert.equal(versions(await solve(index, ['c']))['c'], '1.0');
    assert.equal(versions(await solve(index, ['c>=1.0']))['c'], '1.0');
  });

  test('pip: are used when some requirement pins them with ==', async () => {
    assert.equal(versions(await solve(index, ['a', 'b']))['c'], '2.0');
  });

  test('uv: only when the user pins them', async () => {
    await assert.rejects(solve(index, ['a', 'b'], { rules: 'uv' }), impossible);
    assert.equal(versions(await solve(index, ['a', 'b', 'c==2.0'], { rules: 'uv' }))['c'], '2.0');
  });

  test('are never used by a range, even when nothing else fits', async () => {
    await assert.rejects(solve(index, ['c>1.0']), impossible);
  });
});

describe('Requires-Python', () => {
  const index: Index = { a: [{ version: '1.0', requiresPython: '>=3.8,<3.11' }, { version: '0.9' }] };

  test('pip: the whole specifier counts, so a newer Python falls back to an older release', async () => {
    assert.equal(versions(await solve(index, ['a'], { target: { python: '3.12' } }))['a'], '0.9');
    assert.equal(versions(await solve(index, ['a'], { target: { python: '3.10' } }))['a'], '1.0');
  });

  test('uv: upper bounds are ignored', async () => {
    assert.equal(versions(await solve(index, ['a'], { target: { python: '3.12' }, rules: 'uv' }))['a'], '1.0');
    assert.equal(versions(await solve(index, ['a'], { target: { python: '3.7' }, rules: 'uv' }))['a'], '0.9');
  });

  test('a patch-level bound is compared with the target’s full version (3.9 means 3.9.0)', async () => {
    const patch: Index = { a: [{ version: '1.0', requiresPython: '>=3.9.4' }] };
    await assert.rejects(solve(patch, ['a'], { target: { python: '3.9' } }), impossible);
    assert.equal(versions(await solve(patch, ['a'], { target: { python: '3.9.5' } }))['a'], '1.0');
  });
});
