// Shared by bench/serve.ts and bench/serve-scale.ts: the built CLI and the tools they need, the
// child processes they start (stopped on exit), free ports, nginx's configuration frame, the
// reviewed project's wheels and policy, signed statements and wrk's latency lines.

import { spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Identity } from '../src/attest/keys.js';
import { buildStatement, signStatement } from '../src/attest/statement.js';
import type { Envelope } from '../src/attest/types.js';
import { sha256, wheelFile, type FakeFile, type WheelSpec } from '../test/support/fake-index.js';
export { freePort } from '../test/support/listening.js';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const cli = join(root, 'dist', 'cli.js');
export const PROJECT = 'benchpkg';
export const PIP_ACCEPT = 'application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html; q=0.1, text/html; q=0.01';
export const TOKEN = 'bench-admin-token';

/** Exits with 2 unless every tool answers `-v` and dist/cli.js is built. */
export function needTools(bench: string, tools: readonly (readonly [binary: string, hint: string])[]): void {
  for (const [binary, hint] of tools) {
    if (spawnSync(binary, ['-v'], { stdio: 'ignore' }).error !== undefined) {
      console.error(`${bench} needs ${binary}: ${hint}`);
      process.exit(2);
    }
  }
  if (!existsSync(cli)) {
    console.error(`${bench} runs the built server: run \`npm run build\` first`);
    process.exit(2);
  }
}

/** Every child process a bench starts; each still running gets SIGTERM when the bench exits. */
export const children: ChildProcess[] = [];

/** On exit: SIGTERM to the children still running (nginx's master must live to take its workers down), then `cleanUp`. */
export function onExit(cleanUp: () => void): void {
  process.on('exit', () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    cleanUp();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => process.exit(130));
}

/** `signal`, then SIGKILL after `graceMs`; resolves once the child exited. */
export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Writes `dir`/nginx.conf: nginx in the foreground, its pid, log and temporary files in `dir`, `http` inside its http block. */
export function writeNginxConf(dir: string, workers: string, workerConnections: number, http: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      'daemon off;',
      `worker_processes ${workers};`,
      // Debian's nginx runs as root here only because the benchmark does; workers stay root too
      // so they can read the temporary directory without loosening its permissions further.
      ...(process.getuid?.() === 0 ? ['user root;'] : []),
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'error.log')} warn;`,
      `events { worker_connections ${workerConnections}; }`,
      'http {',
      '  access_log off;',
      '  sendfile on;',
      '  tcp_nopush on;',
      '  keepalive_requests 1000000;',
      ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${join(dir, t)};`),
      ...http,
      '}',
      '',
    ].join('\n'),
  );
  return conf;
}

/** `versions` releases of PROJECT, three real wheels each (like a project with binary builds), written into `dir`. */
export function writeReleases(dir: string, versions: number, spec: WheelSpec = {}): { version: string; files: FakeFile[] }[] {
  const releases: { version: string; files: FakeFile[] }[] = [];
  for (let i = 0; i < versions; i++) {
    const version = `${1 + Math.floor(i / 10)}.${i % 10}.0`;
    const files = ['py3-none-any', 'cp312-cp312-manylinux_2_17_x86_64', 'cp312-cp312-win_amd64'].map((tag) => wheelFile(PROJECT, version, { ...spec, tag }));
    for (const f of files) writeFileSync(join(dir, f.filename), f.content);
    releases.push({ version, files });
  }
  return releases;
}

/** `work`/pyvouch.toml: `reviewer` alone reaches the threshold of safe-to-deploy. */
export function writeReviewerPolicy(work: string, reviewer: Identity): string {
  const policy = join(work, 'pyvouch.toml');
  writeFileSync(policy, ['[policy]', 'threshold = 2.0', 'criteria = "safe-to-deploy"', '', '[[party]]', 'name = "reviewers"', `identity = "${reviewer.did}"`, 'weight = 2.0', ''].join('\n'));
  return policy;
}

/** A signed review (safe-to-deploy) or flag (critical, malicious) of these files by `by`. */
export function statement(by: Identity, kind: 'assess' | 'flag', project: string, version: string, files: readonly FakeFile[], description: string): Envelope {
  return signStatement(
    buildStatement({
      kind,
      agent: { did: by.did, name: 'Bench Reviewer' },
      package: { name: project, version },
      artifacts: files.map((f) => ({ filename: f.filename, sha256: sha256(f.content) })),
      ...(kind === 'assess' ? { criteria: ['safe-to-deploy'] } : { finding: { kind: 'malicious' as const, severity: 'critical' as const } }),
      description,
      startTime: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    }),
    by,
  );
}

/** wrk's `p%` latency line (wrk --latency) in milliseconds, or undefined when there is none. */
export function wrkLatency(out: string, p: string): number | undefined {
  const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm').exec(out);
  if (m === null) return undefined;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n;
}

export function wrkArgs(threads: number, connections: number, seconds: number, script: string, url: string): string[] {
  return [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url];
}
