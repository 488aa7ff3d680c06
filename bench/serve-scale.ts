// The gated index past one process (issue 16), measured in one run against nginx alone:
//   node --import tsx bench/serve-scale.ts [--duration 5] [--warmup 2] [--rounds 1] [--connections 32] [--threads 2]
//                                          [--vetoes 100] [--kill-seconds 8] [--nginx-workers 1]
// Runs the built server (`npm run build` first) as child processes over a directory of real
// wheels, on a PostgreSQL store (PYVOUCH_BENCH_POSTGRES, else the test database, in a schema of its
// own that is dropped at the end), and nginx with the configuration of docs/deploy.md. Figures:
//   1. nginx serving a project page's bytes itself (the peer);
//   2. static fronting: nginx in front of three replicas, serving the page pyvouch rendered
//      (--render-to): goal >= 90% of the peer's req/s, p99 < 5 ms;
//   3. three replicas behind nginx, the page proxied to them (a query sends it past the files);
//   4. one `pyvouch serve` process and `--workers 2`, asked directly;
//   5. veto propagation under load: time from the 201 of a veto posted to replica A to the first
//      refusal of that file's download on B and on C, and to its disappearance from B's page,
//      p50/p99 over --vetoes vetoes while wrk loads nginx;
//   6. SIGKILL of a replica under load: wrk through nginx (proxied pages and X-Accel downloads)
//      while a client posts statements through nginx; a replica is killed mid-run. Reports the
//      failed client requests and checks that every acknowledged statement is in the store.
// Needs wrk and nginx from Debian (`apt-get install wrk nginx-light`).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { generateIdentity, type Identity } from '../src/attest/keys.js';
import type { Envelope } from '../src/attest/types.js';
import { openStore } from '../src/store/open.js';
import { wheelFile, type FakeFile } from '../test/support/fake-index.js';
import { children, cli, freePort, needTools, onExit, PIP_ACCEPT, PROJECT, root, statement as signed, stop as stopChild, TOKEN, wrkArgs as wrkArgsFor, wrkLatency, writeNginxConf, writeReleases, writeReviewerPolicy } from './_serve-common.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '2' },
    connections: { type: 'string', default: '32' },
    threads: { type: 'string', default: '2' },
    vetoes: { type: 'string', default: '100' },
    'kill-seconds': { type: 'string', default: '8' },
    'nginx-workers': { type: 'string', default: '1' },
    versions: { type: 'string', default: '40' },
    rounds: { type: 'string', default: '1' },
  },
});
const duration = Number(values.duration);
const warmup = Number(values.warmup);
const connections = Number(values.connections);
const threads = Number(values.threads);
const vetoCount = Number(values.vetoes);
const killSeconds = Number(values['kill-seconds']);
const nginxWorkers = values['nginx-workers'];
const versions = Number(values.versions);
const rounds = Math.max(1, Number(values.rounds));

const VETOED = 'vetoed';
const JSON_QUERY = '?format=application/vnd.pypi.simple.v1%2Bjson';
needTools('bench/serve-scale.ts', [
  ['wrk', 'apt-get install wrk'],
  ['nginx', 'apt-get install nginx-light'],
]);

let work = '';
onExit(() => {
  // PYVOUCH_BENCH_KEEP=1 keeps the directory (nginx's error logs, the rendered pages).
  if (work !== '' && process.env['PYVOUCH_BENCH_KEEP'] !== '1') rmSync(work, { recursive: true, force: true });
  else if (work !== '') console.log(`kept ${work}`);
});

/** Replicas get 20 s to drain before SIGKILL. */
const stop = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => stopChild(child, signal, 20_000);

/** `pyvouch serve` from dist/ on `port`; resolves once it prints its address. */
async function startPyvouch(name: string, args: readonly string[], port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'serve', ...args, '--listen', `127.0.0.1:${port}`], {
    env: { ...process.env, PYVOUCH_ADMIN_TOKEN: TOKEN, PYVOUCH_HOME: join(work, `home-${name}`), NO_COLOR: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-20_000)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s:\n${stderr}`)), 60_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('listening on ')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${stderr}`));
    });
  });
  return child;
}

function nginxConf(dir: string, http: string): string {
  return writeNginxConf(dir, nginxWorkers, 4096, [http]);
}

