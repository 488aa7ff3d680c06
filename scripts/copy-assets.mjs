#!/usr/bin/env node
// Copies the non-TypeScript files the built package needs next to their compiled modules.
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const assets = ['artifact/metadata_hook.py', 'scan/data/top-pypi.tsv'];
for (const rel of assets) {
  const to = join(root, 'dist', rel);
  mkdirSync(dirname(to), { recursive: true });
  copyFileSync(join(root, 'src', rel), to);
}
