// Micro-benchmark of the PEP 440 layer (src/pep/version.ts, specifier.ts) beside pypa/packaging
// doing the same work on the same inputs (bench/pep_peer.py). Run: node --import tsx bench/pep.ts

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpecifierSet } from '../src/pep/specifier.js';
import { Version } from '../src/pep/version.js';

const MIN_SECONDS = Number(process.env.PEP_BENCH_SECONDS ?? 0.3);
const REPEATS = 3;
const ROUNDS = Number(process.env.PEP_BENCH_ROUNDS ?? 2);
const GENERATED = 4000;

const corpus = new URL('../test/corpora/packaging/', import.meta.url);
function corpusStrings(): string[] {
  const read = (name: string): unknown[] => JSON.parse(readFileSync(new URL(name, corpus), 'utf8')) as unknown[];
  const out = new Set<string>();
  for (const c of read('versions.json') as Array<{ input: string; valid: boolean }>) if (c.valid) out.add(c.input);
  for (const s of read('version-ordering.json') as string[]) out.add(s);
  for (const p of read('version-pairs.json') as Array<{ a: string; b: string }>) out.add(p.a).add(p.b);
  for (const c of read('specifier-contains.json') as Array<{ version: string }>) out.add(c.version);
  return [...out].filter((s) => Version.tryParse(s) !== null);
}

// Deterministic, so both runs and every rerun see the same inputs (mulberry32).
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Versions shaped like PyPI's: mostly X.Y.Z, some calendar versions, pre/post/dev and locals. */
function generatedVersions(count: number): string[] {
  const rnd = random(440);
  const int = (n: number) => Math.floor(rnd() * n);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const r = rnd();
    let v =
      r < 0.1
        ? `20${10 + int(16)}.${1 + int(12)}.${int(30)}`
        : r < 0.3
          ? `${int(5)}.${int(30)}`
          : `${int(10)}.${int(40)}.${int(20)}`;
    const s = rnd();
    if (s < 0.06) v += `rc${1 + int(3)}`;
    else if (s < 0.1) v += `b${1 + int(3)}`;
    else if (s < 0.13) v += `a${1 + int(3)}`;
    else if (s < 0.16) v += `.post${1 + int(3)}`;
    else if (s < 0.19) v += `.dev${int(50)}`;
    if (rnd() < 0.03) v += `+cu${110 + int(20)}`;
    out.push(v);
  }
  return out;
}

const SPECIFIERS = [
  '>=1.0',
  '>=2.0,<3',
  '~=1.4.2',
  '==1.2.*',
  '!=1.5,>=1.0,<2.0',
  '>=3.8',
  '>=1.26.0,<2',
  '==2.31.0',
  '>=1.0a1',
  '<4.0,>=3.7,!=3.9.*',
  '~=2022.1',
  '>1.0.post1',
  '<=0.9',
  '!=2.*,>=1.0',
  '',
];

function bestRate(work: () => unknown, operations: number): number {
  let best = 0;
  for (let r = 0; r < REPEATS; r++) {
    let rounds = 0;
    const start = performance.now();
    let elapsed = 0;
    do {
      work();
      rounds++;
      elapsed = (performance.now() - start) / 1000;
    } while (elapsed < MIN_SECONDS);
    best = Math.max(best, (operations * rounds) / elapsed);
  }
  return best;
}

const texts = [...corpusStrings(), ...generatedVersions(GENERATED)];
const sets = SPECIFIERS.map((s) => new SpecifierSet(s));
const parsed = texts.map((t) => new Version(t));

let sink = 0;
function parseAll(): void {
  for (const t of texts) if (Version.tryParse(t) !== null) sink++;
}
function containsStrings(): number {
  let hits = 0;
  for (const set of sets) for (const t of texts) if (set.contains(t)) hits++;
  return hits;
}
function containsParsed(): number {
  let hits = 0;
  for (const set of sets) for (const v of parsed) if (set.contains(v)) hits++;
  return hits;
}
function sortParsed(): Version[] {
  return [...parsed].sort(Version.compare);
}