async function startNginx(dir: string, http: string, port: number): Promise<ChildProcess> {
  const conf = nginxConf(dir, http);
  const child = spawn('nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.push(child);
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${readFileSync(join(dir, 'error.log'), 'utf8')}`);
    try {
      await fetch(`http://127.0.0.1:${port}/nothing`);
      return child;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('nginx did not answer within 10 s');
}

/** docs/deploy.md's nginx configuration with these ports and directories. */
function deployConfig(listen: number, replicas: readonly number[], pages: string, accel: string): string {
  const doc = readFileSync(join(root, 'docs', 'deploy.md'), 'utf8');
  const m = /<!-- nginx-config:start -->\n```nginx\n([\s\S]*?)```\n<!-- nginx-config:end -->/.exec(doc);
  if (m === null) throw new Error('docs/deploy.md has no nginx configuration between its markers');
  let text = m[1]!;
  replicas.forEach((port, i) => (text = text.replace(`server 127.0.0.1:870${i + 1} `, `server 127.0.0.1:${port} `)));
  return text.replace('listen 127.0.0.1:8700;', `listen 127.0.0.1:${listen};`).replace('root /var/lib/pyvouch/pages;', `root ${pages};`).replace('alias /var/cache/pyvouch/files/;', `alias ${accel}/;`);
}

interface WrkResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  socketErrors: number;
  /** wrk's own words: connect, read, write, timeout (a timeout is an answer slower than wrk's --timeout). */
  socketDetail: string;
  raw: string;
}

function parseWrk(out: string): WrkResult {
  const pct = (p: string): number => wrkLatency(out, p) ?? Number.NaN;
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  return {
    rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN),
    p50: pct('50'),
    p99: pct('99'),
    requests: Number(/(\d+) requests in/.exec(out)?.[1] ?? 0),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(out)?.[1] ?? 0),
    socketErrors: socket === null ? 0 : socket.slice(1).reduce((a, b) => a + Number(b), 0),
    socketDetail: socket === null ? 'none' : `connect ${socket[1]}, read ${socket[2]}, write ${socket[3]}, timeout ${socket[4]}`,
    raw: out,
  };
}

function wrkArgs(url: string, seconds: number, script: string): string[] {
  return wrkArgsFor(threads, connections, seconds, script, url);
}

function wrk(url: string, seconds: number, script: string): WrkResult {
  const r = spawnSync('wrk', wrkArgs(url, seconds, script), { encoding: 'utf8', timeout: (seconds + 30) * 1000 });
  if (r.status !== 0) throw new Error(`wrk failed (${r.status}):\n${r.stderr}${r.stdout}`);
  return parseWrk(r.stdout);
}

