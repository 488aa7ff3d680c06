// Resolver benchmark: `pyvouch resolve` against pip's resolver, side by side, on a generated index
// of 2,000 projects served over loopback HTTP (bench/_index-gen.ts). Each requirement set is
// resolved by both as a new process with no cache: pip with
// `pip install --dry-run --ignore-installed --report`, pyvouch with the built `dist/cli.js resolve
// --format json --no-cache`. Reports the times, their ratio (goal: pyvouch >= 10x faster) and
// whether both chose the same versions.
//   node --import tsx bench/resolve.ts [--projects 2000] [--sets 8]
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmt } from './_synthetic.js';
import { generateIndex, serveStatic } from './_index-gen.js';

const { values } = parseArgs({ options: { projects: { type: 'string', default: '2000' }, sets: { type: 'string', default: '8' } } });
const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
if (!existsSync(cli)) throw new Error('bench/resolve.ts runs the built CLI: run `npm run build` first');

function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; code: number; stdout: string; stderr: string }> {
  const start = performance.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ ms: performance.now() - start, code: code ?? -1, stdout, stderr }));
  });
}

const dir = join(tmpdir(), 'pyvouch-bench-index');
const t0 = performance.now();
const index = generateIndex(dir, Number(values.projects), 1);
console.log(`resolver benchmark: ${fmt(index.projects.length)} projects (index ready in ${fmt((performance.now() - t0) / 1000, 1)} s); ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(1)}`);
const { server, url } = await serveStatic(dir);
const work = mkdtempSync(join(tmpdir(), 'pyvouch-bench-resolve-'));

// pip: isolated from the machine's config (no extra find-links or indexes), quiet, no cache.
const pipEnv = { PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_CACHE_DIR: '1', PIP_NO_INPUT: '1' };
// pip resolves for the interpreter it runs on: pyvouch must target the same Python.
const python = (await exec('python3', ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'])).stdout.trim();
// Each tool's start-up floor in the same run, so the resolution work itself can be compared too.
const floors = { pip: [] as number[], ours: [] as number[] };
for (let r = 0; r < 3; r++) {
  floors.pip.push((await exec('python3', ['-m', 'pip', '--version'], pipEnv)).ms);
  floors.ours.push((await exec(process.execPath, [cli, '--version'])).ms);
}
const pipFloor = Math.min(...floors.pip);
const ourFloor = Math.min(...floors.ours);
let pipTotal = 0;
let oursTotal = 0;
let same = 0;
const sets = index.requirementSets.slice(0, Number(values.sets));
console.log(`  ${'set'.padEnd(4)} ${'roots'.padStart(5)} ${'pkgs'.padStart(5)} ${'pip s'.padStart(8)} ${'pyvouch s'.padStart(10)} ${'ratio'.padStart(7)}  same versions`);
for (const [i, set] of sets.entries()) {
  const report = join(work, `pip-${i}.json`);
  const pip = await exec('python3', ['-m', 'pip', 'install', '--isolated', '--dry-run', '--ignore-installed', '--quiet', '--report', report, '--index-url', url, ...set], pipEnv);
  if (pip.code !== 0) throw new Error(`pip failed on set ${i}: ${pip.stderr.slice(0, 2000)}`);
  const pipVersions = new Map(
    (JSON.parse(readFileSync(report, 'utf8')) as { install: { metadata: { name: string; version: string } }[] }).install.map((x) => [x.metadata.name, x.metadata.version]),
  );
  const ours = await exec(process.execPath, [cli, 'resolve', ...set, '--index', url, '--no-cache', '--format', 'json', '--python', python], { NO_COLOR: '1', PYVOUCH_HOME: work });
  if (ours.code !== 0) throw new Error(`pyvouch failed on set ${i}: ${ours.stderr.slice(0, 2000)}`);
  const ourVersions = new Map((JSON.parse(ours.stdout) as { nodes: { name: string; version: string }[] }).nodes.map((n) => [n.name, n.version]));
  const equal = pipVersions.size === ourVersions.size && [...pipVersions].every(([n, v]) => ourVersions.get(n) === v);
  if (equal) same++;
  pipTotal += pip.ms;
  oursTotal += ours.ms;
  console.log(
    `  ${String(i).padEnd(4)} ${String(set.length).padStart(5)} ${String(ourVersions.size).padStart(5)} ${fmt(pip.ms / 1000, 2).padStart(8)} ${fmt(ours.ms / 1000, 2).padStart(10)} ${(pip.ms / ours.ms).toFixed(1).padStart(6)}x  ${equal ? 'yes' : `no (pip ${pipVersions.size} packages)`}`,
  );
}
server.close();
console.log(`  total: pip ${fmt(pipTotal / 1000, 1)} s, pyvouch ${fmt(oursTotal / 1000, 1)} s: pyvouch ${(pipTotal / oursTotal).toFixed(1)}x faster per process (goal 10x); same versions in ${same} of ${sets.length} sets (Python ${python})`);
const pipWork = pipTotal - pipFloor * sets.length;
const ourWork = oursTotal - ourFloor * sets.length;
console.log(`  start-up floors (--version): pip ${fmt(pipFloor)} ms, pyvouch ${fmt(ourFloor)} ms; without them: pip ${fmt(pipWork / 1000, 1)} s, pyvouch ${fmt(ourWork / 1000, 1)} s: ${(pipWork / ourWork).toFixed(1)}x`);
