// A generated PEP 503 index for resolver benchmarks: N projects with PyPI-like version counts and
// dependency shapes, written as static files (project pages, tiny real wheels, PEP 658 .metadata
// files) and served by a plain static file server on 127.0.0.1, so pip and pyvouch resolve against
// exactly the same bytes over the same loopback HTTP.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, linkSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { buildZip } from '../test/artifact/archive-builders.js';
import { rng } from './_synthetic.js';

export interface GeneratedIndex {
  dir: string;
  projects: string[];
  /** Requirement sets to resolve, each a list of top-level requirement strings. */
  requirementSets: string[][];
}

/** A minimal valid zip (deflate), enough for a wheel pip can read metadata from: the tests' zip writer. */
const zip = (entries: [string, string][]): Buffer => buildZip(entries.map(([name, data]) => ({ name, data })));

const sha = (b: Buffer | string): string => createHash('sha256').update(b).digest('hex');

/**
 * Writes one release into the project directory `pdir`: a tiny real wheel (py3-none-any) whose
 * METADATA has `requiresDist` (full `Requires-Dist: …` lines) and the PEP 658 file beside it.
 * Returns the project page's anchor for it (sha256 of the wheel, PEP 714 metadata digest).
 */
export function writeRelease(pdir: string, name: string, version: string, requiresDist: readonly string[], extras: readonly string[], requiresPython?: string): string {
  const dist = name.replace(/[-_.]+/g, '_');
  const head = [`Metadata-Version: 2.1`, `Name: ${name}`, `Version: ${version}`, ...(requiresPython === undefined ? [] : [`Requires-Python: ${requiresPython}`]), ...extras.map((e) => `Provides-Extra: ${e}`)];
  const metadata = `${[...head, ...requiresDist].join('\n')}\n\n`;
  const distInfo = `${dist}-${version}.dist-info`;
  const wheelText = 'Wheel-Version: 1.0\nGenerator: pyvouch-bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n';
  const init = `__version__ = "${version}"\n`;
  const files: [string, string][] = [
    [`${dist}/__init__.py`, init],
    [`${distInfo}/METADATA`, metadata],
    [`${distInfo}/WHEEL`, wheelText],
  ];
  const record = files.map(([p, t]) => `${p},sha256=${createHash('sha256').update(t).digest('base64url')},${Buffer.byteLength(t)}`).join('\n');
  files.push([`${distInfo}/RECORD`, `${record}\n${distInfo}/RECORD,,\n`]);
  const wheel = zip(files);
  const filename = `${dist}-${version}-py3-none-any.whl`;
  writeFileSync(join(pdir, filename), wheel);
  writeFileSync(join(pdir, `${filename}.metadata`), metadata);
  const python = requiresPython === undefined ? '' : ` data-requires-python="${requiresPython.replace(/</g, '&lt;').replace(/>/g, '&gt;')}"`;
  return `<a href="${filename}#sha256=${sha(wheel)}"${python} data-dist-info-metadata="sha256=${sha(metadata)}" data-core-metadata="sha256=${sha(metadata)}">${filename}</a>`;
}

/**
 * Writes the index under `dir` (skipped when already there for the same parameters). Projects
 * depend only on projects with a higher number, so the graph is acyclic; lower bounds are chosen
 * among existing versions, and some upper bounds and pins make the resolver backtrack.
 */