/** wrk in the background; `done` resolves with its result when it ends (by itself or on SIGINT). */
function wrkAsync(url: string, seconds: number, script: string): { child: ChildProcess; done: Promise<WrkResult> } {
  const child = spawn('wrk', wrkArgs(url, seconds, script), { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const done = new Promise<WrkResult>((resolve, reject) => child.once('exit', (code) => (code === 0 ? resolve(parseWrk(out)) : reject(new Error(`wrk exited with ${code}: ${out}`)))));
  return { child, done };
}

function measure(url: string, script: string): WrkResult {
  if (warmup > 0) wrk(url, warmup, script);
  return wrk(url, duration, script);
}

function statement(by: Identity, kind: 'assess' | 'flag', project: string, version: string, files: readonly FakeFile[], note = ''): Envelope {
  return signed(by, kind, project, version, files, `${kind} ${project} ${version}${note}`);
}

async function postJson(url: string, body: unknown): Promise<{ status: number; json: { ids?: string[] } }> {
  const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as { ids?: string[] } };
}

async function status(url: string): Promise<number> {
  const res = await fetch(url);
  await res.arrayBuffer();
  return res.status;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  work = mkdtempSync(join(tmpdir(), 'pyvouch-bench-scale-'));
  chmodSync(work, 0o755);
  const pgUrl = process.env['PYVOUCH_BENCH_POSTGRES'] ?? process.env['PYVOUCH_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `pyvouch_bench_scale_${randomBytes(4).toString('hex')}`;
  const spec = (() => {
    const u = new URL(pgUrl);
    u.searchParams.set('schema', schema);
    return u.toString();
  })();
  try {
    await run(spec);
  } finally {
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

async function run(spec: string): Promise<void> {
  const load = loadavg()[0]!;
  // Upstream: a project with 40 releases × 3 wheels (the page everything serves), and one release
  // per veto of another project.
  const upstream = join(work, 'upstream');
  mkdirSync(join(upstream, PROJECT), { recursive: true });
  mkdirSync(join(upstream, VETOED), { recursive: true });
  const releases = writeReleases(join(upstream, PROJECT), versions);
  const vetoed = Array.from({ length: vetoCount }, (_, i) => {
    const f = wheelFile(VETOED, `0.${i}`, {});
    writeFileSync(join(upstream, VETOED, f.filename), f.content);
    return { version: `0.${i}`, file: f };
  });
  const reviewer = generateIdentity({ name: 'Bench Reviewer' });
  const policy = writeReviewerPolicy(work, reviewer);
  const pages = join(work, 'pages');
  const accel = join(work, 'accel');
  const common = ['--upstream', upstream, '--policy', policy, '--store', spec, '--mode', 'filter', '--upstream-ttl', '60', '--decision-ttl', '60'];

  // Three replicas, one at a time (the first migrates the schema).
  const replicaPorts = [await freePort(), await freePort(), await freePort()];
  const replicas: ChildProcess[] = [];
  for (const [i, port] of replicaPorts.entries()) {
    replicas.push(await startPyvouch(`replica-${i}`, [...common, '--cache-dir', join(work, `cache-${i}`), '--render-to', pages, '--accel-dir', accel], port));
  }
  const replica = (i: number): string => `http://127.0.0.1:${replicaPorts[i]}`;
  const stored = await postJson(`${replica(0)}/statements`, [...releases.map((r) => statement(reviewer, 'assess', PROJECT, r.version, r.files)), ...vetoed.map((v) => statement(reviewer, 'assess', VETOED, v.version, [v.file]))]);
  if (stored.status !== 201) throw new Error(`POST /statements answered ${stored.status}`);

  const frontPort = await freePort();
  await startNginx(join(work, 'nginx-front'), deployConfig(frontPort, replicaPorts, pages, accel), frontPort);
  const front = `http://127.0.0.1:${frontPort}`;
  // The first request goes to a replica, which renders the page; from then on nginx serves it.
  await fetch(`${front}/simple/${PROJECT}/`, { headers: { Accept: PIP_ACCEPT } }).then((r) => r.arrayBuffer());
  const rendered = join(pages, 'simple', PROJECT, 'index.v1_json');
  for (let i = 0; i < 100 && !existsSync(rendered); i++) await new Promise((r) => setTimeout(r, 50));
  const body = readFileSync(rendered);
  const direct = Buffer.from(await (await fetch(`${replica(1)}/simple/${PROJECT}/`, { headers: { Accept: PIP_ACCEPT } })).arrayBuffer());
  if (!direct.equals(body)) throw new Error('the rendered page differs from what a replica answers');
  const listed = (JSON.parse(body.toString()) as { files: unknown[] }).files.length;
  if (listed !== versions * 3) throw new Error(`the page lists ${listed} files, expected ${versions * 3}`);

  // The peer: nginx serving those bytes itself, with the same headers.
  const docroot = join(work, 'www');
  mkdirSync(join(docroot, 'simple', PROJECT), { recursive: true });
  writeFileSync(join(docroot, 'simple', PROJECT, 'index.v1_json'), body);
  const alonePort = await freePort();
  await startNginx(
    join(work, 'nginx-alone'),
    [
      '  server {',
      `    listen 127.0.0.1:${alonePort};`,
      `    root ${docroot};`,
      '    types { application/vnd.pypi.simple.v1+json v1_json; }',
      '    add_header Vary Accept always;',
      '    add_header Cache-Control no-cache always;',
      '    add_header X-Content-Type-Options nosniff always;',
      '    location / { try_files $uri/index.v1_json =404; }',
      '  }',
    ].join('\n'),
    alonePort,
  );
  const script = join(work, 'pip.lua');
  writeFileSync(script, `wrk.headers["Accept"] = "${PIP_ACCEPT}"\nwrk.headers["User-Agent"] = "pip/24.0"\n`);
  const path = `/simple/${PROJECT}/`;
  for (const url of [`http://127.0.0.1:${alonePort}${path}`, `${front}${path}`, `${front}${path}${JSON_QUERY}`]) {
    const got = Buffer.from(await (await fetch(url, { headers: { Accept: PIP_ACCEPT } })).arrayBuffer());
    if (!got.equals(body)) throw new Error(`${url} does not serve the same bytes`);
  }

  // One process and two workers, asked directly (their own store schema is the same PostgreSQL).
  const onePort = await freePort();
  const one = await startPyvouch('one', [...common, '--cache-dir', join(work, 'cache-one')], onePort);
  const workersPort = await freePort();
  const two = await startPyvouch('workers', [...common, '--cache-dir', join(work, 'cache-workers'), '--workers', '2'], workersPort);
  for (const port of [onePort, workersPort]) {
    const got = Buffer.from(await (await fetch(`http://127.0.0.1:${port}${path}`, { headers: { Accept: PIP_ACCEPT } })).arrayBuffer());
    if (!got.equals(body)) throw new Error(`127.0.0.1:${port} does not serve the same bytes`);
  }

  console.log(`pyvouch serve (dist/cli.js, filter mode, PostgreSQL store) vs nginx alone (worker_processes ${nginxWorkers}), same ${body.length.toLocaleString('en')}-byte page (${listed} files)`);
  console.log(`wrk -t${threads} -c${connections} -d${duration}s --latency, ${warmup} s warm-up; machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average ${load.toFixed(2)} at start`);

  // The rounds rotate through the servers, so drift in the machine's load touches all alike; each
  // keeps its best round.
  const targets = [
    { name: 'nginx alone (peer)', url: `http://127.0.0.1:${alonePort}${path}` },
    { name: 'static fronting: nginx + 3 replicas', url: `${front}${path}` },
    { name: '3 replicas behind nginx, proxied', url: `${front}${path}${JSON_QUERY}` },
    { name: 'one of the replicas, asked directly', url: `${replica(1)}${path}${JSON_QUERY}` },
    { name: 'pyvouch serve, 1 process', url: `http://127.0.0.1:${onePort}${path}` },
    // The query the proxied row uses (it sends the request past nginx's files): its cost alone.
    { name: 'pyvouch serve, 1 process, ?format=', url: `http://127.0.0.1:${onePort}${path}${JSON_QUERY}` },
    { name: 'pyvouch serve --workers 2', url: `http://127.0.0.1:${workersPort}${path}` },
  ];
  // Each replica warms its own JIT on the proxied path first: three cold processes behind nginx
  // measured in a short run give the warm-up, not the steady state.
  for (let i = 0; i < 3; i++) wrk(`${replica(i)}${path}${JSON_QUERY}`, Math.max(2, warmup), script);
  const best = new Map<string, WrkResult>();
  for (let round = 1; round <= rounds; round++) {
    for (const t of targets) {
      const r = measure(t.url, script);
      const known = best.get(t.name);
      if (known === undefined || r.rps > known.rps) best.set(t.name, r);
      console.log(`  round ${round}: ${t.name}: ${Math.round(r.rps).toLocaleString('en')} req/s, p99 ${r.p99.toFixed(2)} ms, load ${loadavg()[0]!.toFixed(1)}`);
    }
  }
  const rows = targets.map((t) => ({ name: t.name, r: best.get(t.name)! }));
  for (const { name, r } of rows) if (r.socketErrors > 0) console.log(`  ${name}: socket errors ${r.socketDetail}`);
  const peer = rows[0]!.r;
  await stop(one);
  await stop(two);

  // Veto propagation under load: wrk keeps nginx (proxied pages) busy meanwhile.
  for (const v of vetoed) for (const i of [1, 2]) if ((await status(`${replica(i)}/files/${VETOED}/${v.file.filename}`)) !== 200) throw new Error(`${v.file.filename} is not allowed before its veto`);
  const loadRun = wrkAsync(`${front}${path}${JSON_QUERY}`, 3600, script);
  const refusal: number[] = [];
  const pageGone: number[] = [];
  /** Downloads on B and C that were still allowed after A's 201 (the guarantee says none). */
  let lateAllows = 0;
  for (const v of vetoed) {
    const posted = await postJson(`${replica(0)}/statements`, statement(reviewer, 'flag', VETOED, v.version, [v.file]));
    if (posted.status !== 201) throw new Error(`the veto of ${v.version} answered ${posted.status}`);
    const t0 = performance.now();
    await Promise.all(
      [1, 2].map(async (i) => {
        for (let n = 0; n < 10_000; n++) {
          if ((await status(`${replica(i)}/files/${VETOED}/${v.file.filename}`)) === 403) return refusal.push(performance.now() - t0);
          lateAllows++;
        }
        throw new Error(`replica ${i} never refused ${v.file.filename}`);
      }),
    );
    for (let n = 0; n < 10_000; n++) {
      const page = (await (await fetch(`${replica(1)}/simple/${VETOED}/`, { headers: { Accept: PIP_ACCEPT } })).json()) as { files: { filename: string }[] };
      if (!page.files.some((f) => f.filename === v.file.filename)) {
        pageGone.push(performance.now() - t0);
        break;
      }
    }
  }
  loadRun.child.kill('SIGINT');
  const duringVetoes = await loadRun.done.catch(() => undefined);
  refusal.sort((a, b) => a - b);
  pageGone.sort((a, b) => a - b);

  // SIGKILL of a replica under load.
  const mixed = join(work, 'mixed.lua');
  const allowed = releases[0]!.files[0]!;
  writeFileSync(
    mixed,
    [
      `wrk.headers["Accept"] = "${PIP_ACCEPT}"`,
      'local n = 0',
      'request = function()',
      '  n = n + 1',
      `  if n % 2 == 0 then return wrk.format("GET", "/files/${PROJECT}/${allowed.filename}") end`,
      `  return wrk.format("GET", "${path}${JSON_QUERY}")`,
      'end',
      '',
    ].join('\n'),
  );
  const killRun = wrkAsync(front, killSeconds, mixed);
  const acknowledged: string[] = [];
  let postFailures = 0;
  let posts = 0;
  const victim = replicas[2]!;
  const killAt = Date.now() + (killSeconds * 1000) / 3;
  const poster = (async () => {
    const end = Date.now() + killSeconds * 1000;
    for (let i = 0; Date.now() < end; i++) {
      posts++;
      try {
        const r = await postJson(`${front}/statements`, statement(reviewer, 'assess', PROJECT, releases[i % releases.length]!.version, releases[i % releases.length]!.files, ` (kill run ${i})`));
        if (r.status === 201) acknowledged.push(...(r.json.ids ?? []));
        else postFailures++;
      } catch {
        postFailures++;
      }
    }
  })();
  await new Promise((r) => setTimeout(r, Math.max(0, killAt - Date.now())));
  victim.kill('SIGKILL');
  const [killed] = await Promise.all([killRun.done, poster]);
  const store = await openStore(spec, join(work, 'home-check'));
  let missing = 0;
  try {
    for (const id of acknowledged) if ((await store.get(id)) === undefined) missing++;
  } finally {
    await store.close();
  }

  const pad = (t: string, n: number): string => t.padEnd(n);
  const num = (t: string, n: number): string => t.padStart(n);
  console.log('');
  console.log(`${pad('server', 40)}${num('req/s', 10)}${num('p50 ms', 9)}${num('p99 ms', 9)}${num('vs nginx', 10)}${num('errors', 8)}`);
  for (const { name, r } of rows) {
    console.log(`${pad(name, 40)}${num(Math.round(r.rps).toLocaleString('en'), 10)}${num(r.p50.toFixed(2), 9)}${num(r.p99.toFixed(2), 9)}${num(`${((r.rps / peer.rps) * 100).toFixed(0)}%`, 10)}${num(String(r.non2xx + r.socketErrors), 8)}`);
  }
  const fronting = rows[1]!.r;
  if (rows.length !== targets.length) throw new Error('a server was not measured');
  console.log('');
  console.log(`static fronting: ${((fronting.rps / peer.rps) * 100).toFixed(0)}% of nginx alone (goal >= 90%: ${fronting.rps / peer.rps >= 0.9 ? 'met' : 'NOT met'}), p99 ${fronting.p99.toFixed(2)} ms (goal < 5 ms: ${fronting.p99 < 5 ? 'met' : 'NOT met'})`);
  console.log(
    `veto propagation over ${vetoed.length} vetoes (201 on A -> first 403 on B and on C, ${refusal.length} samples): p50 ${percentile(refusal, 50).toFixed(2)} ms, p99 ${percentile(refusal, 99).toFixed(2)} ms; ` +
      `-> gone from B's page: p50 ${percentile(pageGone, 50).toFixed(2)} ms, p99 ${percentile(pageGone, 99).toFixed(2)} ms` +
      `; downloads still allowed after the 201: ${lateAllows}` +
      (duringVetoes === undefined ? '' : `; load meanwhile ${Math.round(duringVetoes.rps).toLocaleString('en')} req/s through nginx`),
  );
  console.log(
    `SIGKILL of 1 of 3 replicas under load (${killSeconds} s, pages and X-Accel downloads through nginx): ${killed.requests.toLocaleString('en')} requests, ` +
      `${killed.non2xx} non-2xx, socket errors: ${killed.socketDetail}; POST /statements through nginx: ${posts} sent, ${postFailures} failed, ${acknowledged.length} acknowledged, ${missing} of them missing from the store`,
  );
  if (missing > 0 || lateAllows > 0 || fronting.non2xx + fronting.socketErrors > 0) process.exitCode = 1;
}

main()
  .catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
    process.exitCode = 1;
  })
  .finally(() => Promise.all(children.map((child) => stop(child))));
