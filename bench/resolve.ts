// Resolver benchmark: `pyvouch resolve` against pip's resolver, side by side, on a generated index
// of 2,000 projects (bench/_index-gen.ts), each requirement set resolved by both as a new process,
// as a user runs them. Four modes:
//   http-cold  the index over loopback HTTP, no cache on either side (pip --no-cache-dir,
//              pyvouch --no-cache)
//   http-warm  the same with each tool's own cache, filled by one unmeasured run first (pages
//              revalidate with ETag; pyvouch serves PEP 658 files from its cache by sha256)
//   dir-cold   a flat directory of the same wheels (pip --no-index --find-links, pyvouch --index DIR)
//   dir-warm   the same after one unmeasured run (the OS file cache; pip's wheel cache)
//   resolvelib resolvelib's real PyPI snapshots (test/corpora/resolvelib: the backtracking-heavy
//              cases, chalice, dask, pandas, virtualenv-six, backjump-*), each written as a static
//              index of tiny real wheels with exactly the snapshot's dependencies and served like
//              the generated one; both resolve each case's `requested` cold over HTTP, and each
//              answer is checked against the snapshot (the known answer is only compared)
// Per set and mode the two run alternately `--rounds` times and each keeps its best time, so a
// busy machine skews both alike; the load is printed before and after. Reports the times, their
// ratio (goal: pyvouch >= 10x faster) and whether both chose the same versions (the differences
// are listed when not).
//   node --import tsx bench/resolve.ts [--projects 2000] [--sets 8] [--rounds 2] [--modes http-cold,http-warm,dir-cold,dir-warm,resolvelib] [--cli PATH]
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt } from './_synthetic.js';
import { flatDirectory, generateIndex, serveStatic, snapshotIndex, type SnapshotIndex } from './_index-gen.js';
import { markerEnvironmentFor, parseTarget } from '../src/pep/environment.js';
import { parseCoreMetadata } from '../src/pep/metadata.js';
import { canonicalizeName } from '../src/pep/name.js';
import { Requirement } from '../src/pep/requirement.js';
import { Version } from '../src/pep/version.js';

const { values } = parseArgs({
  options: {
    projects: { type: 'string', default: '2000' },
    sets: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '2' },
    modes: { type: 'string', default: 'http-cold,http-warm,dir-cold,dir-warm' },
    // Another build's CLI (an earlier commit built elsewhere), for before/after figures.
    cli: { type: 'string' },
  },
});
const cli = values.cli ?? join(import.meta.dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error('bench/resolve.ts runs the built CLI: run `npm run build` first');
const rounds = Math.max(1, Number(values.rounds));
const modes = values.modes.split(',').map((m) => m.trim());

// CPU time of each run (user + system, the child and its children) beside wall time, read from
// GNU time when the machine has it: on a shared machine the wall clock carries other work's delays.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
let timeFiles = 0;

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; cpuMs: number; code: number; stdout: string; stderr: string }> {
  const timeFile = gnuTime === undefined ? undefined : join(tmpdir(), `pyvouch-bench-time-${process.pid}-${timeFiles++}`);
  const [file, argv] = timeFile === undefined ? [cmd, args] : [gnuTime!, ['-f', '%U %S', '-o', timeFile, cmd, ...args]];
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(file, argv, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => {
      const ms = performance.now() - start;
      let cpuMs = Number.NaN;
      if (timeFile !== undefined) {
        const fields = readFileSync(timeFile, 'utf8').trim().split('\n').at(-1)!.split(' ').map(Number);
        cpuMs = ((fields[0] ?? Number.NaN) + (fields[1] ?? Number.NaN)) * 1000;
        rmSync(timeFile, { force: true });
      }
      resolve({ ms, cpuMs, code: code ?? -1, stdout, stderr });
    });
  });
}

