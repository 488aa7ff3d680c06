// Policy benchmark (issue: policy and check).
//  A. evaluatePolicy on a synthetic 1,000-node graph against 1M statements (goal < 150 ms of
//     evaluation; indexing the statements is reported apart, as the CLI indexes once).
//  B. a cold `pyvouch check` (a new process: node start, lock read, store read, evaluation,
//     rendering) of a 300-package lock with 100k signed statements in the embedded store (goal
//     < 0.6 s), next to the start-up of `node dist/cli.js --version` in the same run as the floor.
//   node --import tsx bench/policy.ts [--statements 1000000] [--check-statements 100000] [--runs 5]
// Part B runs the built CLI: `npm run build` first.
import { spawnSync } from 'node:child_process';
import { verify } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { Session } from 'node:inspector/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Statement, StoredStatement } from '../src/attest/types.js';
import { pae } from '../src/attest/dsse.js';
import { verificationKeyForDid } from '../src/attest/keys.js';
import { verifyStatementEnvelope } from '../src/attest/verify.js';
import type { Graph, GraphEdge, GraphNode } from '../src/graph/graph.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { evaluatePolicy } from '../src/trust/evaluate.js';
import { parsePolicyToml } from '../src/trust/parse.js';
import { indexStatements } from '../src/trust/statements.js';
import { seedPolicyText } from '../test/support/policy.js';
import {
  fileDigest,
  fmt,
  identities,
  median,
  packageName,
  plainStatement,
  releaseVersion,
  rng,
  sdistName,
  sha256,
  signPlanned,
  wheelName,
} from './_synthetic.js';

const { values } = parseArgs({
  options: {
    statements: { type: 'string', default: '1000000' },
    'check-statements': { type: 'string', default: '100000' },
    runs: { type: 'string', default: '5' },
    skip: { type: 'string', default: '' },
    // Keeps part B's directory (lock, policy, store, index snapshot) and prints it, for profiling.
    keep: { type: 'boolean', default: false },
    // Writes a V8 CPU profile of part A's evaluation runs (first and last) to this path prefix.
    'profile-eval': { type: 'string' },
  },
});
const runs = Number(values.runs);
const skip = new Set(values.skip.split(','));
console.log(`policy benchmark; ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(1)}`);

/** CPU ms (user + system) this process has used. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/**
 * CPU ms used by the waited-for children, from /proc (Linux; undefined elsewhere). On a shared
 * machine wall time swells with the load, while a process's CPU time hardly does.
 */
function childCpuMs(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5), cutime and cstime, in USER_HZ (100 per second).
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return undefined;
  }
}

const KINDS = ['assess', 'review', 'vote', 'like'] as const;
const PARTY_SIZE = 12;

function policyText(members: string[], curator: string): string {
  return `${seedPolicyText(curator, members)}
[[level]]
kind = "audited"

[[level]]
kind = "voted"
name = "community"
min-voters = 3
weight = 1.0

[trust]
max-depth = 2
`;
}

/** A graph of `size` packages (pkg ids 0..size-1) with 1-4 dependencies each on later packages. */
function syntheticGraph(size: number, random: () => number): Graph {
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  for (let i = 0; i < size; i++) {
    const name = packageName(i);
    const version = releaseVersion(i, 3);
    nodes.push({
      name,
      version,
      metadata: 'lock',
      artifacts: [wheelName(name, version), sdistName(name, version)].map((filename) => ({
        filename,
        sha256: fileDigest(filename),
        kind: filename.endsWith('.whl') ? ('wheel' as const) : ('sdist' as const),
        index: 'https://pypi.org/simple',
      })),
    });
    const deps = 1 + Math.floor(random() * 4);
    for (let d = 0; d < deps && i + 1 < size; d++) {
      const to = i + 1 + Math.floor(random() * Math.min(50, size - i - 1));
      edges.push({ from: name, to: packageName(to), specifier: '', marker: null, extras: [] });
    }
  }
  return { source: { format: 'uv.lock' }, environment: { python: '3.12', platform: 'linux', machine: 'x86_64', implementation: 'cpython' }, roots: [packageName(0)], nodes, edges, edgesKnown: true, diagnostics: [] };
}

