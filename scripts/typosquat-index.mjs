// Writes src/scan/data/typosquat-index.bin, the typosquat assessor's lookups precomputed from
// src/scan/data/top-pypi.tsv: `node --import tsx scripts/typosquat-index.mjs`. Run it after changing
// the snapshot or the assessor's key rules (test/scan/typosquat-index.test.ts says when).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TOP_PYPI_FILE, TYPOSQUAT_INDEX_FILE, TyposquatIndex } from '../src/scan/typosquat.ts';

const bytes = TyposquatIndex.serialize(readFileSync(TOP_PYPI_FILE, 'utf8'));
writeFileSync(TYPOSQUAT_INDEX_FILE, bytes);
console.log(`wrote ${fileURLToPath(TYPOSQUAT_INDEX_FILE)} (${bytes.length} bytes)`);