const load = (): string => loadavg().map((l) => l.toFixed(1)).join(' ');
const dir = join(tmpdir(), 'pyvouch-bench-index');
const t0 = performance.now();
const index = generateIndex(dir, Number(values.projects), 1);
const flat = modes.some((m) => m.startsWith('dir')) ? flatDirectory(index) : '';
console.log(`resolver benchmark: ${fmt(index.projects.length)} projects (index ready in ${fmt((performance.now() - t0) / 1000, 1)} s); ${cpus().length} cpus, load ${load()}; best of ${rounds} alternating rounds`);
const { server, url } = await serveStatic(dir);
const work = mkdtempSync(join(tmpdir(), 'pyvouch-bench-resolve-'));

// pip: isolated from the machine's config (no extra find-links or indexes), quiet. `--isolated`
// ignores PIP_* variables, so the cache is chosen with flags.
const pipEnv = { PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' };
// pip resolves for the interpreter it runs on: pyvouch must target the same Python. pip runs from
// the interpreter's own path: `python3` may be a pyenv shim (a bash script that execs the real
// one), whose start-up is no part of pip's time.
const [pythonExe, python] = (await exec('python3', ['-c', 'import sys; print(sys.executable); print("%d.%d" % sys.version_info[:2])'])).stdout.trim().split('\n') as [string, string];
const floors = { pip: [] as number[], ours: [] as number[] };
for (let r = 0; r < 3; r++) {
  floors.pip.push((await exec(pythonExe, ['-m', 'pip', '--version'], pipEnv)).ms);
  floors.ours.push((await exec(process.execPath, [cli, '--version'])).ms);
}

interface Run {
  ms: number;
  cpuMs: number;
  versions: Map<string, string>;
  /** Set when the tool found no answer (resolvelib mode only: pip's resolver fails some cases). */
  failed?: string;
}

async function runPip(mode: string, set: readonly string[], i: number | string, indexUrl = url): Promise<Run> {
  const report = join(work, `pip-${mode}-${i}.json`);
  const source = mode.startsWith('dir') ? ['--no-index', '--find-links', flat] : ['--index-url', indexUrl];
  const cache = mode.endsWith('warm') ? ['--cache-dir', join(work, `pip-cache-${mode}`)] : ['--no-cache-dir'];
  const pip = await exec(pythonExe, ['-m', 'pip', 'install', '--isolated', '--dry-run', '--ignore-installed', '--quiet', '--report', report, ...cache, ...source, ...set], pipEnv);
  if (pip.code !== 0 && mode === 'resolvelib' && /ResolutionImpossible|ResolutionTooDeep/.test(pip.stderr)) {
    return { ms: pip.ms, cpuMs: pip.cpuMs, versions: new Map(), failed: /ResolutionTooDeep/.test(pip.stderr) ? 'ResolutionTooDeep' : 'ResolutionImpossible' };
  }
  if (pip.code !== 0) throw new Error(`pip failed on set ${i} (${mode}): ${pip.stderr.slice(0, 2000)}`);
  const doc = JSON.parse(readFileSync(report, 'utf8')) as { install: { metadata: { name: string; version: string } }[] };
  return { ms: pip.ms, cpuMs: pip.cpuMs, versions: new Map(doc.install.map((x) => [x.metadata.name, x.metadata.version])) };
}

async function runOurs(mode: string, set: readonly string[], i: number | string, indexUrl = url): Promise<Run> {
  const source = mode.startsWith('dir') ? flat : indexUrl;
  const warm = mode.endsWith('warm');
  const home = join(work, warm ? `home-${mode}` : `home-cold-${i}`);
  if (!warm) rmSync(home, { recursive: true, force: true });
  mkdirSync(home, { recursive: true });
  const ours = await exec(process.execPath, [cli, 'resolve', ...set, '--index', source, ...(warm ? [] : ['--no-cache']), '--format', 'json', '--python', python], { NO_COLOR: '1', PYVOUCH_HOME: home });
  if (ours.code !== 0) throw new Error(`pyvouch failed on set ${i} (${mode}): ${ours.stderr.slice(0, 2000)}`);
  return { ms: ours.ms, cpuMs: ours.cpuMs, versions: new Map((JSON.parse(ours.stdout) as { nodes: { name: string; version: string }[] }).nodes.map((n) => [n.name, n.version])) };
}

function difference(pip: Map<string, string>, ours: Map<string, string>): string {
  const out: string[] = [];
  for (const [n, v] of pip) if (ours.get(n) !== v) out.push(`${n} pip ${v} / pyvouch ${ours.get(n) ?? '-'}`);
  for (const [n, v] of ours) if (!pip.has(n)) out.push(`${n} pip - / pyvouch ${v}`);
  return out.slice(0, 6).join('; ') + (out.length > 6 ? `; … ${out.length - 6} more` : '');
}

/**
 * Whether a set of chosen versions is a solution: every root and every dependency (markers
 * evaluated for the Python both targeted, on Linux) is chosen in a version its specifier allows.
 * Read from the index's own metadata files, so two different answers can both be judged.
 */
function validSolution(roots: readonly string[], chosen: Map<string, string>): boolean {
  const env = markerEnvironmentFor(parseTarget({ python, platform: 'linux' }));
  const versions = new Map([...chosen].map(([n, v]) => [canonicalizeName(n), v]));
  const satisfied = (req: Requirement): boolean => {
    const v = versions.get(canonicalizeName(req.name));
    return v !== undefined && req.specifier.contains(v, { prereleases: true });
  };
  if (!roots.every((r) => satisfied(new Requirement(r)))) return false;
  for (const [name, version] of versions) {
    const file = `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl.metadata`;
    const meta = parseCoreMetadata(readFileSync(join(dir, 'simple', name, file), 'utf8'));
    for (const req of meta.requiresDist) {
      if (req.marker !== null && !req.marker.evaluate({ ...env, extra: '' })) continue;
      if (!satisfied(req)) return false;
    }
  }
  return true;
}

/**
 * Whether `chosen` solves `requested` on a resolvelib snapshot: every requirement that applies
 * (markers for the Python both targeted, on Linux, with the extras the solution itself asks for,
 * to a fixed point) is met by a chosen version.
 */
function validOnSnapshot(requested: readonly string[], chosen: Map<string, string>, snapshot: SnapshotIndex): string[] {
  const env = markerEnvironmentFor(parseTarget({ python, platform: 'linux' }));
  const versions = new Map([...chosen].map(([n, v]) => [canonicalizeName(n), new Version(v).toString()]));
  const deps = new Map([...snapshot.releases].map(([n, vs]) => [canonicalizeName(n), vs]));
  const problems: string[] = [];
  const extras = new Map<string, Set<string>>();
  const queue: Array<{ who: string; req: Requirement }> = requested.map((r) => ({ who: 'the request', req: new Requirement(r) }));
  const seen = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const { who, req } = queue[i]!;
    const name = canonicalizeName(req.name);
    const v = versions.get(name);
    if (v === undefined) {
      problems.push(`${who} needs ${req.toString()}: missing`);
      continue;
    }
    if (!req.specifier.contains(v, { prereleases: true })) problems.push(`${who} needs ${req.toString()}: got ${v}`);
    const wanted = extras.get(name) ?? new Set<string>();
    extras.set(name, wanted);
    for (const extra of ['', ...req.extras.map((e) => canonicalizeName(e)), ...wanted]) {
      wanted.add(extra);
      const key = `${name}@${v}[${extra}]`;
      if (seen.has(key)) continue;
      seen.add(key);
      for (const d of deps.get(name)?.get(v) ?? []) {
        const dep = new Requirement(d);
        const applies = dep.marker === null || (extra === '' ? dep.marker.evaluate({ ...env, extra: '' }) : dep.marker.evaluate({ ...env, extra }) && !dep.marker.evaluate({ ...env, extra: '' }));
        if (applies) queue.push({ who: `${name} ${v}${extra === '' ? '' : `[${extra}]`}`, req: dep });
      }
    }
  }
  return problems;
}