const checks = {
  normalized: parsed.slice(0, 50).map(String),
  contains_hits: containsStrings(),
  contains_parsed_hits: containsParsed(),
  sorted_head: sortParsed().slice(0, 20).map(String),
};
const n = texts.length;
type Rates = { parse: number; contains_str: number; contains_parsed: number; sort: number };
function measureOurs(): Rates {
  return {
    parse: bestRate(parseAll, n),
    contains_str: bestRate(containsStrings, n * sets.length),
    contains_parsed: bestRate(containsParsed, n * sets.length),
    sort: bestRate(sortParsed, n),
  };
}

interface PeerResult {
  packaging: string;
  python: string;
  rates: Rates;
  checks: typeof checks;
}
function runPeer(input: string): PeerResult | string {
  const run = spawnSync('python3', [new URL('pep_peer.py', import.meta.url).pathname, input], { encoding: 'utf8' });
  if (run.status === 0) return JSON.parse(run.stdout) as PeerResult;
  return (run.error?.message ?? run.stderr).trim().split('\n').slice(-1)[0] ?? 'failed';
}

function best(a: Rates, b: Rates): Rates {
  return {
    parse: Math.max(a.parse, b.parse),
    contains_str: Math.max(a.contains_str, b.contains_str),
    contains_parsed: Math.max(a.contains_parsed, b.contains_parsed),
    sort: Math.max(a.sort, b.sort),
  };
}

// Both sides run in alternation and keep their best figures, so a busy machine skews them alike.
function runBoth(): { mine: Rates; peer: PeerResult | null; peerError: string } {
  let mine = measureOurs();
  let peer: PeerResult | null = null;
  let peerError = '';
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-bench-pep-'));
  try {
    const input = join(dir, 'input.json');
    writeFileSync(input, JSON.stringify({ versions: texts, specifiers: SPECIFIERS, min_seconds: MIN_SECONDS, repeats: REPEATS }));
    for (let round = 0; round < ROUNDS; round++) {
      if (round > 0) mine = best(mine, measureOurs());
      const result = runPeer(input);
      if (typeof result === 'string') {
        peerError = result;
        break;
      }
      peer = peer === null ? result : { ...result, rates: best(peer.rates, result.rates) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { mine, peer, peerError };
}
const { mine, peer, peerError } = runBoth();

const rate = (x: number) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)} M/s` : `${(x / 1e3).toFixed(1)} k/s`);
const rows: Array<[string, keyof Rates]> = [
  ['Version parse', 'parse'],
  ['SpecifierSet.contains(str)', 'contains_str'],
  ['SpecifierSet.contains(Version)', 'contains_parsed'],
  ['sort Versions (per item)', 'sort'],
];
console.log(`PEP 440 bench: ${n} versions (${n - GENERATED} from the corpus, ${GENERATED} generated), ${sets.length} specifier sets`);
console.log(peer ? `peer: packaging ${peer.packaging} on Python ${peer.python}` : `peer: not run (${peerError})`);
console.log(`best of ${ROUNDS} alternating rounds x ${REPEATS} runs of >=${MIN_SECONDS}s; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}`);
console.log('');
console.log(`${'workload'.padEnd(32)} ${'pyvouch'.padStart(12)} ${'packaging'.padStart(12)} ${'ratio'.padStart(8)}`);
for (const [label, key] of rows) {
  const theirs = peer?.rates[key];
  console.log(
    `${label.padEnd(32)} ${rate(mine[key]).padStart(12)} ${(theirs ? rate(theirs) : '-').padStart(12)} ${(theirs ? `${(mine[key] / theirs).toFixed(1)}x` : '-').padStart(8)}`,
  );
}
if (peer) {
  const same = JSON.stringify(peer.checks) === JSON.stringify(checks);
  console.log(`\nsame answers as packaging (normal forms, contains hits ${checks.contains_hits}, sort order): ${same ? 'yes' : 'NO'}`);
  if (!same) process.exitCode = 1;
}
if (sink < 0) console.log(sink);