export function generateIndex(dir: string, count = 2000, seed = 1): GeneratedIndex {
  const random = rng(seed);
  const projects = Array.from({ length: count }, (_, i) => `bench-${i.toString().padStart(4, '0')}`);
  const versions = projects.map(() => {
    // PyPI's long tail: most projects have a handful of releases, some have dozens.
    const n = 1 + Math.floor(Math.pow(random(), 2.2) * 40);
    const out: string[] = [];
    let major = 0;
    let minor = 1;
    let patch = 0;
    for (let v = 0; v < n; v++) {
      const r = random();
      if (r < 0.1) {
        major++;
        minor = 0;
        patch = 0;
      } else if (r < 0.45) {
        minor++;
        patch = 0;
      } else patch++;
      out.push(`${major}.${minor}.${patch}`);
    }
    return out;
  });
  const marker = (): string => {
    const r = random();
    if (r < 0.05) return ' ; python_version < "3.11"';
    if (r < 0.08) return ' ; sys_platform == "win32"';
    if (r < 0.1) return ' ; extra == "speed"';
    return '';
  };
  const stamp = join(dir, `.generated-v2-${count}-${seed}`);
  const fresh = !existsSync(stamp);
  const simple = join(dir, 'simple');
  if (fresh) mkdirSync(simple, { recursive: true });
  const rootLinks: string[] = [];
  for (let i = 0; i < count; i++) {
    const name = projects[i]!;
    rootLinks.push(`<a href="${name}/">${name}</a>`);
    if (!fresh) continue;
    const pdir = join(simple, name);
    mkdirSync(pdir, { recursive: true });
    const anchors: string[] = [];
    versions[i]!.forEach((version) => {
      // Dependencies on later projects, about one per release on average as on PyPI (many
      // leaves, a few hubs), so a closure holds tens to a few hundred projects.
      const deps: string[] = [];
      const r0 = random();
      const ndeps = i >= count - 10 ? 0 : r0 < 0.45 ? 0 : r0 < 0.75 ? 1 : r0 < 0.9 ? 2 : 3 + Math.floor(random() * 3);
      for (let d = 0; d < ndeps; d++) {
        const j = i + 1 + Math.floor(Math.pow(random(), 3) * Math.min(400, count - i - 1));
        const target = versions[j]!;
        const lo = target[Math.floor(random() * target.length * 0.6)]!;
        const r = random();
        const spec = r < 0.35 ? `>=${lo}` : r < 0.6 ? `>=${lo},<${Number(lo.split('.')[0]) + 1}` : r < 0.7 ? `~=${lo.split('.').slice(0, 2).join('.')}` : '';
        deps.push(`Requires-Dist: ${projects[j]}${spec === '' ? '' : ` (${spec})`}${marker()}`);
      }
      anchors.push(writeRelease(pdir, name, version, deps, ['speed'], '>=3.8'));
    });
    writeFileSync(join(pdir, 'index.html'), `<!DOCTYPE html>\n<html><body>\n${anchors.join('<br/>\n')}\n</body></html>\n`);
  }
  if (fresh) {
    writeFileSync(join(simple, 'index.html'), `<!DOCTYPE html>\n<html><body>\n${rootLinks.join('\n')}\n</body></html>\n`);
    writeFileSync(stamp, '');
  }
  // Requirement sets: a few roots each among the lower-numbered projects (the deepest trees).
  const setRandom = rng(seed + 100);
  // Like an application's direct dependencies: 8 to 22 roots, resolving to tens to hundreds.
  const requirementSets = Array.from({ length: 8 }, () => {
    const size = 8 + Math.floor(setRandom() * 15);
    const picks = new Set<string>();
    while (picks.size < size) picks.add(projects[Math.floor(setRandom() * Math.min(600, count))]!);
    return [...picks].sort();
  });
  return { dir, projects, requirementSets };
}

/** Serves `dir` as static files on 127.0.0.1 (directories answer with their index.html). */
export function serveStatic(dir: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    if (path.includes('..')) return void res.writeHead(400).end();
    let file = join(dir, path);
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const info = statSync(file);
      const type = file.endsWith('.html') ? 'text/html' : file.endsWith('.metadata') ? 'text/plain' : 'application/octet-stream';
      // Validators as PyPI and nginx send them, so each tool's cache can revalidate (warm runs).
      const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      const validators = { etag, 'last-modified': info.mtime.toUTCString() };
      if (req.headers['if-none-match'] === etag) return void res.writeHead(304, validators).end();
      res.writeHead(200, { 'content-type': type, 'content-length': info.size, ...validators });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    resolve({ server, url: `http://127.0.0.1:${port}/simple/` });
  }));
}

