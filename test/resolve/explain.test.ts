// The explanation of an unsatisfiable set is the PubGrub derivation in sentences. These pin the
// text (a snapshot of the wording) and its structure (numbered lines that later lines cite).

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPyvouchError } from '../../src/errors.js';
import { ResolutionImpossibleError } from '../../src/resolve/resolve.js';
import { solve, type Index, type SolveCase } from './helpers.js';

async function failure(index: Index, requirements: string[], opts: SolveCase = {}): Promise<ResolutionImpossibleError> {
  try {
    await solve(index, requirements, opts);
  } catch (err) {
    if (err instanceof ResolutionImpossibleError) return err;
    throw err;
  }
  assert.fail('expected RESOLUTION_IMPOSSIBLE');
}

describe('explaining an unsatisfiable set', () => {
  test('a dependency whose every fitting release needs a newer Python', async () => {
    const err = await failure(
      {
        foo: [{ version: '1.0', requires: ['bar>=2'] }],
        bar: ['1.0', { version: '2.0', requiresPython: '>=3.13' }, { version: '2.1', requiresPython: '>=3.13' }],
      },
      ['foo'],
      { target: { python: '3.12' } },
    );
    assert.ok(isPyvouchError(err));
    assert.equal(err.code, 'RESOLUTION_IMPOSSIBLE');
    assert.equal(
      err.message,
      [
        'No set of releases satisfies the requirements for cpython 3.12 on linux x86_64:',
        'Because all versions of foo depend on bar>=2 and bar>=2.0 requires Python>=3.13 (the target is Python 3.12.0), no version of foo can be used.',
        'And because you require foo, your requirements are unsatisfiable.',
      ].join('\n'),
    );
    assert.deepEqual(err.explanation.hints, []);
    assert.ok(err.help !== undefined);
  });

  test('two lines of derivation, the first numbered and cited by the last', async () => {
    // The branching example of pub's solver documentation, in Python terms.
    const err = await failure(
      {
        foo: [
          { version: '1.0', requires: ['a>=1,<2', 'b>=1,<2'] },
          { version: '1.1', requires: ['x>=1,<2', 'y>=1,<2'] },
        ],
        a: [{ version: '1.0', requires: ['b>=2,<3'] }],
        b: ['1.0', '2.0'],
        x: [{ version: '1.0', requires: ['y>=2,<3'] }],
        y: ['1.0', '2.0'],
      },
      ['foo>=1,<2'],
    );
    const lines = err.explanation.lines;
    assert.deepEqual(
      lines.map((l) => (l.number === undefined ? l.text : `${l.text} (${l.number})`)),
      [
        'Because all versions of a depend on b>=2,<3 and foo<1.1 depends on a>=1,<2, foo<1.1 depends on b>=2,<3.',
        'And because foo<1.1 depends on b>=1,<2, foo<1.1 cannot be used. (1)',
        '',
        'Because all versions of x depend on y>=2,<3 and foo>=1.1 depends on x>=1,<2, foo>=1.1 depends on y>=2,<3.',
        'And because foo>=1.1 depends on y>=1,<2, foo>=1.1 cannot be used.',
        'And because foo<1.1 cannot be used (1), no version of foo can be used.',
        'And because you require foo>=1,<2, your requirements are unsatisfiable.',
      ],
    );
  });

  test('names releases the rules kept out in a hint', async () => {
    // Under uv's rules a dependency naming a pre-release does not opt in; only the user can.
    const err = await failure({ a: [{ version: '1.0', requires: ['c>=2.0b1'] }], c: ['1.0', '2.0b1'] }, ['a'], { rules: 'uv' });
    assert.match(err.message, /and only c==1\.0 is available, no version of a can be used/);
    assert.equal(err.explanation.hints.length, 1);
    assert.match(err.explanation.hints[0]!, /^c has pre-releases in that range \(2\.0b1\)/);
  });

  test('says which project the index does not have', async () => {
    const err = await failure({ a: [{ version: '1.0', requires: ['missing-thing'] }] }, ['a']);
    assert.match(err.message, /missing-thing was not found in the package index/);
  });

  test('names the files problem when no file of a release fits the target', async () => {
    const err = await failure({ a: [{ version: '1.0', wheelTags: ['cp312-cp312-win_amd64'], sdist: false }] }, ['a']);
    assert.match(err.message, /all versions of a have no wheel for cpython 3\.12 on linux x86_64 and no source distribution/);
  });
});