/** pip and pyvouch on each satisfiable resolvelib case, cold over HTTP, as new processes. */
async function resolvelibMode(): Promise<string> {
  const corpus = join(import.meta.dirname, '..', 'test', 'corpora', 'resolvelib');
  const root = join(tmpdir(), 'pyvouch-bench-resolvelib');
  console.log('\nresolvelib (cold, HTTP; snapshots of PyPI from 2020 written as indexes of tiny wheels)');
  console.log(`  ${'case'.padEnd(24)} ${'pkgs'.padStart(5)} ${'pip s'.padStart(8)} ${'pyvouch s'.padStart(10)} ${'ratio'.padStart(7)} ${'cpu pip/ours s'.padStart(15)}  answers`);
  const normalize = (version: string, deps: readonly string[]): string | undefined => {
    const v = Version.tryParse(version);
    if (v === null) return undefined;
    try {
      for (const d of deps) new Requirement(d);
    } catch {
      return undefined;
    }
    return v.toString();
  };
  let pipTotal = 0;
  let oursTotal = 0;
  let pipCpu = 0;
  let oursCpu = 0;
  for (const file of readdirSync(join(corpus, 'case')).sort()) {
    const c = JSON.parse(readFileSync(join(corpus, 'case', file), 'utf8')) as { index: string; requested: string[]; resolved?: Record<string, string | { version: string }> };
    if (c.resolved === undefined) continue; // an unsatisfiable case: nothing to time an answer of
    const snapshot = snapshotIndex(join(corpus, 'index', `${c.index}.json`), join(root, c.index), normalize);
    const served = await serveStatic(snapshot.dir);
    const name = file.replace(/\.json$/, '');
    try {
      let pip: Run | undefined;
      let ours: Run | undefined;
      for (let r = 0; r < rounds; r++) {
        const p = await runPip('resolvelib', c.requested, name, served.url);
        const o = await runOurs('resolvelib', c.requested, name, served.url);
        if (pip === undefined || p.ms < pip.ms) pip = { ...p, cpuMs: Math.min(p.cpuMs, pip?.cpuMs ?? Infinity) };
        else pip.cpuMs = Math.min(pip.cpuMs, p.cpuMs);
        if (ours === undefined || o.ms < ours.ms) ours = { ...o, cpuMs: Math.min(o.cpuMs, ours?.cpuMs ?? Infinity) };
        else ours.cpuMs = Math.min(ours.cpuMs, o.cpuMs);
      }
      const pipProblems = validOnSnapshot(c.requested, pip!.versions, snapshot);
      const ourProblems = validOnSnapshot(c.requested, ours!.versions, snapshot);
      const known = new Map(Object.entries(c.resolved).map(([n, v]) => [canonicalizeName(n), typeof v === 'string' ? v : v.version]));
      const isKnown = (m: Map<string, string>): boolean => [...known].every(([n, v]) => { const got = m.get(n) ?? [...m].find(([k]) => canonicalizeName(k) === n)?.[1]; return got !== undefined && new Version(got).sortKey === new Version(v).sortKey; });
      const verdict = (run: Run, p: string[], m: Map<string, string>): string =>
        run.failed !== undefined ? `no answer (${run.failed})` : p.length > 0 ? `INVALID (${p.slice(0, 2).join('; ')})` : isKnown(m) ? 'valid, the known answer' : 'valid';
      pipTotal += pip!.ms;
      oursTotal += ours!.ms;
      pipCpu += pip!.cpuMs;
      oursCpu += ours!.cpuMs;
      console.log(
        `  ${name.padEnd(24)} ${String(ours!.versions.size).padStart(5)} ${fmt(pip!.ms / 1000, 2).padStart(8)} ${fmt(ours!.ms / 1000, 2).padStart(10)} ${(pip!.ms / ours!.ms).toFixed(1).padStart(6)}x ${`${fmt(pip!.cpuMs / 1000, 2)}/${fmt(ours!.cpuMs / 1000, 2)}`.padStart(15)}  pip ${verdict(pip!, pipProblems, pip!.versions)}; pyvouch ${verdict(ours!, ourProblems, ours!.versions)}${snapshot.skipped.length > 0 ? ` (${snapshot.skipped.length} releases of the snapshot not valid PEP 440/508, left out)` : ''}`,
      );
    } finally {
      served.server.close();
    }
  }
  const line = `resolvelib: pip ${fmt(pipTotal / 1000, 1)} s, pyvouch ${fmt(oursTotal / 1000, 1)} s: ${(pipTotal / oursTotal).toFixed(1)}x (goal 30x); CPU ${fmt(pipCpu / 1000, 1)} s / ${fmt(oursCpu / 1000, 1)} s: ${(pipCpu / oursCpu).toFixed(1)}x`;
  console.log(`  total ${line}`);
  return line;
}

