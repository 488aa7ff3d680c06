// Gated index benchmark: a cached project page of `pyvouch serve` against nginx serving the very
// same bytes, both driven by wrk with pip's Accept header, in one run.
//   node --import tsx bench/serve.ts [--duration 10] [--warmup 2] [--rounds 1] [--connections 32] [--threads 2]
//                                    [--versions 40] [--mode filter] [--ttl 60]
// pyvouch runs as a child process from the built dist/cli.js (`npm run build` first), so the load
// generator, nginx and the server do not share a thread. Its upstream is a directory of real
// wheels, every file reviewed by the policy's reviewer, so filter mode lists them all. The page is
// warmed, saved, and served by nginx from a temporary directory with `worker_processes 1` (the
// fair peer for one Node thread) and `auto`, and by a bare node:http handler that answers with the
// same bytes (the ceiling of any Node server). Goal (issue 6): >= 70% of nginx's req/s, p99 < 5 ms.
// Needs wrk and nginx from Debian (`apt-get install wrk nginx`).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateIdentity } from '../src/attest/keys.js';
import { listeningOrigin } from '../test/support/listening.js';
import { children, cli, freePort, needTools, onExit, PIP_ACCEPT, PROJECT, root, statement, stop, TOKEN, wrkArgs, wrkLatency, writeNginxConf, writeReleases, writeReviewerPolicy } from './_serve-common.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
    versions: { type: 'string', default: '40' },
    mode: { type: 'string', default: 'filter' },
    warmup: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '1' },
    ttl: { type: 'string', default: '60' },
  },
});
const duration = Number(values.duration);
const connections = Number(values.connections);
const threads = Number(values.threads);
const versions = Number(values.versions);
const warmup = Number(values.warmup);
const rounds = Math.max(1, Number(values.rounds));
/** --upstream-ttl and --decision-ttl of the server (its defaults): when the cached page is re-checked. */
const ttl = values.ttl;
const mode = values.mode;
if (!['filter', 'deny', 'audit'].includes(mode)) throw new Error(`--mode must be filter, deny or audit, got '${mode}'`);

needTools('bench/serve.ts', [
  ['wrk', 'apt-get install wrk'],
  ['nginx', 'apt-get install nginx'],
]);

/** The newest source file, when it is newer than the build (the figures would be of old code). */
function newerSource(dir: string, than: number): string | undefined {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      const found = newerSource(path, than);
      if (found !== undefined) return found;
    } else if (entry.name.endsWith('.ts') && statSync(path).mtimeMs > than) return path;
  }
  return undefined;
}

let work = '';
onExit(() => {
  if (work !== '') rmSync(work, { recursive: true, force: true });
});

async function waitFor(url: string, what: string, child: ChildProcess, log: () => string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}:\n${log()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not answer ${url} within 10 s:\n${log()}`);
}

/** `pyvouch serve` from dist/, listening on a free port; resolves with its origin. */
async function startPyvouch(upstream: string, policy: string): Promise<{ origin: string; child: ChildProcess }> {
  // PYVOUCH_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' profiles the server (NODE_OPTIONS refuses --cpu-prof).
  const nodeArgs = (process.env['PYVOUCH_BENCH_NODE_ARGS'] ?? '').split(/\s+/).filter((a) => a !== '');
  const child = spawn(
    process.execPath,
    [...nodeArgs, cli, 'serve', '--upstream', upstream, '--policy', policy, '--store', join(work, 'pyvouch.db'), '--cache-dir', join(work, 'cache'), '--mode', mode, '--upstream-ttl', ttl, '--decision-ttl', ttl, '--listen', '127.0.0.1:0'],
    { env: { ...process.env, PYVOUCH_ADMIN_TOKEN: TOKEN, PYVOUCH_HOME: join(work, 'home'), NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const origin = await listeningOrigin(child, () => stderr, 20_000);
  return { origin, child };
}

/** nginx in the foreground from a configuration in `dir`, serving `docroot` on `port`. */
async function startNginx(dir: string, docroot: string, port: number, workers: string, contentType: string): Promise<ChildProcess> {
  const conf = writeNginxConf(dir, workers, 1024, [
    '  keepalive_timeout 65;',
    '  types { }',
    `  default_type "${contentType}";`,
    '  server {',
    `    listen 127.0.0.1:${port};`,
    `    root ${docroot};`,
    '    index index.html;',
    // The same headers pyvouch sends beside Content-Type/Length and ETag (which nginx adds itself).
    '    add_header Vary Accept;',
    '    add_header Cache-Control no-cache;',
    '    add_header X-Content-Type-Options nosniff;',
    '  }',
  ]);
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await waitFor(`http://127.0.0.1:${port}/`, 'nginx', child, () => stderr);
  return child;
}

