import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addedLines, countLines, sourceFiles } from '../../src/artifact/code-size.js';
import { buildTarGz, buildZip } from './archive-builders.js';

const files = (entries: Record<string, string>): Map<string, string[]> => new Map(Object.entries(entries).map(([k, v]) => [k, v.split('\n')]));

test('counts the non-blank source lines of a wheel, not its dist-info', async () => {
  const wheel = buildZip([
    { name: 'demo/__init__.py', data: 'import os\n\n\ndef f():\n    return 1\n' },
    { name: 'demo/native.c', data: 'int x;\nint y;\n' },
    { name: 'demo/data.bin', data: 'xxxxxxxx\nyyyy\n' },
    { name: 'demo-1.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n' },
  ]);
  const src = await sourceFiles(wheel, 'demo-1.0-py3-none-any.whl');
  assert.deepEqual([...src.keys()].sort(), ['demo/__init__.py', 'demo/native.c']);
  assert.equal(countLines(src), 5);
});

test('reads an sdist without its top directory', async () => {
  const sdist = await buildTarGz([
    { name: 'demo-1.0/setup.py', data: 'from setuptools import setup\nsetup()\n' },
    { name: 'demo-1.0/demo/__init__.py', data: 'x = 1\n' },
  ]);
  const src = await sourceFiles(sdist, 'demo-1.0.tar.gz');
  assert.deepEqual([...src.keys()].sort(), ['demo/__init__.py', 'setup.py']);
});

test('a delta counts only the lines the new release adds', () => {
  const a = files({ 'm.py': 'a = 1\nb = 2\nc = 3', 'old.py': 'gone = 1' });
  const b = files({ 'm.py': 'b = 2\na = 1\nc = 4\nd = 5', 'new.py': 'n = 1\nm = 2' });
  // m.py: 'c = 4' and 'd = 5' are new (moved lines are free); new.py: two lines.
  assert.equal(addedLines(a, b), 4);
  assert.equal(addedLines(b, b), 0);
  assert.equal(addedLines(new Map(), b), countLines(b));
});