// ---------------------------------------------------------------- A. pure evaluation
if (!skip.has('eval')) {
  const n = Number(values.statements);
  const random = rng(7);
  const signerCount = 20_000;
  const signers = Array.from({ length: signerCount }, (_, i) => `did:key:z6MkBench${i.toString(36).padStart(8, '0')}`);
  const members = signers.slice(0, PARTY_SIZE);
  const graph = syntheticGraph(1000, random);
  let t0 = performance.now();
  const statements: Statement[] = [];
  for (let i = 0; i < n; i++) {
    // 2% of statements are about the graph's exact releases, by party members mostly; the rest
    // about other releases and other packages (a shared feed holds far more than one lock needs).
    const inGraph = random() < 0.02;
    const p = inGraph ? Math.floor(random() * 1000) : Math.floor(random() * 50_000);
    const agent = inGraph && random() < 0.5 ? members[Math.floor(random() * members.length)]! : signers[Math.floor(random() * signerCount)]!;
    statements.push(
      plainStatement(i, {
        agent,
        kind: KINDS[i % KINDS.length]!,
        name: packageName(p),
        version: releaseVersion(p, inGraph ? 3 : Math.floor(random() * 6)),
        startTime: '2026-06-01T00:00:00Z',
      }),
    );
  }
  // Trust statements: each member trusts a few others (transitive trust, depth 2).
  for (let i = 0; i < 2000; i++) {
    const from = i < 200 ? members[i % members.length]! : signers[Math.floor(random() * signerCount)]!;
    statements.push({
      id: sha256(`trust ${i}`),
      kind: 'trust',
      predicateType: 'https://pyvouch.dev/attestation/trust/v1',
      agent: from,
      startTime: '2026-06-01T00:00:00Z',
      description: '',
      subjects: [],
      criteria: [],
      trust: { subject: signers[Math.floor(random() * signerCount)]!, level: 'medium', criteria: [] },
    });
  }
  console.log(`A. synthetic graph ${graph.nodes.length} nodes, ${fmt(statements.length)} statements (built in ${fmt((performance.now() - t0) / 1000, 1)} s)`);
  const policy = parsePolicyToml(policyText(members, signers[PARTY_SIZE]!));
  t0 = performance.now();
  const index = indexStatements(statements);
  const indexMs = performance.now() - t0;
  const now = new Date('2026-11-01T00:00:00Z');
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let passed = 0;
  const total = Math.max(runs, 3);
  const profile = values['profile-eval'] === undefined ? undefined : new Session();
  profile?.connect();
  for (let r = 0; r < total; r++) {
    const profiled = profile !== undefined && (r === 0 || r === total - 1);
    if (profiled) {
      await profile.post('Profiler.enable');
      await profile.post('Profiler.start');
    }
    const cpu = cpuMs();
    const start = performance.now();
    const report = evaluatePolicy(graph, index, policy, { now });
    times.push(performance.now() - start);
    cpuTimes.push(cpuMs() - cpu);
    passed = report.counts.pass;
    if (profiled) {
      const { profile: data } = await profile.post('Profiler.stop');
      writeFileSync(`${values['profile-eval']!}-${r === 0 ? 'first' : 'last'}.cpuprofile`, JSON.stringify(data));
    }
  }
  profile?.disconnect();
  console.log(`   indexing ${fmt(statements.length)} statements: ${fmt(indexMs)} ms (once per run of the CLI)`);
  console.log(`   evaluatePolicy: first ${fmt(times[0]!, 1)} ms, median ${fmt(median(times), 1)} ms (goal < 150 ms); ${passed} of ${graph.nodes.length} nodes pass`);
  console.log(`   evaluatePolicy CPU time: first ${fmt(cpuTimes[0]!, 1)} ms, median ${fmt(median(cpuTimes), 1)} ms`);
}