interface WrkResult {
  requests: number;
  rps: number;
  p50: number;
  p99: number;
  errors: string[];
}

function wrk(url: string, seconds: number, script: string): WrkResult {
  const args = wrkArgs(threads, connections, seconds, script, url);
  const r = spawnSync('wrk', args, { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`wrk ${args.join(' ')} failed (${r.status}):\n${r.stderr}${r.stdout}`);
  const out = r.stdout;
  const pct = (p: string): number => {
    const value = wrkLatency(out, p);
    if (value === undefined) throw new Error(`no ${p}% latency in wrk's output:\n${out}`);
    return value;
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const total = /(\d+) requests in/.exec(out);
  if (rps === null || total === null) throw new Error(`cannot read wrk's output:\n${out}`);
  const errors: string[] = [];
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (non2xx !== null) errors.push(`${non2xx[1]} non-2xx answers`);
  const socket = /Socket errors: (.*)/.exec(out);
  if (socket !== null) errors.push(`socket errors: ${socket[1]}`);
  return { requests: Number(total[1]), rps: Number(rps[1]), p50: pct('50'), p99: pct('99'), errors };
}

async function main(): Promise<void> {
  const built = statSync(cli).mtimeMs;
  const stale = newerSource(join(root, 'src'), built);
  work = mkdtempSync(join(tmpdir(), 'pyvouch-bench-serve-'));
  chmodSync(work, 0o755);

  // Upstream: a directory of real wheels, a few per release like a project with binary builds.
  const upstream = join(work, 'upstream', PROJECT);
  mkdirSync(upstream, { recursive: true });
  const releases = writeReleases(upstream, versions, { requires: ['requests>=2', 'attrs; python_version < "3.11"'] });
  const reviewer = generateIdentity({ name: 'Bench Reviewer' });
  const policy = writeReviewerPolicy(work, reviewer);

  const server = await startPyvouch(join(work, 'upstream'), policy);
  const posted = await fetch(`${server.origin}/statements`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify(releases.map((r) => statement(reviewer, 'assess', PROJECT, r.version, r.files, `reviewed ${PROJECT} ${r.version}`))),
  });
  if (posted.status !== 201) throw new Error(`POST /statements answered ${posted.status}: ${await posted.text()}`);

  const pageUrl = `${server.origin}/simple/${PROJECT}/`;
  const first = await fetch(pageUrl, { headers: { Accept: PIP_ACCEPT } });
  const body = Buffer.from(await first.arrayBuffer());
  const contentType = first.headers.get('content-type') ?? '';
  if (first.status !== 200) throw new Error(`${pageUrl} answered ${first.status}: ${body.toString()}`);
  const listed = (JSON.parse(body.toString()) as { files: unknown[] }).files.length;
  if (listed !== versions * 3) throw new Error(`the page lists ${listed} files, expected ${versions * 3}: the reviews did not count`);
  const again = Buffer.from(await (await fetch(pageUrl, { headers: { Accept: PIP_ACCEPT } })).arrayBuffer());
  if (!again.equals(body)) throw new Error('two requests for the cached page gave different bytes');

  // nginx serves the bytes pyvouch answered, at the same path.
  const docroot = join(work, 'www');
  mkdirSync(join(docroot, 'simple', PROJECT), { recursive: true });
  writeFileSync(join(docroot, 'simple', PROJECT, 'index.html'), body);
  for (const d of [docroot, join(docroot, 'simple'), join(docroot, 'simple', PROJECT)]) chmodSync(d, 0o755);
  const script = join(work, 'pip.lua');
  writeFileSync(script, `wrk.headers["Accept"] = "${PIP_ACCEPT}"\nwrk.headers["User-Agent"] = "pip/24.0"\n`);

  console.log(`pyvouch serve (dist/cli.js, mode ${mode}, page and decisions re-checked every ${ttl} s) vs nginx ${nginxVersion()}, same bytes, wrk -t${threads} -c${connections} -d${duration}s --latency`);
  console.log(`page: /simple/${PROJECT}/ as ${contentType}, ${body.length.toLocaleString('en')} bytes, ${listed} files; machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load ${loadavg()[0]!.toFixed(2)}`);
  if (stale !== undefined) console.log(`WARNING: ${stale.slice(root.length)} is newer than dist/cli.js: run \`npm run build\` to measure the current code`);

  // Every server starts now and idles while another is measured; the rounds rotate through them
  // so drift in the machine's load touches all alike, and each keeps its best round.
  const floorPort = await freePort();
  await startNodeFloor(join(docroot, 'simple', PROJECT, 'index.html'), floorPort, first.headers);
  const nginxPorts = { one: await freePort(), auto: await freePort() };
  await startNginx(join(work, 'nginx-1'), docroot, nginxPorts.one, '1', contentType);
  await startNginx(join(work, 'nginx-auto'), docroot, nginxPorts.auto, 'auto', contentType);
  const path = `/simple/${PROJECT}/`;
  const servers = [
    { name: `pyvouch serve (${mode})`, url: pageUrl },
    { name: 'nginx (worker_processes 1)', url: `http://127.0.0.1:${nginxPorts.one}${path}` },
    { name: 'nginx (worker_processes auto)', url: `http://127.0.0.1:${nginxPorts.auto}${path}` },
    { name: 'node:http, constant reply', url: `http://127.0.0.1:${floorPort}${path}` },
  ];
  for (const server of servers) {
    const check = await fetch(server.url, { headers: { Accept: PIP_ACCEPT } });
    const bytes = Buffer.from(await check.arrayBuffer());
    if (check.status !== 200 || !bytes.equals(body)) throw new Error(`${server.name} at ${server.url} does not serve the same bytes (status ${check.status}, ${bytes.length} bytes)`);
  }
  const best = new Map<string, WrkResult>();
  for (let round = 1; round <= rounds; round++) {
    for (const server of servers) {
      if (warmup > 0) wrk(server.url, warmup, script);
      const result = wrk(server.url, duration, script);
      const known = best.get(server.name);
      if (known === undefined || result.rps > known.rps) best.set(server.name, result);
      console.log(`  round ${round}: ${server.name}: ${Math.round(result.rps).toLocaleString('en')} req/s, p99 ${result.p99.toFixed(2)} ms${result.errors.length > 0 ? ` (${result.errors.join('; ')})` : ''}`);
    }
  }
  const rows = servers.map((sv) => ({ name: sv.name, result: best.get(sv.name)! }));

  const ours = rows[0]!.result;
  const peer = rows[1]!.result;
  const pad = (text: string, n: number): string => text.padEnd(n);
  const num = (text: string, n: number): string => text.padStart(n);
  console.log('');
  console.log(`${pad('server', 32)}${num('req/s', 10)}${num('p50 ms', 9)}${num('p99 ms', 9)}${num('vs nginx(1)', 13)}`);
  for (const { name, result } of rows) {
    console.log(
      `${pad(name, 32)}${num(Math.round(result.rps).toLocaleString('en'), 10)}${num(result.p50.toFixed(2), 9)}${num(result.p99.toFixed(2), 9)}${num(`${((result.rps / peer.rps) * 100).toFixed(0)}%`, 13)}`,
    );
  }
  const ratio = ours.rps / peer.rps;
  const floorRps = rows[3]!.result.rps;
  console.log('');
  console.log(
    `pyvouch / nginx (1 worker): ${(ratio * 100).toFixed(0)}% of its req/s (goal >= 70%: ${ratio >= 0.7 ? 'met' : 'NOT met'}); ` +
      `p99 ${ours.p99.toFixed(2)} ms (goal < 5 ms: ${ours.p99 < 5 ? 'met' : 'NOT met'}); ` +
      `${((ours.rps / floorRps) * 100).toFixed(0)}% of what node:http itself manages with a constant reply`,
  );
  const errors = rows.filter((r) => r.result.errors.length > 0);
  if (errors.length > 0) {
    for (const r of errors) console.log(`errors from ${r.name}: ${r.result.errors.join('; ')}`);
    process.exitCode = 1;
  }
}

/**
 * The ceiling for any server on node:http: one handler answering every request with the page's
 * bytes and headers, built once. What pyvouch loses against it is pyvouch's own cost.
 */
async function startNodeFloor(file: string, port: number, headers: Headers): Promise<ChildProcess> {
  const names = ['content-type', 'etag', 'vary', 'cache-control', 'x-content-type-options'];
  const fixed = Object.fromEntries(names.map((n) => [n, headers.get(n) ?? '']));
  const code = [
    "const { createServer } = require('node:http');",
    `const body = require('node:fs').readFileSync(${JSON.stringify(file)});`,
    `const headers = { ...${JSON.stringify(fixed)}, 'content-length': String(body.length) };`,
    `createServer((req, res) => { res.writeHead(200, headers); res.end(body); }).listen(${port}, '127.0.0.1');`,
  ].join('\n');
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  await waitFor(`http://127.0.0.1:${port}/`, 'the node:http reference server', child, () => stderr);
  return child;
}

function nginxVersion(): string {
  const r = spawnSync('nginx', ['-v'], { encoding: 'utf8' });
  return /nginx\/([\d.]+)/.exec(r.stderr)?.[1] ?? '';
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 1;
  })
  // nginx, pyvouch and the reference server stop here, on success or error (and on exit, above).
  .finally(() => Promise.all(children.map((child) => stop(child))));
