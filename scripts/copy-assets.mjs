#!/usr/bin/env node
// Copies the non-TypeScript files the built package needs next to their compiled modules.
// `node scripts/copy-assets.mjs [OUTDIR]`: OUTDIR defaults to the package's dist/ (the packaging
// test builds into a staging directory of its own).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = process.argv[2] === undefined ? join(root, 'dist') : resolve(process.argv[2]);
const assets = ['artifact/metadata_hook.py', 'provenance/trusted_root.json', 'feed/registry.toml', 'scan/data/top-pypi.tsv', 'scan/data/typosquat-index.bin'];
// Each asset goes next to its compiled module (the library, dist/index.js) and, for the bundled
// executables whose modules all sit at the top of OUTDIR (scripts/bundle.mjs), at the same path
// relative to the top: `new URL('./data/top-pypi.tsv', import.meta.url)` in scan/typosquat.js and
// in a top-level chunk name OUTDIR/scan/data/… and OUTDIR/data/… .
for (const rel of assets) {
  const from = join(root, 'src', rel);
  for (const to of [join(out, rel), join(out, rel.slice(rel.indexOf('/') + 1))]) {
    mkdirSync(dirname(to), { recursive: true });
    copyFileSync(from, to);
  }
}