const sets = index.requirementSets.slice(0, Number(values.sets));
const summary: string[] = [];
for (const mode of modes) {
  if (mode === 'resolvelib') {
    summary.push(await resolvelibMode());
    continue;
  }
  console.log(`\n${mode}`);
  console.log(`  ${'set'.padEnd(4)} ${'roots'.padStart(5)} ${'pkgs'.padStart(5)} ${'pip s'.padStart(8)} ${'pyvouch s'.padStart(10)} ${'ratio'.padStart(7)} ${'cpu pip/ours s'.padStart(15)}  same versions`);
  let pipTotal = 0;
  let oursTotal = 0;
  let pipCpu = 0;
  let oursCpu = 0;
  let same = 0;
  const diffs: string[] = [];
  for (const [i, set] of sets.entries()) {
    if (mode.endsWith('warm')) {
      await runPip(mode, set, i);
      await runOurs(mode, set, i);
    }
    let pip: Run | undefined;
    let ours: Run | undefined;
    for (let r = 0; r < rounds; r++) {
      const p = await runPip(mode, set, i);
      const o = await runOurs(mode, set, i);
      if (pip === undefined || p.ms < pip.ms) pip = { ...p, cpuMs: Math.min(p.cpuMs, pip?.cpuMs ?? Infinity) };
      else pip.cpuMs = Math.min(pip.cpuMs, p.cpuMs);
      if (ours === undefined || o.ms < ours.ms) ours = { ...o, cpuMs: Math.min(o.cpuMs, ours?.cpuMs ?? Infinity) };
      else ours.cpuMs = Math.min(ours.cpuMs, o.cpuMs);
    }
    const equal = pip!.versions.size === ours!.versions.size && [...pip!.versions].every(([n, v]) => ours!.versions.get(n) === v);
    if (equal) same++;
    else {
      const valid = `pip's answer ${validSolution(set, pip!.versions) ? 'valid' : 'INVALID'}, pyvouch's ${validSolution(set, ours!.versions) ? 'valid' : 'INVALID'}`;
      diffs.push(`  set ${i} (${valid}): ${difference(pip!.versions, ours!.versions)}`);
    }
    pipTotal += pip!.ms;
    oursTotal += ours!.ms;
    pipCpu += pip!.cpuMs;
    oursCpu += ours!.cpuMs;
    console.log(
      `  ${String(i).padEnd(4)} ${String(set.length).padStart(5)} ${String(ours!.versions.size).padStart(5)} ${fmt(pip!.ms / 1000, 2).padStart(8)} ${fmt(ours!.ms / 1000, 2).padStart(10)} ${(pip!.ms / ours!.ms).toFixed(1).padStart(6)}x ${`${fmt(pip!.cpuMs / 1000, 2)}/${fmt(ours!.cpuMs / 1000, 2)}`.padStart(15)}  ${equal ? 'yes' : `no (pip ${pip!.versions.size} packages)`}`,
    );
  }
  for (const d of diffs) console.log(d);
  const line = `${mode}: pip ${fmt(pipTotal / 1000, 1)} s, pyvouch ${fmt(oursTotal / 1000, 1)} s: ${(pipTotal / oursTotal).toFixed(1)}x (goal 10x); CPU ${fmt(pipCpu / 1000, 1)} s / ${fmt(oursCpu / 1000, 1)} s: ${(pipCpu / oursCpu).toFixed(1)}x; same versions in ${same} of ${sets.length} sets`;
  console.log(`  total ${line}`);
  summary.push(line);
}
server.close();
console.log(`\nsummary (pip: ${pythonExe} -m pip, Python ${python}; load now ${load()}):`);
for (const s of summary) console.log(`  ${s}`);
console.log(`  start-up floors (--version, best of 3): pip ${fmt(Math.min(...floors.pip))} ms, pyvouch ${fmt(Math.min(...floors.ours))} ms`);
