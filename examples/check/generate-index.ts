// Regenerates examples/check/index/: a local snapshot of https://pypi.org/simple's project pages
// (PEP 691 JSON, one DIR/<project>/index.json per package) for the files examples/uv/uv.lock
// locks, with their sha256s, so the bundled example can confirm its index party with no network:
//
//   node --import tsx examples/check/generate-index.ts
//   pyvouch check examples/uv/uv.lock ... --index-mirror examples/check/index
//
// It is made from the lock, so it confirms exactly what the lock says; a real mirror would be
// fetched from the index (e.g. with `curl -H 'Accept: application/vnd.pypi.simple.v1+json'`).
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'smol-toml';
import { canonicalizeName } from '../../src/pep/name.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const lock = parse(readFileSync(join(here, '..', 'uv', 'uv.lock'), 'utf8')) as {
  package?: { name: string; source?: { registry?: string }; sdist?: LockedFile; wheels?: LockedFile[] }[];
};
interface LockedFile { url: string; hash: string; size?: number; 'upload-time'?: string }

const out = join(here, 'index');
rmSync(out, { recursive: true, force: true });
for (const p of lock.package ?? []) {
  if (p.source?.registry === undefined) continue;
  const name = canonicalizeName(p.name);
  const files = [...(p.wheels ?? []), ...(p.sdist === undefined ? [] : [p.sdist])].map((f) => ({
    filename: decodeURIComponent(f.url.slice(f.url.lastIndexOf('/') + 1)),
    url: f.url,
    hashes: { sha256: f.hash.replace(/^sha256:/, '') },
    ...(f.size === undefined ? {} : { size: f.size }),
    ...(f['upload-time'] === undefined ? {} : { 'upload-time': f['upload-time'] }),
  }));
  mkdirSync(join(out, name), { recursive: true });
  writeFileSync(join(out, name, 'index.json'), `${JSON.stringify({ meta: { 'api-version': '1.1' }, name, files }, null, 1)}\n`);
}
