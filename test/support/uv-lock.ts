// A uv.lock (version 1, revision 3) of a virtual project whose registry packages each have one wheel
// at `indexUrl`'s files/ path, with the wheel's real sha256 and size unless the test says otherwise.
// For the tests that post a lock to the server (POST /api/graph, the web UI).
import { createHash } from 'node:crypto';

export interface LockedWheel {
  name: string;
  version: string;
  file: { filename: string; content: Uint8Array };
  /** The sha256 the lock records (default: the wheel's own). */
  sha256?: string;
  dependencies?: string[];
}

export function virtualUvLock(indexUrl: string, rootDependencies: readonly string[], packages: readonly LockedWheel[]): string {
  const files = indexUrl.replace(/simple\/$/, 'files/');
  const deps = (names: readonly string[]): string[] => (names.length > 0 ? [`dependencies = [${names.map((d) => `{ name = "${d}" }`).join(', ')}]`] : []);
  const pkg = (p: LockedWheel): string[] => [
    '[[package]]',
    `name = "${p.name}"`,
    `version = "${p.version}"`,
    `source = { registry = "${indexUrl}" }`,
    ...deps(p.dependencies ?? []),
    `wheels = [{ url = "${files}${p.file.filename}", hash = "sha256:${p.sha256 ?? createHash('sha256').update(p.file.content).digest('hex')}", size = ${p.file.content.length} }]`,
    '',
  ];
  return [
    'version = 1',
    'revision = 3',
    'requires-python = ">=3.10"',
    '',
    '[[package]]',
    'name = "demo-app"',
    'version = "0.1.0"',
    'source = { virtual = "." }',
    ...deps(rootDependencies),
    '',
    ...packages.flatMap(pkg),
  ].join('\n');
}
