#!/usr/bin/env node
// Copies the non-TypeScript files the built package needs next to their compiled modules.
// `node scripts/copy-assets.mjs [OUTDIR]`: OUTDIR defaults to the package's dist/ (the packaging
// test builds into a staging directory of its own).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = process.argv[2] === undefined ? join(root, 'dist') : resolve(process.argv[2]);
const assets = ['artifact/metadata_hook.py', 'provenance/trusted_root.json', 'feed/registry.toml', 'scan/data/top-pypi.tsv', 'scan/data/typosquat-index.bin'];
for (const rel of assets) {
  const to = join(out, rel);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, 'src', rel), to);
}