// ---------------------------------------------------------------- B. cold `pyvouch check`
if (!skip.has('check')) {
  const cli = join(import.meta.dirname, '..', 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error('bench B runs the built CLI: run `npm run build` first');
  const n = Number(values['check-statements']);
  const random = rng(11);
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-bench-check-'));
  const people = identities(60, 'check');
  const members = people.slice(0, PARTY_SIZE).map((p) => p.did);
  // A 300-package pip-compile lock with hashes and `# via` edges.
  const lines: string[] = ['# generated by bench/policy.ts'];
  const size = 300;
  const parents = new Map<number, number[]>();
  for (let i = 1; i < size; i++) parents.set(i, [Math.floor(random() * i)]);
  for (let i = 0; i < size; i++) {
    const name = packageName(i);
    const version = releaseVersion(i, 3);
    lines.push(`${name}==${version} \\`);
    lines.push(`    --hash=sha256:${fileDigest(wheelName(name, version))} \\`);
    lines.push(`    --hash=sha256:${fileDigest(sdistName(name, version))}`);
    lines.push(i === 0 ? '    # via -r requirements.in' : `    # via ${(parents.get(i) ?? []).map(packageName).join(', ')}`);
  }
  writeFileSync(join(dir, 'requirements.txt'), `${lines.join('\n')}\n`);
  // The index party is confirmed against a local snapshot of its project pages (PEP 691 JSON), as
  // `check --index-mirror` reads one: asking pypi.org for 300 pages is not what is measured here,
  // and this machine may have no network (each page then waits for its time-out).
  const mirror = join(dir, 'index');
  for (let i = 0; i < size; i++) {
    const name = packageName(i);
    const version = releaseVersion(i, 3);
    const files = [wheelName(name, version), sdistName(name, version)].map((filename) => ({
      filename,
      url: `https://files.example/${filename}`,
      hashes: { sha256: fileDigest(filename) },
    }));
    mkdirSync(join(mirror, name), { recursive: true });
    writeFileSync(join(mirror, name, 'index.json'), JSON.stringify({ meta: { 'api-version': '1.1' }, name, files }));
  }
  writeFileSync(join(dir, 'pyvouch.toml'), policyText(members, people[PARTY_SIZE]!.did));

  const t0 = performance.now();
  const stored: StoredStatement[] = [];
  /** The statements `check` reads: those about the lock's packages. */
  const aboutLock: StoredStatement[] = [];
  const lockIds = new Set<string>();
  for (let i = 0; i < n; i++) {
    const inLock = random() < 0.15;
    const p = inLock ? Math.floor(random() * size) : size + Math.floor(random() * 20_000);
    const signer = inLock && random() < 0.6 ? people[Math.floor(random() * PARTY_SIZE)]! : people[Math.floor(random() * people.length)]!;
    const envelope = signPlanned({
      signer,
      kind: KINDS[i % KINDS.length]!,
      name: packageName(p),
      version: releaseVersion(p, inLock && random() < 0.7 ? 3 : Math.floor(random() * 6)),
      startTime: '2026-06-01T00:00:00Z',
    });
    stored.push(verifyStatementEnvelope(envelope));
    // Equal plans sign equal statements (Ed25519 is deterministic): the store keeps one of each.
    if (p < size && !lockIds.has(stored.at(-1)!.statement.id)) {
      lockIds.add(stored.at(-1)!.statement.id);
      aboutLock.push(stored.at(-1)!);
    }
  }
  const store = openSqliteStore(join(dir, 'pyvouch.db'));
  for (let i = 0; i < stored.length; i += 5000) await store.put(stored.slice(i, i + 5000));
  await store.close();
  console.log(`B. 300-package lock, ${fmt(n)} signed statements in SQLite (made in ${fmt((performance.now() - t0) / 1000, 1)} s)`);

  // The peer: raw node:crypto Ed25519 verification of exactly the envelopes `check` reads (the DSSE
  // PAE bytes and the keys prepared beforehand), what verifying every one of them on each read costs.
  const keys = new Map<string, ReturnType<typeof verificationKeyForDid>>();
  const prepared = aboutLock.map((s) => {
    const key = keys.get(s.statement.agent) ?? verificationKeyForDid(s.statement.agent);
    keys.set(s.statement.agent, key);
    const payload = Buffer.from(s.envelope.payload, 'base64');
    return { message: pae(s.envelope.payloadType, payload), sig: Buffer.from(s.envelope.signatures[0]!.sig, 'base64'), key };
  });
  const peerCpu = cpuMs();
  const peerStart = performance.now();
  for (const x of prepared) if (!verify(null, x.message, x.key, x.sig)) throw new Error('a benchmark envelope does not verify');
  const peerMs = performance.now() - peerStart;
  const peerCpuMs = cpuMs() - peerCpu;

  const timeCommand = (args: string[]): { ms: number; cpu: number | undefined; code: number } => {
    const cpu = childCpuMs();
    const start = performance.now();
    const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PYVOUCH_HOME: dir } });
    const ms = performance.now() - start;
    const after = childCpuMs();
    return { ms, cpu: cpu === undefined || after === undefined ? undefined : after - cpu, code: r.status ?? -1 };
  };
  const checkArgs = ['check', join(dir, 'requirements.txt'), '--policy', join(dir, 'pyvouch.toml'), '--store', join(dir, 'pyvouch.db'), '--format', 'json', '--output', join(dir, 'out.json'), '--index-mirror', mirror];
  timeCommand(['--version']);
  // The first check finds an empty verified cache (PYVOUCH_HOME is new): it verifies every
  // envelope it reads. The later ones, new processes too, find the cache the first one wrote.
  const first = timeCommand(checkArgs);
  const checks: { ms: number; cpu: number | undefined }[] = [];
  const starts: { ms: number; cpu: number | undefined }[] = [];
  for (let r = 0; r < runs; r++) {
    checks.push(timeCommand(checkArgs));
    starts.push(timeCommand(['--version']));
  }
  const cpuText = (list: { cpu: number | undefined }[]): string =>
    list.every((x) => x.cpu !== undefined) ? `, CPU ${fmt(median(list.map((x) => x.cpu!)))} ms` : '';
  const checkMs = median(checks.map((x) => x.ms));
  console.log(`   statements about the lock's packages: ${fmt(aboutLock.length)} (what check reads and verifies)`);
  console.log(`   peer, raw node:crypto Ed25519 verify of those ${fmt(aboutLock.length)} envelopes: ${fmt(peerMs)} ms (CPU ${fmt(peerCpuMs)} ms; ${fmt(aboutLock.length / (peerMs / 1000))}/s)`);
  console.log(`   pyvouch check, first (empty verified cache): ${fmt(first.ms)} ms${first.cpu === undefined ? '' : ` (CPU ${fmt(first.cpu)} ms)`}, ${fmt(first.ms / peerMs, 2)}x the raw verify, exit ${first.code}`);
  console.log(`   pyvouch check (new process each run, verified cache warm): median ${fmt(checkMs)} ms${cpuText(checks)} (goal < 600 ms), ${fmt(checkMs / peerMs, 2)}x the raw verify`);
  console.log(`   node dist/cli.js --version (start-up floor, same run): median ${fmt(median(starts.map((x) => x.ms)))} ms${cpuText(starts)}`);
  if (values.keep) console.log(`   kept ${dir}: ${[process.execPath, cli, ...checkArgs].join(' ')}`);
  else rmSync(dir, { recursive: true, force: true });
}