/** A flat `--find-links` directory of every wheel of the index (hard links), made once. */
export function flatDirectory(index: GeneratedIndex): string {
  const flat = `${index.dir.replace(/\/$/, '')}-flat`;
  const stamp = join(flat, '.complete');
  if (existsSync(stamp)) return flat;
  mkdirSync(flat, { recursive: true });
  for (const project of index.projects) {
    const pdir = join(index.dir, 'simple', project);
    for (const name of readdirSync(pdir)) {
      if (!name.endsWith('.whl') || existsSync(join(flat, name))) continue;
      linkSync(join(pdir, name), join(flat, name));
    }
  }
  writeFileSync(stamp, '');
  return flat;
}

/** A resolvelib snapshot (test/corpora/resolvelib/index/*.json) as a static index on disk. */
export interface SnapshotIndex {
  dir: string;
  /** Releases left out because their version or a dependency is not valid PEP 440/508 today. */
  skipped: string[];
  /** project -> normalized version -> its dependencies (as in the snapshot), for checking answers. */
  releases: Map<string, Map<string, string[]>>;
}

/**
 * Writes `snapshot` (`{project: {version: {dependencies: [...]}}}`) under `dir` as a PEP 503 index
 * of tiny real wheels with exactly those dependencies (and a Provides-Extra for every extra their
 * markers name), PEP 658 files beside them. `normalize(version, deps)` gives the version's PEP 440
 * normal form, or undefined when the release cannot be written (a version or dependency not valid
 * today): pip and pyvouch then see the same releases. Skipped when already written.
 */
export function snapshotIndex(snapshot: string, dir: string, normalize: (version: string, deps: readonly string[]) => string | undefined): SnapshotIndex {
  const raw = JSON.parse(readFileSync(snapshot, 'utf8')) as Record<string, unknown>;
  const releases = new Map<string, Map<string, string[]>>();
  const skipped: string[] = [];
  for (const [project, versions] of Object.entries(raw)) {
    // Some snapshots carry flags beside the projects (`needs_optimistic`).
    if (typeof versions !== 'object' || versions === null) continue;
    const kept = new Map<string, string[]>();
    for (const [version, info] of Object.entries(versions as Record<string, { dependencies?: unknown }>)) {
      // One snapshot writes an empty mapping instead of an empty list: no dependencies.
      const deps = Array.isArray(info.dependencies) ? (info.dependencies as string[]) : [];
      const normal = normalize(version, deps);
      if (normal !== undefined && !kept.has(normal)) kept.set(normal, deps);
      else skipped.push(`${project} ${version}`);
    }
    releases.set(project, kept);
  }
  const stamp = join(dir, '.generated-v1');
  if (!existsSync(stamp)) {
    const simple = join(dir, 'simple');
    mkdirSync(simple, { recursive: true });
    const links: string[] = [];
    for (const [project, versions] of releases) {
      const name = project.toLowerCase().replace(/[-_.]+/g, '-');
      links.push(`<a href="${name}/">${name}</a>`);
      const pdir = join(simple, name);
      mkdirSync(pdir, { recursive: true });
      const anchors: string[] = [];
      for (const [version, deps] of versions) {
        const extras = new Set<string>();
        for (const d of deps) for (const m of d.matchAll(/extra\s*==\s*["']([^"']+)["']/g)) extras.add(m[1]!);
        anchors.push(writeRelease(pdir, project, version, deps.map((d) => `Requires-Dist: ${d}`), [...extras]));
      }
      writeFileSync(join(pdir, 'index.html'), `<!DOCTYPE html>\n<html><body>\n${anchors.join('<br/>\n')}\n</body></html>\n`);
    }
    writeFileSync(join(simple, 'index.html'), `<!DOCTYPE html>\n<html><body>\n${links.join('\n')}\n</body></html>\n`);
    writeFileSync(stamp, '');
  }
  return { dir, skipped, releases };
}
