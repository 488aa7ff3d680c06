// Snapshot files, the cargo-vet way: a rendering is compared with test/snapshots/NAME, and a
// change shows as a diff in review. UPDATE_SNAPSHOTS=1 rewrites them.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../snapshots/', import.meta.url));

export function assertSnapshot(name: string, actual: string): void {
  const file = join(dir, name);
  if (process.env['UPDATE_SNAPSHOTS'] === '1' || !existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
    if (process.env['UPDATE_SNAPSHOTS'] !== '1') assert.fail(`wrote the new snapshot ${name}: check it, commit it and run again`);
    return;
  }
  assert.equal(actual, readFileSync(file, 'utf8'), `the rendering differs from test/snapshots/${name} (UPDATE_SNAPSHOTS=1 to accept)`);
}
